"""Text cut to fit a service's request limit: at sentences, then clauses, then words, then (text without spaces)
characters; nothing lost, nothing reordered."""

from __future__ import annotations

import re

from runner.text import fit, joiner


def at_most(n: int, measure=len):
    return lambda text: measure(text) <= n


def words(text: str) -> list[str]:
    return text.split()


def test_a_text_that_fits_is_one_piece() -> None:
    assert fit("  good morning everybody ", at_most(100)) == ["good morning everybody"]
    assert fit("   ", at_most(10)) == []


def test_cut_at_sentences_first_then_clauses() -> None:
    text = "Welcome to the talk. Today, as promised, we look at three things; then we rest."
    pieces = fit(text, at_most(45))
    assert pieces == ["Welcome to the talk.", "Today, as promised, we look at three things;", "then we rest."]
    assert all(len(p) <= 45 for p in pieces) and words(" ".join(pieces)) == words(text)


def test_no_punctuation_at_all_is_cut_between_words() -> None:
    """Transcribe and pocketsphinx may give none: a long unpunctuated transcript still fits, word by word."""
    text = " ".join(f"word{n}" for n in range(2000))
    pieces = fit(text, at_most(3000))
    assert all(len(p) <= 3000 for p in pieces) and words(" ".join(pieces)) == words(text)
    for piece, after in zip(pieces, pieces[1:], strict=False):  # each piece as full as the next word allows
        assert len(f"{piece} {words(after)[0]}") > 3000
    assert not any(p.startswith(" ") or p.endswith(" ") for p in pieces)


def test_bytes_not_characters_for_translate() -> None:
    text = "é" * 6000 + " fin"  # 12,004 bytes in UTF-8, one word of 6,000 characters
    pieces = fit(text, at_most(10_000, lambda t: len(t.encode())))
    assert pieces == ["é" * 5000, "é" * 1000, "fin"]


def test_text_without_spaces_is_cut_at_its_clauses_then_characters() -> None:
    text = "他并不是一个心地不好的年轻人，除非相当冷漠和相当自私就算是心地不好。他甚至自己也可能变得和蔼可亲。"
    pieces = fit(text, at_most(16), "zh")
    assert all(len(p) <= 16 for p in pieces)
    assert joiner("zh-CN").join(pieces) == text
    assert pieces[0] == "他并不是一个心地不好的年轻人，"  # a clause that fits is kept whole


def test_the_widest_boundary_wins_even_deep_inside() -> None:
    clause = "and " + " ".join(["on"] * 30)  # a clause too long alone: only it is cut at words
    text = f"First, {clause}, last."
    pieces = fit(text, at_most(40))
    assert pieces[0] == "First,"
    assert pieces[-1].endswith("last.") and all(len(p) <= 40 for p in pieces)
    assert re.sub(r"\s+", " ", " ".join(pieces)) == text
