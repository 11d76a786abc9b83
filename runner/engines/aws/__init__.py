"""The AWS engines: Amazon Transcribe streaming, Amazon Translate and Amazon Polly. Importing registers them."""

from runner.engines.aws import polly, transcribe, translate

__all__ = ["polly", "transcribe", "translate"]
