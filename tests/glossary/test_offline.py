"""The glossary on the offline engines, with the real recording: pocketsphinx hears "ill disposed" as "illness
those", and Apertium would translate "amiable"; with the glossary the transcript says the term, every pair keeps
both terms intact, and espeak-ng says a term as the glossary's pronunciation (its phonemes change)."""

from __future__ import annotations

import json
from pathlib import Path

from runner.config.load import load
from runner.engines.base import EngineRequest
from runner.engines.local.espeak import EspeakSynthesizer
from runner.engines.local.espeak_lib import EspeakLibrary
from tests.conftest import THREE_UTTERANCES
from tests.support.cli import assert_no_traceback, polyglot

GLOSSARY = """glossary:
  terms:
    - {term: Ill-Disposed, sounds_like: [illness those], keep: true}
    - term: Amiable
      keep: true
      pronounce: {es: {alias: Amiábel}}
"""


def pipeline(tmp_path: Path, glossary: str) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(f"""version: 1
language: en-US
source: {{type: file, path: {THREE_UTTERANCES}}}
speech_to_text: {{provider: pocketsphinx}}
transcript: {{sinks: [{{type: jsonl, path: en.jsonl}}]}}
event_log: events.jsonl
targets: [{{language: es}}, {{language: ca}}, {{language: eo}}]
{glossary}""")
    return path


def finals(out: Path) -> tuple[list[str], dict[str, list[str]]]:
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    heard = [e["text"] for e in events if e["event"] == "transcript" and e["final"]]
    translated: dict[str, list[str]] = {}
    for e in events:
        if e["event"] == "translation":
            translated.setdefault(e["scope"], []).append(e["text"])
    return heard, translated


def test_the_recording_through_pocketsphinx_and_apertium_keeps_the_terms(tmp_path):
    results = {}
    for name, glossary in (("without", ""), ("with", GLOSSARY)):
        out = tmp_path / name
        out.mkdir()
        result = polyglot("run", pipeline(out, glossary), "--fast", "-q", "-o", out)
        assert_no_traceback(result)
        assert result.returncode == 0, result.stderr
        results[name] = finals(out)
    (heard_before, translated_before), (heard, translated) = results["without"], results["with"]
    assert "illness those" in heard_before[0] and "Ill-Disposed" in heard[0]  # the misheard form, fixed
    assert not any("Amiable" in t for texts in translated_before.values() for t in texts)  # Apertium translates it
    for language in ("es", "ca", "eo"):
        assert "Ill-Disposed" in translated[language][0], translated[language]
        assert "Amiable" in translated[language][2], translated[language]


def test_espeak_says_a_term_as_the_glossary_pronounces_it(tmp_path):
    config = load(pipeline(tmp_path, GLOSSARY)).config
    es = config.targets[0]
    engine = EspeakSynthesizer.create(EngineRequest(config, es.text_to_speech, es))
    library = EspeakLibrary.get()
    plain = library.phonemes("Podría haber sido Amiable.", "es")
    said = library.phonemes(engine.spoken("Podría haber sido Amiable."), "es")
    assert "amjˈaβle" in plain and "amjˈaβel" in said, (plain, said)
    ca = config.targets[1]
    other = EspeakSynthesizer.create(EngineRequest(config, ca.text_to_speech, ca))
    assert other.spoken("Amiable") == "Amiable"  # no pronunciation in Catalan


def test_whisper_expects_the_glossary_terms_after_its_own_hotwords(tmp_path):
    from runner.engines.local.whisper import WhisperRecognizer

    path = pipeline(tmp_path, GLOSSARY)
    path.write_text(path.read_text().replace("speech_to_text: {provider: pocketsphinx}",
                                             "speech_to_text: {provider: whisper, hotwords: [Polyglot, Amiable]}"))
    config = load(path).config
    engine = WhisperRecognizer.create(EngineRequest(config, config.speech_to_text))
    assert engine.options.hotwords == ("Polyglot", "Amiable", "Ill-Disposed")
