"""Speech-to-text that falls behind a live speaker is measured from the speech, shown, warned of and acted on
(runner.runtime.transcript_lag). A busy machine is simulated by the fake engine's realtime_factor (seconds it
takes per second of audio), not by load: the result does not depend on what else the machine runs."""

from __future__ import annotations

import numpy as np
import soundfile
from rich.console import Console

from runner.cli.display import live_table, summary
from runner.events import HealthEvent, NoticeEvent, SpokenEvent, TranscriptEvent
from runner.runtime.transcript_lag import SpeakerClock
from tests.support.sessions import run_session
from tests.support.sources import SyntheticSpeaker


def config(tmp_path, stt: str, runtime: str = "", realtime: bool = True) -> object:
    wav = tmp_path / "talk.wav"
    speaker = SyntheticSpeaker(3, burst=1.0, pause=1.0)
    soundfile.write(str(wav), np.concatenate([speaker._utterance(i) for i in range(3)]), 16000)
    path = tmp_path / "p.yaml"
    path.write_text(f"""\
version: 1
language: en-US
source: {{type: file, path: talk.wav, realtime: {str(realtime).lower()}}}
speech_to_text: {{provider: fake, {stt}}}
translation: {{provider: fake}}
text_to_speech: {{provider: fake, seconds_per_character: 0.01}}
runtime: {{health_interval: 0.5, {runtime}}}
targets: [{{language: es, sinks: [{{type: wav, path: es.wav}}]}}]
""")
    return path


def rendered(renderable) -> str:
    console = Console(width=200, record=True, file=None, force_terminal=False)
    with console.capture() as captured:
        console.print(renderable)
    return captured.get()


def notices(run, code):
    return [e for e in run.events if isinstance(e, NoticeEvent) and e.code == code]


def test_a_slow_engine_is_measured_behind_the_speaker_warned_of_and_sheds_load(tmp_path):
    # Hearing takes twice as long as the speech: 8 s of live speech would come out ~8 s late. Past 1 s behind
    # the engine is told, switches to its lighter setting (a tenth of real time) and catches up.
    path = config(tmp_path, "realtime_factor: 2.0, lighter_factor: 0.1", "max_transcript_lag: 1.0")
    run = run_session(path, tmp_path / "out", source=SyntheticSpeaker(4, burst=1.0, pause=1.0, speed=1.0))
    assert len(run.finals()) == 4 and run.status.ok
    warned, caught_up = notices(run, "transcript-lag"), notices(run, "transcript-caught-up")
    assert len(warned) == 1 and warned[0].level == "warning", warned
    assert "behind the speaker (max_transcript_lag 1s); shedding load: lighter" in warned[0].message
    assert caught_up and caught_up[0].at > warned[0].at, notices
    lags = run.status.transcript_lags
    assert len(lags) == 4 and lags[-1] < 0.5 * 1.0, lags  # it caught up (it fell behind while hearing the first)
    assert min(lags) >= 0.3 - 0.05  # the fake's 0.3 s of silence that ends an utterance: from the speech
    # The health events and the status say it as it happens; the summary says it at the end.
    health = [e.speech_to_text for e in run.events if isinstance(e, HealthEvent)]
    assert any("lag" in h for h in health) and health[-1]["lag"] < 1.0
    assert "speech-to-text lag p50/max" in rendered(summary(run.status))
    assert "behind" in rendered(live_table(run.status, run.status.elapsed))


def test_first_audio_latency_counts_from_the_speaker_not_from_the_final(tmp_path):
    path = config(tmp_path, "realtime_factor: 1.6", "max_transcript_lag: 30")
    run = run_session(path, tmp_path / "out", source=SyntheticSpeaker(3, burst=1.0, pause=1.0, speed=1.0))
    finals = {e.utterance_id: e.at for e in run.events if isinstance(e, TranscriptEvent) and e.final}
    spoken = run.of(SpokenEvent, "es")
    assert len(spoken) == 3
    for event, lag, latency in zip(spoken, run.status.transcript_lags, run.status.targets["es"].first_audio_latencies,
                                   strict=True):
        from_final = event.first_audio_at - finals[event.utterance.id]
        assert abs(latency - (lag + from_final)) < 0.05, (latency, lag, from_final)
        assert abs(event.record()["speech_latency"] - latency) < 1e-3  # and so in the event log
    # To the listener: the translation begins to be heard once it is written and what was before it has played.
    target = run.status.targets["es"]
    assert len(target.heard_latencies) == 3
    assert all(h >= f - 1e-9 for h, f in zip(target.heard_latencies, target.first_audio_latencies, strict=True))
    assert "heard p50/max" in rendered(summary(run.status))
    assert run.status.transcript_lags[-1] > run.status.transcript_lags[0] + 0.5  # falling further behind
    health = [e.speech_to_text for e in run.events if isinstance(e, HealthEvent)]
    assert health[-1]["lag"] > 1.0 and health[-1]["max_final_lag"] == round(max(run.status.transcript_lags), 3)
    assert not notices(run, "transcript-lag")  # within its bound: no warning


def test_a_recording_read_fast_has_no_speaker_clock(tmp_path):
    path = config(tmp_path, "realtime_factor: 2.0", "max_transcript_lag: 0.5", realtime=False)
    run = run_session(path, tmp_path / "out")
    assert run.finals() and run.status.stt_behind is None and not run.status.transcript_lags
    assert not notices(run, "transcript-lag")


def test_the_speaker_clock_places_audio_at_its_arrival():
    clock = SpeakerClock()
    for i in range(1, 6):
        clock.delivered(i * 0.1, 10 + i * 0.1 + (2.0 if i >= 4 else 0.0))  # frames 4 and 5 came 2 s late
    assert abs(clock.said_at(0.25) - 10.25) < 1e-9  # within frame 3, which arrived at 10.3
    assert abs(clock.said_at(0.4) - 12.4) < 1e-9
    clock.forget(0.35)
    assert abs(clock.said_at(0.4) - 12.4) < 1e-9 and clock.said_at(9.0) == clock.latest
