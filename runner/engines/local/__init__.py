"""The embedded offline engines: pocketsphinx -> Apertium -> espeak-ng. Importing registers them."""

from runner.engines.local import apertium, espeak, pocketsphinx

__all__ = ["apertium", "espeak", "pocketsphinx"]
