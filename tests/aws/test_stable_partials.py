"""Partial results stabilization as Transcribe streaming does it, on the real SDK path: the emulator's partials
grow word by word, each item says whether it is Stable, punctuation comes as items of its own; polyglot reads how
many leading words are stable."""

from __future__ import annotations

from types import SimpleNamespace

from runner.engines.aws.transcribe import stable_words
from runner.events import TranscriptEvent, TranslationEvent
from tests.aws.test_transcribe_identification import pcm_of, results
from tests.support.recordings import tone_bursts
from tests.support.sessions import run_session

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


def test_simultaneous_mode_speaks_stable_clauses_through_transcribe(emulator, tmp_path, write_config):
    long_line = "when we arrived at the station, the train had already left, so we walked all the way home."
    emulator.knobs.transcribe_script = [long_line]
    emulator.knobs.transcribe_words_per_second = 5.0
    recording = tone_bursts(tmp_path / "talk.wav", [3.6])
    path = write_config(f"""\
version: 1
language: en-US
mode: simultaneous
simultaneous: {{max_words: 10, min_words: 5}}  # clause by clause (the default cuts after 4 stable words)
source: {{type: file, path: {recording}, realtime: true}}
speech_to_text: {{provider: transcribe}}
translation: {{provider: fake}}
text_to_speech: {{provider: fake, seconds_per_character: 0.01}}
targets:
  - {{language: es}}
""")
    run = run_session(path, tmp_path / "out")
    assert run.status.ok
    final = next(e for e in run.of(TranscriptEvent) if e.final)
    parts = run.of(TranslationEvent, "es")
    assert [p.utterance.id for p in parts][:2] == ["u0001.1", "u0001.2"]
    assert parts[0].at < final.at and parts[0].text == "[es] when we arrived at the station,"
    assert " ".join(p.text.removeprefix("[es] ") for p in parts) == final.text == long_line
