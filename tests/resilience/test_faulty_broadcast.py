"""A multi-utterance broadcast to four Polly voices while the emulator misbehaves in every way it knows:
Transcribe drops the connection mid-utterance and forces stream rotations, each Polly quota code, a service
failure, throttling bursts on Polly and Translate, and a 20 s silence. Every final transcript must be
translated and spoken exactly once per target, in order, and each fault must show in the event log."""

from __future__ import annotations

import json

import srt

from polyglot_emulator import Fault
from tests.support.sessions import run_session

SCRIPT = [f"sentence number {n}" for n in range(1, 9)]
BURST, GAP, LEAD, SILENCE_AFTER = 0.5, 1.0, 0.3, 3  # the 20 s silence comes after the 4th utterance


def recording(path):
    import numpy as np
    import soundfile

    rate = 16000
    parts = [np.zeros(int(LEAD * rate))]
    starts = []
    t = LEAD
    for i in range(len(SCRIPT)):
        starts.append(t)
        tone = 0.4 * np.sin(2 * np.pi * (300 + 20 * i) * np.arange(int(BURST * rate)) / rate)
        gap = GAP + (20.0 if i == SILENCE_AFTER else 0.0)
        parts += [tone, np.zeros(int(gap * rate))]
        t += BURST + gap
    soundfile.write(str(path), np.concatenate(parts).astype(np.float32), rate, subtype="PCM_16")
    return starts


CONFIG = """\
version: 1
language: en-US
source: {{type: file, path: {rec}, realtime: false}}
speech_to_text: {{provider: transcribe}}
translation: {{provider: translate}}
text_to_speech: {{provider: polly}}
runtime: {{retry: {{attempts: 5, initial_backoff: 0.05, max_backoff: 0.5}}, health_interval: 0.2}}
event_log: events.jsonl
targets:
  - {{language: es-ES, voice: Lucia, engine: generative, sinks: [{{type: srt, path: es.srt}}]}}
  - {{language: fr-FR, voice: Lea, engine: generative}}
  - {{language: de-DE, voice: Vicki, engine: generative}}
  - {{language: it-IT, voice: Bianca, engine: generative}}
"""


def quota(code):
    return Fault("exception", "ServiceQuotaExceededException", message=f"quota {code}", after=1,
                 fields={"quotaCode": code, "serviceCode": "polly"})


def test_every_utterance_once_per_target_through_every_fault(emulator, tmp_path, write_config):
    starts = recording(tmp_path / "in.wav")
    knobs = emulator.knobs
    knobs.transcribe_script = SCRIPT
    knobs.transcribe_max_stream_seconds = 20.0  # forced rotations: the service ends long streams
    knobs.inject("transcribe.stream", Fault("drop", after=3))  # mid-utterance 2
    knobs.inject("polly.stream", _matched(quota("input-stream-inbound-event-timeout"), "Lucia"))
    knobs.inject("polly.stream", _matched(quota("input-stream-timeout"), "Lea"))
    knobs.inject("polly.stream", _matched(Fault("exception", "ServiceFailureException", message="boom", after=1),
                                          "Vicki"))
    for _ in range(2):
        knobs.inject("polly.stream", _matched(Fault("throttle", message="burst", after=1), "Bianca"))
    for _ in range(3):
        knobs.inject("translate", Fault("throttle", message="translate burst", match={"target": "fr"}))

    run = run_session(write_config(CONFIG.format(rec=tmp_path / "in.wav")), tmp_path)

    finals = run.finals()
    assert [f.text for f in finals] == SCRIPT  # each once, in order
    ids = [f.utterance_id for f in finals]
    assert ids == [f"u{n:04d}" for n in range(1, 9)]
    for final, start in zip(finals, starts, strict=True):  # times survive reconnects and rotations
        assert abs(final.start - start) < 0.1, (final, start)
    for language in ("es-ES", "fr-FR", "de-DE", "it-IT"):
        assert run.spoken(language) == ids, language
        assert len(run.translations(language)) == 8
    assert run.status.ok, (run.status.source_errors, {t: s.last_error for t, s in run.status.targets.items()})

    cues = list(srt.parse((tmp_path / "es.srt").read_text()))
    assert len(cues) == 8 and all(abs(c.start.total_seconds() - s) < 0.1 for c, s in zip(cues, starts, strict=False))

    events = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]
    notices = [e for e in events if e["event"] == "notice"]
    reconnects = [e["message"] for e in notices if e["code"] == "reconnect"]
    assert any("connection lost" in m for m in reconnects)
    assert any("LimitExceededException" in m for m in reconnects)  # the forced rotation
    retries = {(e["scope"], e["message"].split(" failed (")[1].split(")")[0]) for e in notices if e["code"] == "retry"}
    messages = " | ".join(m for _, m in retries)
    for expected in ("input-stream-inbound-event-timeout", "input-stream-timeout", "Polly failed: boom",
                     "Polly throttled the stream", "TooManyRequestsException: translate burst"):
        assert expected in messages, expected
    # the first, after the drop, after the 20 s limit (32 s of audio, answered as it is sent: no read-ahead)
    assert len(emulator.state.calls("transcribe.stream")) >= 3
    health = [e for e in events if e["event"] == "health"]
    assert health, "health events every 0.2 s"
    last = health[-1]
    assert last["speech_to_text"]["reconnects"] >= 2
    assert last["targets"]["it-IT"]["retries"] >= 2 and last["targets"]["fr-FR"]["retries"] >= 3
    assert all({"queued", "lag", "spoken", "failed"} <= set(t) for t in last["targets"].values())


def _matched(fault: Fault, voice: str) -> Fault:
    fault.match = {"voice": voice}
    return fault
