"""Each Polly stream exception event and each Transcribe error ends as a clear error on its target (or on
speech-to-text), while the other targets go on."""

from __future__ import annotations

import pytest
import soundfile

from polyglot_emulator import Fault
from runner.events import NoticeEvent
from tests.support.recordings import tone_bursts
from tests.support.sessions import run_session


def polly_pipeline(rec, extra_targets="", tts="{provider: polly}"):
    return f"""\
version: 1
language: en-US
source: {{type: file, path: {rec}, realtime: false}}
speech_to_text: {{provider: fake, script: [one, two, three]}}
translation: {{provider: fake, prefix: ''}}
text_to_speech: {tts}
targets:
  - {{language: es-ES, voice: Lucia, engine: generative, sinks: [{{type: wav, path: es.wav}}]}}
  - {{language: fr-FR, voice: Lea, engine: generative}}
{extra_targets}"""


def errors(run, scope):
    return [e.message for e in run.of(NoticeEvent, scope) if e.level == "error"]


def retries(run, scope):
    return [e.message for e in run.of(NoticeEvent, scope) if e.code == "retry"]


STREAM_FAULTS = [  # (fault, message, what it costs: the target, the utterance, or nothing: retried)
    (Fault("exception", "ValidationException", message="bad text", fields={
        "reason": "fieldValidationFailed", "fields": [{"name": "Text", "message": "too long"}]}),
     "Polly rejected the request (fieldValidationFailed): bad text [Text: too long]", "utterance"),
    (Fault("exception", "ValidationException", message="bad event", fields={"reason": "invalidInboundEvent"}),
     "Polly rejected the request (invalidInboundEvent): bad event", "utterance"),
    (Fault("exception", "ValidationException", message="no such lexicon", fields={
        "reason": "fieldValidationFailed", "fields": [{"name": "LexiconNames", "message": "not found"}]}),
     "Polly rejected the request (fieldValidationFailed): no such lexicon [LexiconNames: not found]", "target"),
    (Fault("exception", "ServiceQuotaExceededException", message="idle", fields={
        "quotaCode": "input-stream-inbound-event-timeout", "serviceCode": "polly"}),
     "Polly quota exceeded (input-stream-inbound-event-timeout): idle", None),
    (Fault("exception", "ServiceQuotaExceededException", message="too long", fields={
        "quotaCode": "input-stream-timeout", "serviceCode": "polly"}),
     "Polly quota exceeded (input-stream-timeout): too long", None),
    (Fault("exception", "ServiceFailureException", message="internal"), "Polly failed: internal", None),
    (Fault("throttle", message="slow down"),
     "Polly throttled the stream (RequestRateExceeded): slow down", None),
    (Fault("drop", after=1), "connection lost", None),
]


@pytest.mark.parametrize("fault,expected,costs", STREAM_FAULTS, ids=[f[1][:60] for f in STREAM_FAULTS])
def test_polly_stream_exception_events(emulator, tmp_path, write_config, fault, expected, costs):
    if fault.kind != "drop":
        fault.after = 1  # mid-utterance: after the first audio event
    fault.match = {"voice": "Lucia"}
    emulator.knobs.inject("polly.stream", fault)
    rec = tone_bursts(tmp_path / "in.wav", [0.3] * 3, gap=0.7)
    run = run_session(write_config(polly_pipeline(rec)), tmp_path)
    assert run.spoken("fr-FR") == ["u0001", "u0002", "u0003"]  # the other target is untouched
    es = run.status.targets["es-ES"]
    if costs == "target":  # reported once, not retried
        [error] = [m for m in errors(run, "es-ES") if "stopped after" not in m]
        assert expected in error, error
        assert es.failed and run.spoken("es-ES") == [] and not retries(run, "es-ES")
    elif costs == "utterance":  # reported with its id, not retried; the next utterances are spoken
        [error] = errors(run, "es-ES")
        assert expected in error and "u0001 not spoken" in error, error
        assert es.failed is None and run.spoken("es-ES") == ["u0002", "u0003"] and not retries(run, "es-ES")
    else:  # a new stream is opened and the sentence spoken again: nothing is lost
        [retry] = retries(run, "es-ES")
        assert expected in retry and "retry 1 of 3" in retry, retry
        assert es.failed is None and es.errors == 0 and run.spoken("es-ES") == ["u0001", "u0002", "u0003"]
        lucia = [c for c in emulator.state.calls("polly.stream") if c["voice"] == "Lucia"]
        assert es.metrics["streams_opened"] == len(lucia)
        # a stream per sentence, the cut one spoken again on a new one
        assert [c["texts"] for c in lucia if c["texts"]] == [["one"], ["one"], ["two"], ["three"]]


def test_stream_rejected_before_it_starts(emulator, tmp_path, write_config):
    emulator.knobs.inject("polly.stream", Fault("http", "ValidationException",
                                                message="voice not available", match={"voice": "Lucia"},
                                                fields={"reason": "other"}, repeat=True))
    rec = tone_bursts(tmp_path / "in.wav", [0.3] * 2, gap=0.7)
    run = run_session(write_config(polly_pipeline(rec)), tmp_path)
    assert "voice not available" in errors(run, "es-ES")[0]
    assert run.status.targets["es-ES"].failed  # a validation error is permanent
    assert run.spoken("fr-FR") == ["u0001", "u0002"]


def test_stream_refused_for_quota_at_open_is_retried(emulator, tmp_path, write_config):
    """ServiceQuotaExceededException (HTTP 402 in Polly's model) before the stream starts: transient."""
    emulator.knobs.inject("polly.stream", Fault("http", "ServiceQuotaExceededException", message="too many streams",
                                                match={"voice": "Lucia"},
                                                fields={"quotaCode": "input-stream-timeout", "serviceCode": "polly"}))
    rec = tone_bursts(tmp_path / "in.wav", [0.3] * 2, gap=0.7)
    run = run_session(write_config(polly_pipeline(rec)), tmp_path)
    [error] = [e for e in emulator.state.calls("error") if e["call"] == "polly.stream"]
    assert (error["type"], error["status"]) == ("ServiceQuotaExceededException", 402)
    [retry] = retries(run, "es-ES")
    assert "Polly quota exceeded (input-stream-timeout): too many streams" in retry, retry
    assert run.spoken("es-ES") == ["u0001", "u0002"] and run.status.targets["es-ES"].failed is None


def transcribe_pipeline(rec):
    return f"""\
version: 1
language: en-US
source: {{type: file, path: {rec}, realtime: false}}
speech_to_text: {{provider: transcribe}}
translation: {{provider: fake}}
text_to_speech: {{provider: fake}}
targets:
  - {{language: es}}
"""


TRANSCRIBE_FAULTS = [  # (fault, message, transient: reconnected and nothing lost)
    (Fault("http", "BadRequestException", message="bad sample rate"),
     "Amazon Transcribe: BadRequestException: bad sample rate", False),
    (Fault("http", "LimitExceededException", message="too many streams"),
     "Amazon Transcribe: LimitExceededException: too many streams", True),
    (Fault("exception", "InternalFailureException", message="oops", after=1),
     "Amazon Transcribe: InternalFailureException: oops", True),
    (Fault("exception", "ServiceUnavailableException", message="down", after=1),
     "Amazon Transcribe: ServiceUnavailableException: down", True),
    (Fault("exception", "ConflictException", message="session in use", after=1),
     "Amazon Transcribe: ConflictException: session in use", True),
    (Fault("throttle", message="slow", after=1), "Amazon Transcribe: LimitExceededException: slow", True),
    (Fault("drop", after=1), "Amazon Transcribe: connection lost (AWS_ERROR_HTTP_CONNECTION_CLOSED", True),
]


@pytest.mark.parametrize("fault,expected,transient", TRANSCRIBE_FAULTS,
                         ids=[f[1][19:50] for f in TRANSCRIBE_FAULTS])
def test_transcribe_errors_are_clear(emulator, tmp_path, write_config, fault, expected, transient):
    emulator.knobs.transcribe_script = ["one", "two", "three"]
    emulator.knobs.inject("transcribe.stream", fault)
    rec = tone_bursts(tmp_path / "in.wav", [0.5] * 3, gap=0.8)
    run = run_session(write_config(transcribe_pipeline(rec)), tmp_path)
    if transient:  # reconnected, the cut utterance replayed: each one heard once
        [notice] = [e.message for e in run.of(NoticeEvent, "source") if e.code == "reconnect"]
        assert expected in notice and "reconnecting in" in notice, notice
        assert [f.text for f in run.finals()] == ["one", "two", "three"]
        assert run.spoken("es") == ["u0001", "u0002", "u0003"] and run.status.ok
    else:
        assert run.status.source_errors and expected in run.status.source_errors[0], run.status.source_errors
        assert "\n" not in run.status.source_errors[0] and not run.status.ok


def test_transcribe_happy_path_in_process(emulator, tmp_path, write_config):
    emulator.knobs.transcribe_script = ["one", "two", "three"]
    rec = tone_bursts(tmp_path / "in.wav", [0.5] * 3, gap=0.8)
    run = run_session(write_config(transcribe_pipeline(rec)), tmp_path)
    assert [f.text for f in run.finals()] == ["one", "two", "three"]
    assert run.spoken("es") == ["u0001", "u0002", "u0003"] and run.status.ok


def test_transcribe_channel_identification_sends_two_channels(emulator, tmp_path, write_config):
    emulator.knobs.transcribe_script = ["one", "two"]
    rec = tone_bursts(tmp_path / "in.wav", [0.5] * 2, gap=0.8, channels=2)
    config = transcribe_pipeline(rec).replace("speech_to_text: {provider: transcribe}",
                                              "speech_to_text: {provider: transcribe, channel_identification: "
                                              "true, number_of_channels: 2, sample_rate: 8000}")
    run = run_session(write_config(config), tmp_path)
    assert [f.text for f in run.finals()] == ["one", "two"]
    [call] = emulator.state.calls("transcribe.stream")
    assert call["channels"] == "2" and call["sample_rate"] == "8000"
    seconds = soundfile.info(str(rec)).duration
    assert abs(call["audio_bytes"] - seconds * 8000 * 2 * 2) < 8000 * 2 * 2 * 0.1
