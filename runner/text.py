"""Splitting text for the engines: a translation into sentences (each is synthesized, and retried, on its own, as
Polly's streaming API expects one flushed TextEvent per sentence), and any text into pieces that each fit a
service's request limit, cut where a reader would pause: sentences, then clauses, then words (speech-to-text may
give no punctuation at all), and only for text without spaces (Chinese, Japanese, Thai) between characters."""

from __future__ import annotations

import re
from collections.abc import Callable

import sentencex

from runner.engines.languages import base_language

# Where a clause ends: after these marks, before white space (or right after the full-width ones).
_CLAUSE = re.compile(r"(?<=[,;:…—–)\]}»])(?=\s)|(?<=[，、；：。！？])")
_WORD = re.compile(r"(?<=\s)(?=\S)")
# Scripts written without spaces between words: their pieces are joined with nothing.
UNSPACED = {"zh", "cmn", "yue", "ja", "th", "lo", "km", "my"}


def sentences(text: str, language: str) -> list[str]:
    try:
        parts = sentencex.segment(base_language(language), text)
    except Exception:  # sentencex knows ~300 languages; anything else is spoken whole
        parts = [text]
    return [p.strip() for p in parts if p.strip()]


def joiner(language: str) -> str:
    """What goes between pieces of text in ``language`` translated one by one."""
    return "" if base_language(language) in UNSPACED else " "


def fit(text: str, fits: Callable[[str], bool], language: str = "en") -> list[str]:
    """``text`` in pieces, in order, each of which ``fits`` (a service's limit), cut at the widest boundary
    that makes them fit; a text that fits is one piece. Joined again they are the text, but for the white
    space at the cuts."""
    return _fit(text, fits, language, 0)


def _fit(text: str, fits: Callable[[str], bool], language: str, level: int) -> list[str]:
    """As fit, cutting at boundaries of ``level`` (0 sentences, 1 clauses, 2 words) or finer."""
    text = text.strip()
    if not text:
        return []
    if fits(text):
        return [text]
    splitters: list[Callable[[str], list[str]]] = [lambda t: _sentence_parts(t, language), _CLAUSE.split,
                                                   _WORD.split]
    for depth in range(level, len(splitters)):
        parts = splitters[depth](text)
        if len(parts) > 1:
            return _pack(parts, fits, language, depth + 1)
    return _cut(text, fits)


def _sentence_parts(text: str, language: str) -> list[str]:
    """The sentences of ``text`` with the white space that follows each, so that they join back into it."""
    parts, start = [], 0
    for sentence in sentences(text, language)[1:]:
        at = text.find(sentence, start + 1)
        if at < 0:  # sentencex changed the text: cut elsewhere
            return [text]
        parts.append(text[start:at])
        start = at
    return [*parts, text[start:]]


def _pack(parts: list[str], fits: Callable[[str], bool], language: str, level: int) -> list[str]:
    """Consecutive parts gathered into as few pieces as fit; a part too long alone is cut finer."""
    out: list[str] = []
    current = ""
    for part in parts:
        if fits((current + part).strip()):
            current += part
            continue
        if current.strip():
            out.append(current.strip())
        current = ""
        if fits(part.strip()):
            current = part
        else:
            out.extend(_fit(part, fits, language, level))
    if current.strip():
        out.append(current.strip())
    return out


def _cut(text: str, fits: Callable[[str], bool]) -> list[str]:
    """A text with no boundary left, cut into the longest prefixes that fit (found by bisection)."""
    out = []
    while text:
        low, high = 1, len(text)  # the longest prefix that fits is at least one character
        while low < high:
            middle = (low + high + 1) // 2
            if fits(text[:middle]):
                low = middle
            else:
                high = middle - 1
        out.append(text[:low])
        text = text[low:]
    return out
