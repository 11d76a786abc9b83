"""Polly's other ways: synthesis tasks to S3 (polled through their states), SynthesizeSpeech formats, SSML."""

from __future__ import annotations

import pytest
import soundfile

from polyglot_emulator import Fault
from runner.events import NoticeEvent, SpokenEvent
from tests.support.recordings import tone_bursts
from tests.support.sessions import run_session


def pipeline(rec, target, tts="{provider: polly}", script="[one, two]"):
    return f"""\
version: 1
language: en-US
source: {{type: file, path: {rec}, realtime: false}}
speech_to_text: {{provider: fake, script: {script}}}
translation: {{provider: fake, prefix: ''}}
text_to_speech: {tts}
targets:
{target}"""


TASK = "{provider: polly, mode: task, task: {bucket: polly-out, prefix: talks/, poll_interval: 0.05}}"


def test_synthesis_task_goes_scheduled_in_progress_completed(emulator, tmp_path, write_config):
    emulator.knobs.task_steps = 2
    rec = tone_bursts(tmp_path / "in.wav", [0.3, 0.3], gap=0.7)
    target = "  - {language: en-US, voice: Danielle, engine: long-form, format: mp3, " \
             "sinks: [{type: audio_file, path: en.mp3}]}\n"
    run = run_session(write_config(pipeline(rec, target, TASK)), tmp_path)
    assert run.spoken("en-US") == ["u0001", "u0002"] and run.status.ok
    state = emulator.state
    [first, _] = state.calls("polly.task")
    assert first["OutputS3BucketName"] == "polly-out" and first["OutputS3KeyPrefix"] == "talks/"
    statuses = [c["status"] for c in state.calls("polly.get_task")]
    assert statuses[:5] == ["scheduled", "scheduled", "inProgress", "inProgress", "completed"]
    notices = [e.message for e in run.of(NoticeEvent, "en-US") if e.code == "synthesis-task"]
    assert any(m.endswith(": inProgress") for m in notices) and any(m.endswith(": completed") for m in notices)
    assert len(state.calls("s3.get")) == 2
    audio, rate = soundfile.read(str(tmp_path / "en.mp3"))
    assert rate == 22050 or rate == 24000
    assert len(audio) / rate > 0.5


def test_failed_task_reports_its_reason(emulator, tmp_path, write_config):
    emulator.knobs.task_steps = 1
    emulator.knobs.inject("polly.task", Fault("exception", message="Access Denied writing to s3://polly-out"))
    rec = tone_bursts(tmp_path / "in.wav", [0.3], gap=0.7)
    target = "  - {language: en-US, voice: Danielle, engine: long-form, format: mp3}\n"
    run = run_session(write_config(pipeline(rec, target, TASK)), tmp_path)
    [error] = [e.message for e in run.of(NoticeEvent, "en-US") if e.code == "engine-error"]
    assert "failed: Access Denied writing to s3://polly-out" in error
    assert run.status.targets["en-US"].failed  # a failed task is not retried


def test_synthesize_speech_formats(emulator, tmp_path, write_config):
    rec = tone_bursts(tmp_path / "in.wav", [0.3], gap=0.7)
    targets = """\
  - {language: es-ES, voice: Conchita, engine: standard, format: pcm, sample_rate: 8000,
     sinks: [{type: wav, path: es.wav}]}
  - {language: fr-FR, voice: Lea, engine: neural, format: ogg_vorbis, sample_rate: 24000,
     sinks: [{type: audio_file, path: fr.ogg}]}
  - {language: de-DE, voice: Vicki, engine: standard, format: mulaw, sample_rate: 8000,
     sinks: [{type: audio_file, path: de.ulaw}]}
"""
    run = run_session(write_config(pipeline(rec, targets, script="[good morning everybody]")), tmp_path)
    assert run.status.ok
    assert soundfile.info(str(tmp_path / "es.wav")).samplerate == 8000
    ogg = soundfile.info(str(tmp_path / "fr.ogg"))
    assert ogg.samplerate == 24000 and ogg.format == "OGG" and ogg.duration > 0.5
    ulaw = soundfile.read(str(tmp_path / "de.ulaw"), format="RAW", subtype="ULAW", samplerate=8000, channels=1)[0]
    assert len(ulaw) / 8000 > 0.5
    calls = {c["VoiceId"]: c for c in emulator.state.calls("polly.synthesize")}
    assert calls["Lea"]["OutputFormat"] == "ogg_vorbis" and calls["Lea"]["SampleRate"] == "24000"


def test_ssml_escapes_what_was_said(emulator, tmp_path, write_config):
    rec = tone_bursts(tmp_path / "in.wav", [0.3], gap=0.7)
    said = '[\'take a <break time="10s"/> & go\']'
    target = "  - {language: en-US, voice: Joanna, engine: neural}\n"
    tts = "{provider: polly, text_type: ssml}"
    run = run_session(write_config(pipeline(rec, target, tts, script=said)), tmp_path)
    assert run.status.ok
    [call] = emulator.state.calls("polly.synthesize")
    assert call["TextType"] == "ssml"
    assert call["Text"] == '<speak>take a &lt;break time="10s"/&gt; &amp; go</speak>'


def test_speech_marks_come_from_a_companion_task(emulator, tmp_path, write_config):
    emulator.knobs.task_steps = 1
    rec = tone_bursts(tmp_path / "in.wav", [0.3], gap=0.7)
    tts = ("{provider: polly, mode: task, task: {bucket: polly-out, poll_interval: 0.05, "
           "speech_mark_types: [word], sns_topic_arn: 'arn:aws:sns:us-east-1:123456789012:done'}}")
    target = "  - {language: en-US, voice: Joanna, engine: neural, format: mp3}\n"
    run = run_session(write_config(pipeline(rec, target, tts, script="[good morning]")), tmp_path)
    assert run.status.ok
    calls = emulator.state.calls("polly.task")
    assert [c["OutputFormat"] for c in calls] == ["json", "mp3"]
    notices = [e.message for e in run.of(NoticeEvent, "en-US") if "speech marks" in e.message]
    assert len(notices) == 1 and "speech marks (word) at https://s3.us-east-1.amazonaws.com/polly-out/" in notices[0]
    marks = [v for (bucket, key), (v, _) in emulator.state.objects.items() if key.endswith(".marks")]
    assert b'"value": "good"' in marks[0] and b'"value": "morning"' in marks[0]


def test_a_pause_inside_synthesize_speech_audio_loses_nothing(emulator, tmp_path, write_config):
    """Service jitter in SynthesizeSpeech's body: the audio stalls for 1 s part-way; all of it is spoken."""
    emulator.knobs.set_latency("polly.synthesize", per_chunk=0.01)
    emulator.knobs.inject("polly.synthesize", Fault("pause", after=2, seconds=1.0))
    rec = tone_bursts(tmp_path / "in.wav", [0.3], gap=0.7)
    target = "  - {language: en-US, voice: Joanna, engine: standard, sinks: [{type: wav, path: en.wav}]}\n"
    run = run_session(write_config(pipeline(rec, target, script="['good morning to everybody in the room']")),
                      tmp_path)
    assert run.spoken("en-US") == ["u0001"] and run.status.ok
    [call] = emulator.state.calls("polly.synthesize")
    [spoken] = run.of(SpokenEvent, "en-US")
    assert call["audio_bytes"] > 0 and spoken.bytes == call["audio_bytes"]


@pytest.mark.parametrize("language, voice, engine, operation, field", [
    ("hi-IN", "Aditi", "standard", "polly.synthesize", "LanguageCode"),
    ("hi-IN", "Kajal", "generative", "polly.stream", "language"),
    ("en-IN", "Aditi", "standard", "polly.synthesize", "LanguageCode"),
])
def test_a_bilingual_voice_is_told_the_targets_language(emulator, tmp_path, write_config, language, voice, engine,
                                                         operation, field):
    """Aditi and Kajal speak en-IN unless told otherwise: a hi-IN target sent no LanguageCode, so Polly read
    Hindi as Indian English."""
    rec = tone_bursts(tmp_path / "in.wav", [0.3], gap=0.7)
    target = f"  - {{language: {language}, voice: {voice}, engine: {engine}}}\n"
    run = run_session(write_config(pipeline(rec, target, script="[namaste]")), tmp_path)
    assert run.spoken(language) == ["u0001"] and run.status.ok
    calls = [c for c in emulator.state.calls(operation) if c.get("texts", True)]
    assert calls and all(c[field] == language for c in calls), calls


def test_a_voice_of_one_language_is_sent_none(emulator, tmp_path, write_config):
    rec = tone_bursts(tmp_path / "in.wav", [0.3], gap=0.7)
    run = run_session(write_config(pipeline(rec, "  - {language: es-ES, voice: Conchita}\n", script="[hola]")),
                      tmp_path)
    assert run.spoken("es-ES") == ["u0001"]
    [call] = emulator.state.calls("polly.synthesize")
    assert call["LanguageCode"] is None


@pytest.mark.parametrize("fault", [Fault("http", message="poll failed"), Fault("pause", seconds=2.5)],
                         ids=["GetSpeechSynthesisTask fails", "GetSpeechSynthesisTask times out"])
def test_a_failed_task_poll_keeps_polling_the_same_task(emulator, tmp_path, write_config, fault):
    """A transient fault of GetSpeechSynthesisTask (an error, or no answer within `timeout`) started a second
    task for the sentence: billed twice, an orphan object in S3. The retry polls the task it started."""
    emulator.knobs.task_steps = 1
    emulator.knobs.inject("polly.get_task", fault)
    rec = tone_bursts(tmp_path / "in.wav", [0.3, 0.3], gap=0.7)
    target = "  - {language: en-US, voice: Danielle, engine: long-form, format: mp3, " \
             "sinks: [{type: audio_file, path: en.mp3}]}\n"
    tts = "{provider: polly, mode: task, timeout: 1, task: {bucket: polly-out, poll_interval: 0.05}}"
    run = run_session(write_config(pipeline(rec, target, tts)), tmp_path)
    assert run.spoken("en-US") == ["u0001", "u0002"] and run.status.ok
    [retry] = [e.message for e in run.of(NoticeEvent, "en-US") if e.code == "retry"]
    assert ("poll failed" if fault.kind == "http" else "no answer in 1s") in retry
    started = emulator.state.calls("polly.task")
    assert [c["Text"] for c in started] == ["one", "two"]  # one task per sentence
    assert len(emulator.state.calls("s3.get")) == 2
    assert run.status.targets["en-US"].metrics["request_characters"] == len("one") + len("two")


def test_each_target_has_its_own_prosody_and_style(emulator, tmp_path, write_config):
    """The sample's "next steps": per-target SSML prosody, and the newscaster style where the voice has it."""
    rec = tone_bursts(tmp_path / "in.wav", [0.3], gap=0.7)
    targets = ("  - {language: es-ES, voice: Lucia, text_to_speech: {prosody: {rate: 90, volume: '+6dB'}}}\n"
               "  - {language: es-US, voice: Lupe, engine: neural, text_to_speech: {style: newscaster}}\n"
               "  - {language: fr-FR, voice: Celine, text_to_speech: {prosody: {pitch: '-10%'}}}\n"
               "  - {language: de-DE, voice: Vicki}\n")
    run = run_session(write_config(pipeline(rec, targets, script="['a < b & c']")), tmp_path)
    assert all(run.spoken(lang) == ["u0001"] for lang in ("es-ES", "es-US", "fr-FR", "de-DE")) and run.status.ok
    sent = {c["VoiceId"]: (c["Text"], c["TextType"]) for c in emulator.state.calls("polly.synthesize")}
    assert sent == {
        "Lucia": ('<speak><prosody rate="90%" volume="+6dB">a &lt; b &amp; c</prosody></speak>', "ssml"),
        "Lupe": ('<speak><amazon:domain name="news">a &lt; b &amp; c</amazon:domain></speak>', "ssml"),
        "Celine": ('<speak><prosody pitch="-10%">a &lt; b &amp; c</prosody></speak>', "ssml"),
        "Vicki": ("a < b & c", "text"),  # none: plain text, as before
    }
    spoken = {c["VoiceId"]: c["spoken"] for c in emulator.state.calls("polly.synthesize")}
    assert set(spoken.values()) == {"a < b & c"}  # the markup is not read out


def test_prosody_and_style_the_voice_cannot_do_are_located_errors(tmp_path, write_config):
    from tests.support.cli import polyglot

    rec = tone_bursts(tmp_path / "in.wav", [0.3], gap=0.7)
    targets = ("  - {language: es-ES, voice: Lucia, engine: neural, text_to_speech: {prosody: {pitch: high}}}\n"
               "  - {language: fr-FR, voice: Lea, engine: neural, text_to_speech: {style: newscaster}}\n")

    def errors(targets):
        result = polyglot("validate", write_config(pipeline(rec, targets)))
        assert result.returncode == 78, result.stdout
        return [line.split(": ", 1)[1] for line in result.stdout.splitlines() if "error[" in line]

    assert errors(targets) == [
        "error[ssml] /targets/0/text_to_speech/prosody/pitch: Polly's neural voices do not support prosody pitch "
        "(standard voices only): remove it, or use the standard engine",
        "error[ssml] /targets/1/text_to_speech/style: Polly's newscaster style needs the neural engine and one of "
        "the voices Joanna, Lupe, Matthew, not Lea (neural)"]
    rate, volume = errors("  - {language: de-DE, voice: Vicki, text_to_speech: {prosody: {rate: 500, "
                          "volume: loudest}}}\n")
    assert rate == "error[maximum] /targets/0/text_to_speech/prosody/rate: 500 is greater than the maximum of 200"
    assert volume.startswith("error[pattern] /targets/0/text_to_speech/prosody/volume: 'loudest' does not match")
