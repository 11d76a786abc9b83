"""Splitting a translation into sentences: each is synthesized (and retried) on its own, as Polly's streaming
API expects one flushed TextEvent per sentence."""

from __future__ import annotations

import sentencex

from runner.engines.languages import base_language


def sentences(text: str, language: str) -> list[str]:
    try:
        parts = sentencex.segment(base_language(language), text)
    except Exception:  # sentencex knows ~300 languages; anything else is spoken whole
        parts = [text]
    return [p.strip() for p in parts if p.strip()]
