"""The AWS engines: Amazon Transcribe streaming, Amazon Translate and Amazon Polly. Importing registers them.

Their SDKs are the 'aws' install extra; these modules import without them (each engine imports its SDK when it
runs), so a config that names an AWS engine is understood, and told in one line what to install.
"""

from runner.registry import family

family("aws", extra="aws", modules=("boto3", "botocore", "aws_sdk_polly", "aws_sdk_transcribe_streaming",
                                    "smithy_http", "awscrt"))

from runner.engines.aws import polly, transcribe, translate  # noqa: E402

__all__ = ["polly", "transcribe", "translate"]
