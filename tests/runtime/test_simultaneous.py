"""mode: simultaneous end to end on the fake engines (a recording played in real time, a recognizer whose partials
reveal each line word by word, with no stability flags: the agreement path)."""

from __future__ import annotations

import numpy as np
import pytest

from runner.config.load import load
from runner.events import AudioEvent, NoticeEvent, TranscriptEvent, TranslationEvent
from tests.support.recordings import tone_bursts
from tests.support.sessions import diagnostics_of, run_session

LINES = ["when we arrived at the station, the train had already left, so we walked home",
         "it was a long walk, but the evening was warm and nobody minded"]


def config(recording: str, *, tts: str = "seconds_per_character: 0.02", extra: str = "",
           target: str = "") -> str:
    script = ", ".join(f'"{line}"' for line in LINES)
    return f"""\
version: 1
language: en-US
mode: simultaneous
source: {{type: file, path: {recording}, realtime: true}}
speech_to_text: {{provider: fake, script: [{script}], words_per_second: 4, silence: 0.5}}
translation: {{provider: fake}}
text_to_speech: {{provider: fake, {tts}}}
{extra}
targets:
  - {{language: es, sinks: [{{type: srt, path: es.srt}}]{target}}}
transcript: {{sinks: [{{type: srt, path: en.srt}}]}}
event_log: events.jsonl
"""


def test_segments_are_spoken_before_the_final_and_cover_it(tmp_path, write_config):
    recording = tone_bursts(tmp_path / "talk.wav", [3.8, 3.3], gap=1.0)
    run = run_session(write_config(config(str(recording))), tmp_path / "out")
    assert run.status.ok
    finals = {e.utterance_id: e for e in run.of(TranscriptEvent) if e.final and e.text}
    assert [f.text for f in finals.values()] == LINES  # the transcript keeps the finals
    translations = run.of(TranslationEvent, "es")
    for uid, final in finals.items():
        parts = [t for t in translations if t.utterance.id.split(".")[0] == uid]
        assert len(parts) >= 2, [t.text for t in parts]
        assert parts[0].at < final.at  # the first clause was translated while the speaker was still talking
        assert " ".join(t.text.removeprefix("[es] ") for t in parts) == final.text  # nothing twice, nothing lost
    assert run.status.targets["es"].speech_lag is not None
    assert run.status.targets["es"].spoken == len(LINES)  # utterances, not segments
    srt = (tmp_path / "out" / "en.srt").read_text().replace("\n", " ")
    assert LINES[0] in srt and LINES[1] in srt  # whole finals, not segments


def test_a_target_that_falls_behind_speeds_up_merges_and_drops_with_captions(tmp_path, write_config):
    recording = tone_bursts(tmp_path / "talk.wav", [3.8, 3.3], gap=1.0)
    slow = config(str(recording), tts="seconds_per_character: 0.2",
                  extra="simultaneous: {max_lag: 1.5, hard_lag: 3, max_rate: 1.2}")
    run = run_session(write_config(slow), tmp_path / "out")
    codes = [n.code for n in run.of(NoticeEvent, "es")]
    assert "catching-up" in codes
    dropped = [n for n in run.of(NoticeEvent, "es") if n.code == "dropped"]
    assert dropped and all(n.utterance_id and n.utterance_id.startswith("u000") for n in dropped)
    assert run.status.targets["es"].dropped == len(dropped)
    captions = (tmp_path / "out" / "es.srt").read_text()
    for notice in dropped:  # what was not spoken is still captioned
        segment = next(t for t in run.of(TranslationEvent, "es") if notice.utterance_id in t.utterance.id.split("+"))
        assert segment.text.splitlines()[0][:20] in captions.replace("\n", " ")


def test_the_plan_checks_the_lag_bounds(tmp_path, write_config):
    recording = tone_bursts(tmp_path / "talk.wav", [1.0])
    path = write_config(config(str(recording), extra="simultaneous: {max_lag: 5, hard_lag: 10}",
                               target=", hard_lag: 4"))
    found = [(d.path, d.severity, d.message) for d in diagnostics_of(load(path))]
    assert any(p == "/targets/0/hard_lag" and s == "error" and "more than max_lag" in m for p, s, m in found), found
    final = config(str(recording), target=", max_lag: 4").replace("mode: simultaneous", "mode: final")
    final_mode = write_config(final)
    found = [(d.path, d.severity) for d in diagnostics_of(load(final_mode))]
    assert ("/targets/0/max_lag", "warning") in found


def edge_silence(pcm: bytes, rate: int) -> tuple[float, float]:
    """Seconds of silence before the first sound and after the last."""
    loud = np.flatnonzero(np.abs(np.frombuffer(pcm, "<i2").astype(np.int32)) > 100)
    return loud[0] / rate, (len(pcm) // 2 - loud[-1] - 1) / rate


@pytest.mark.parametrize("mode", ["simultaneous", "final"])
def test_segments_follow_each_other_without_the_voices_padding(tmp_path, write_config, mode):
    recording = tone_bursts(tmp_path / "talk.wav", [3.8, 3.3], gap=1.0)
    text = config(str(recording), tts="").replace("{provider: fake, }", "{provider: espeak}")
    run = run_session(write_config(text.replace("mode: simultaneous", f"mode: {mode}")), tmp_path / "out")
    assert run.status.ok
    spoken: dict[str, bytearray] = {}
    for event in run.of(AudioEvent, "es"):
        spoken.setdefault(event.utterance.id, bytearray()).extend(event.data)
    rate = run.of(AudioEvent, "es")[0].format.sample_rate
    edges = [edge_silence(bytes(pcm), rate) for pcm in spoken.values()]
    if mode == "simultaneous":  # espeak-ng ends every request with 0.3 s of silence: cut to a clause's pause
        assert len(spoken) > len(LINES) and all(lead <= 0.021 and trail <= 0.121 for lead, trail in edges), edges
    else:  # final mode speaks what the voice gives
        assert all(trail > 0.2 for _, trail in edges), edges
