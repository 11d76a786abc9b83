"""polyglot: a declarative runner for live speech-to-speech translation."""

__version__ = "0.1.0"
