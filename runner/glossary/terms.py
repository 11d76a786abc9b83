"""Finding a glossary's terms in running text: whole words, any case, any spacing, the longest term first. What
every stage's glossary pass shares (a misheard form fixed, a term protected from the translator, a word given its
pronunciation)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Fixed:
    """A span of text the glossary decides: ``text`` is what it must become."""

    text: str


def _pattern(terms: Sequence[str]) -> re.Pattern[str] | None:
    words = sorted({" ".join(t.split()) for t in terms if t.strip()}, key=len, reverse=True)
    if not words:
        return None
    alternatives = "|".join(r"\s+".join(re.escape(w) for w in word.split()) for word in words)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def split(text: str, pairs: Sequence[tuple[str, str]]) -> list[str | Fixed]:
    """``text`` as plain stretches and :class:`Fixed` spans, each span a match of a pair's first element,
    holding its second."""
    pattern = _pattern([found for found, _ in pairs])
    if pattern is None:
        return [text]
    by_key = {" ".join(found.casefold().split()): fixed for found, fixed in pairs}
    out: list[str | Fixed] = []
    position = 0
    for match in pattern.finditer(text):
        out.append(text[position:match.start()])
        out.append(Fixed(by_key[" ".join(match.group().casefold().split())]))
        position = match.end()
    out.append(text[position:])
    return [part for part in out if part != ""]


def replace(text: str, pairs: Sequence[tuple[str, str]]) -> str:
    """``text`` with every match of a pair's first element replaced by its second."""
    return "".join(p.text if isinstance(p, Fixed) else p for p in split(text, pairs))
