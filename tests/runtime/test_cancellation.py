"""A run stopped at any moment leaves nothing behind: no asyncio task still pending, no thread it started still
running, no child process, no file descriptor it opened (tests.support.leaks). Both ways of stopping at once:
the task running Session.run is cancelled (an embedding application, asyncio.run's teardown), or the session's
hard stop is set (a second Ctrl-C). Here on the fake and the offline engines; tests/aws/test_cancellation.py
does the AWS ones."""

from __future__ import annotations

import pytest

from runner.engines.fake import EchoTranslator
from runner.engines.local.espeak_lib import EspeakLibrary
from runner.events import Event, TranslationEvent
from tests.conftest import THREE_UTTERANCES
from tests.support.leaks import assert_interrupted_run_leaves_nothing
from tests.support.recordings import tone_bursts
from tests.support.sessions import fake_pipeline, hearing, pipeline_for, speaking

WAYS = ["cancel", "hard-stop"]
CONFIG = """\
version: 1
language: en-US
source: {{type: file, path: {rec}, realtime: false}}
speech_to_text: {stt}
translation: {translation}
text_to_speech: {tts}
targets:
  - {{language: es, sinks: [{{type: wav, path: es.wav}}]}}
"""
SCRIPTED = "{provider: fake, script: ['he was not an ill disposed young man', 'unless to be rather cold hearted']}"


def translated(events: list[Event]) -> bool:
    return any(isinstance(e, TranslationEvent) for e in events)


@pytest.mark.parametrize("how", WAYS)
def test_stopped_while_it_starts(tmp_path, write_config, how):
    rec = tone_bursts(tmp_path / "in.wav", [0.4])
    config = write_config(fake_pipeline(rec, "  - {language: es, translation: {start_latency: 10}}\n"))
    assert_interrupted_run_leaves_nothing(pipeline_for(config, tmp_path), lambda events: not events, how)


@pytest.mark.parametrize("how", WAYS)
def test_stopped_while_a_target_speaks(tmp_path, write_config, how):
    rec = tone_bursts(tmp_path / "in.wav", [0.4] * 3)
    targets = """\
  - {language: es, text_to_speech: {chunk_delay: 0.3}, sinks: [{type: wav, path: es.wav}, {type: srt, path: es.srt}]}
  - {language: ca, sinks: [{type: wav, path: ca.wav}]}
"""
    config = write_config(fake_pipeline(rec, targets, extra="event_log: events.jsonl"))
    assert_interrupted_run_leaves_nothing(pipeline_for(config, tmp_path), speaking("es"), how)


@pytest.mark.parametrize("how", WAYS)
def test_stopped_while_a_translation_hangs(tmp_path, write_config, how):
    rec = tone_bursts(tmp_path / "in.wav", [0.4] * 3)
    config = write_config(fake_pipeline(rec, "  - {language: es, translation: {hang_on: [two]}}\n"))
    pipeline = pipeline_for(config, tmp_path)
    translator = pipeline.targets[0].translator
    assert isinstance(translator, EchoTranslator)
    assert_interrupted_run_leaves_nothing(pipeline, lambda events: "two" in translator.requests, how)


@pytest.mark.parametrize("how", WAYS)
def test_stopped_while_speech_to_text_hangs(tmp_path, write_config, how):
    rec = tone_bursts(tmp_path / "in.wav", [0.6] * 2)
    config = write_config(CONFIG.format(rec=rec, stt="{provider: fake, hang_after: 0.5}",
                                        translation="{provider: fake}", tts="{provider: fake}"))
    assert_interrupted_run_leaves_nothing(pipeline_for(config, tmp_path), hearing, how)


@pytest.mark.parametrize("how", WAYS)
def test_stopped_while_pocketsphinx_hears_an_utterance(tmp_path, write_config, how):
    config = write_config(CONFIG.format(rec=THREE_UTTERANCES, stt="{provider: pocketsphinx}",
                                        translation="{provider: fake}", tts="{provider: fake}"))
    assert_interrupted_run_leaves_nothing(pipeline_for(config, tmp_path), hearing, how)


@pytest.mark.parametrize("how", WAYS)
def test_stopped_while_whisper_decodes_an_utterance(tmp_path, write_config, how):
    """No decoder thread (the executor's thread running a decode) is left running after the run is stopped."""
    config = write_config(CONFIG.format(rec=THREE_UTTERANCES, stt="{provider: whisper, model: tiny.en}",
                                        translation="{provider: fake}", tts="{provider: fake}"))
    assert_interrupted_run_leaves_nothing(pipeline_for(config, tmp_path), hearing, how)


@pytest.mark.parametrize("how", WAYS)
def test_stopped_while_apertium_translates(tmp_path, write_config, how):
    """Apertium's warm pipeline is a process group of a dozen processes: none may outlive the run."""
    rec = tone_bursts(tmp_path / "in.wav", [0.4] * 2)
    config = write_config(CONFIG.format(rec=rec, stt=SCRIPTED, translation="{provider: apertium}",
                                        tts="{provider: fake, chunk_delay: 0.2}"))
    assert_interrupted_run_leaves_nothing(pipeline_for(config, tmp_path), translated, how)


@pytest.mark.parametrize("how", WAYS)
def test_stopped_while_espeak_speaks(tmp_path, write_config, how):
    EspeakLibrary.get()  # the process's one espeak-ng thread (the library is not thread-safe): not the run's
    rec = tone_bursts(tmp_path / "in.wav", [0.4] * 2)
    config = write_config(CONFIG.format(rec=rec, stt=SCRIPTED, translation="{provider: fake, prefix: ''}",
                                        tts="{provider: espeak}"))
    assert_interrupted_run_leaves_nothing(pipeline_for(config, tmp_path), speaking("es"), how)
