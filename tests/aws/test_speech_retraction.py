"""A sentence whose synthesis fails part-way is spoken again from its start, and its fragment is taken out of
the files: the retried sentence is heard once. Encoded audio (mp3) is timed in the summary too, by decoding
it: Polly's VBR mp3 has no length to read."""

from __future__ import annotations

import soundfile

from polyglot_emulator import Fault
from runner.events import AudioRetractedEvent, NoticeEvent
from tests.support.recordings import tone_bursts
from tests.support.sessions import run_session

CONFIG = """\
version: 1
language: en-US
source: {{type: file, path: {rec}, realtime: false}}
speech_to_text: {{provider: fake, script: ["the first sentence is rather long. and a second one follows it"]}}
translation: {{provider: fake, prefix: ''}}
text_to_speech: {{provider: polly, mode: synthesize}}
runtime: {{retry: {{attempts: 3, initial_backoff: 0.01, max_backoff: 0.02}}}}
targets:
  - {{language: en-GB, voice: Amy, engine: neural, sinks: [{{type: wav, path: {name}.wav}}, {{type: audio_file,
      path: {name}.raw}}]}}
  - {{language: de-DE, voice: Vicki, engine: neural, format: mp3, sinks: [{{type: audio_file, path: {name}.mp3}}]}}
"""


def test_a_sentence_cut_mid_audio_is_in_the_files_once(emulator, tmp_path, write_config):
    rec = tone_bursts(tmp_path / "in.wav", [0.5], gap=0.5)
    clean = run_session(write_config(CONFIG.format(rec=rec, name="clean"), "clean.yaml"), tmp_path)
    assert clean.status.ok
    emulator.knobs.inject("polly.synthesize", Fault("drop", after=10, match={"voice": "Amy"}))  # part-way

    run = run_session(write_config(CONFIG.format(rec=rec, name="cut"), "cut.yaml"), tmp_path)

    assert run.status.ok and run.spoken("en-GB") == ["u0001"]
    assert [e.code for e in run.of(NoticeEvent, "en-GB")] == ["retry"]
    assert len(run.of(AudioRetractedEvent, "en-GB")) == 1
    # espeak-ng varies by a few samples from one synthesis to the next; the fragment is over 0.2 s
    clean_seconds = soundfile.info(str(tmp_path / "clean.wav")).duration
    assert abs(soundfile.info(str(tmp_path / "cut.wav")).duration - clean_seconds) < 0.02
    assert abs(len((tmp_path / "cut.raw").read_bytes()) / 32000 - clean_seconds) < 0.02
    spoken = run.status.targets["en-GB"]
    assert abs(spoken.audio_seconds - soundfile.info(str(tmp_path / "cut.wav")).duration) < 0.01


def test_mp3_speech_is_timed(emulator, tmp_path, write_config):
    rec = tone_bursts(tmp_path / "in.wav", [0.5], gap=0.5)
    run = run_session(write_config(CONFIG.format(rec=rec, name="out")), tmp_path)
    decoded = decoded_seconds(tmp_path / "out.mp3")
    assert decoded > 1.0
    assert abs(run.status.targets["de-DE"].audio_seconds - decoded) < 0.1


def test_mp3_on_a_stream_is_timed_by_decoding(emulator, tmp_path, write_config):
    rec = tone_bursts(tmp_path / "in.wav", [0.5], gap=0.5)
    config = CONFIG.format(rec=rec, name="stream").replace("engine: neural, format: mp3",
                                                            "engine: generative, format: mp3, sample_rate: 24000")
    run = run_session(write_config(config.replace("mode: synthesize", "mode: auto")), tmp_path)
    assert abs(run.status.targets["de-DE"].audio_seconds - decoded_seconds(tmp_path / "stream.mp3")) < 0.1


def decoded_seconds(path) -> float:
    """By FFmpeg, frame by frame: libsndfile takes an mp3 without a Xing header for eight times its length."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        return sum(frame.samples for frame in container.decode(stream)) / stream.rate
