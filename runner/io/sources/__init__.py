"""Audio sources. Importing this package registers the built-in ones (runner.registry, kind "source")."""

from runner.io.sources import file, microphone
from runner.io.sources.base import AudioSource

__all__ = ["AudioSource", "file", "microphone"]
