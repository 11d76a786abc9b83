"""The embedded offline engines: Whisper (or pocketsphinx) -> Apertium -> espeak-ng. Importing registers them."""

from runner.registry import family

family("local")  # part of every installation: its Python packages are dependencies, Apertium is Debian's

from runner.engines.local import apertium, espeak, pocketsphinx, whisper  # noqa: E402

__all__ = ["apertium", "espeak", "pocketsphinx", "whisper"]
