"""Audio sources. Importing this package registers the built-in ones."""

from runner.io.sources import file, microphone
from runner.io.sources.base import AudioSource, create

__all__ = ["AudioSource", "create", "file", "microphone"]
