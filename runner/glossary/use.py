"""What each engine asks of the pipeline's glossary: one call per engine, so engines need not know its format.

- speech-to-text: ``speech_to_text_terms`` (Whisper hotwords / initial prompt, keyword boosting), ``fix_transcript``
  (misheard forms written as the term, for recognizers that take no vocabulary);
- translation: ``protected_terms`` (kept or replaced, never translated);
- text-to-speech: ``pronunciations`` (for engines without lexicons).

The AWS engines' own resources (vocabulary, terminology, lexicons) are runner.engines.aws.glossary's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from runner.glossary.terms import replace

if TYPE_CHECKING:
    from runner.config.model import PipelineConfig


def speech_to_text_terms(config: PipelineConfig) -> list[str]:
    """The terms a recognizer should expect, as written (empty without a glossary)."""
    return config.glossary.speech_to_text_terms() if config.glossary is not None else []


def fix_transcript(config: PipelineConfig, text: str) -> str:
    """A transcript with each sounds-like form the glossary lists written as its term."""
    return replace(text, config.glossary.misheard_forms()) if config.glossary is not None else text


def protected_terms(config: PipelineConfig, language: str) -> list[tuple[str, str]]:
    """(term, what it must be in ``language``) for a translator to keep out of its hands."""
    return config.glossary.translations_into(language) if config.glossary is not None else []


def pronunciations(config: PipelineConfig, language: str, *, espeak: bool = False) -> list[tuple[str, str]]:
    """(word, what to say instead) in ``language`` for voices without lexicons: its alias, or (``espeak``) its
    espeak-ng phonemes as ``[[...]]`` input when the glossary gives them."""
    if config.glossary is None:
        return []
    pairs = []
    for written, p in config.glossary.pronunciations_in(language):
        if espeak and p.espeak:
            pairs.append((written, f"[[{p.espeak}]]"))
        elif p.alias:
            pairs.append((written, p.alias))
    return pairs
