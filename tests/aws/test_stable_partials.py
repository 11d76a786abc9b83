"""Partial results stabilization as Transcribe streaming does it, on the real SDK path: the emulator's partials
grow word by word, each item says whether it is Stable, punctuation comes as items of its own; polyglot reads how
many leading words are stable."""

from __future__ import annotations

from types import SimpleNamespace

from runner.engines.aws.transcribe import stable_words
from runner.testing.recordings import tone_bursts
from tests.aws.test_transcribe_identification import pcm_of, results

LINE = "when we arrived, the door was open."


def test_partials_carry_stable_items_that_the_final_keeps(emulator, tmp_path):
    emulator.knobs.transcribe_script = [LINE]
    emulator.knobs.transcribe_words_per_second = 4.0
    pcm, channels = pcm_of(tone_bursts(tmp_path / "in.wav", [2.0]))
    found = results(pcm, channels, language_code="en-US", enable_partial_results_stabilization=True,
                    partial_results_stability="high")
    partials = [r for r in found if r.is_partial]
    final = [r for r in found if not r.is_partial]
    assert [r.alternatives[0].transcript for r in final] == [LINE]
    texts = [r.alternatives[0].transcript for r in partials]
    assert len(set(texts)) >= 5 and LINE.startswith(texts[0])  # word by word, not one "…"
    final_items = final[0].alternatives[0].items
    assert [(i.content, i.type) for i in final_items][2:4] == [("arrived", "pronunciation"), (",", "punctuation")]
    assert all(i.stable for i in final_items)
    for r in partials:
        items = r.alternatives[0].items
        flags = [i.stable for i in items]
        assert None not in flags and flags == sorted(flags, reverse=True)  # a stable prefix, then the rest
        stable = [i.content for i in items if i.stable]
        assert [i.content for i in final_items][:len(stable)] == stable  # what was stable stays
    assert any(stable_words(r.alternatives[0].items) for r in partials)


def test_without_stabilization_items_have_no_flags(emulator, tmp_path):
    emulator.knobs.transcribe_script = [LINE]
    emulator.knobs.transcribe_words_per_second = 4.0
    pcm, channels = pcm_of(tone_bursts(tmp_path / "in.wav", [2.0]))
    found = results(pcm, channels, language_code="en-US")
    assert all(stable_words(r.alternatives[0].items) is None for r in found)


def item(content: str, stable: bool, kind: str = "pronunciation") -> SimpleNamespace:
    return SimpleNamespace(content=content, stable=stable, type=kind)


def test_a_word_whose_punctuation_may_change_is_not_stable() -> None:
    assert stable_words([item("we", True), item("arrived", True), item(",", False, "punctuation"),
                         item("the", False)]) == 1
    assert stable_words([item("we", True), item("arrived", True), item(",", True, "punctuation"),
                         item("the", False)]) == 2
    assert stable_words([item("we", True), item("arrived", True)]) == 2
    assert stable_words([]) is None
