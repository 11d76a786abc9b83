"""HTTP Live Streaming (runner.outputs.hls.output): audio and captions of every language, to a folder or S3."""

from runner.outputs.hls import output

__all__ = ["output"]
