"""The glossary on the AWS path, through the real SDK clients and the emulator: sync uploads each service's form
once, the run warns (and goes without) while they are missing, and with them Transcribe writes the misheard name
right, Translate keeps every term in every target, and the Polly lexicon changes the phonemes spoken."""

from __future__ import annotations

import json
from pathlib import Path

from runner.config.model import AwsConfig
from runner.engines.aws.context import context_for
from tests.conftest import THREE_UTTERANCES
from tests.support.cli import assert_no_traceback, polyglot

HEARD = ["i met shiv on at the station", "welcome to acme cloud", "he was not an ill disposed young man"]
GLOSSARY = """terms:
  - term: Siobhan
    sounds_like: [shiv on]
    keep: true
    pronounce:
      es: {ipa: ʃiˈβon}
  - term: Acme Cloud
    translations: {es: Nube Acme, fr: Acme Nuage}
"""


def pipeline(tmp_path: Path, glossary: str = GLOSSARY) -> Path:
    (tmp_path / "terms.yaml").write_text(glossary)
    path = tmp_path / "p.yaml"
    path.write_text(f"""version: 1
name: glossary test
language: en-US
source: {{type: file, path: {THREE_UTTERANCES}}}
speech_to_text: {{provider: transcribe}}
translation: {{provider: translate}}
text_to_speech: {{provider: polly}}
glossary: {{file: terms.yaml, aws: {{bucket: glossary-tables}}}}
transcript: {{sinks: [{{type: jsonl, path: en.jsonl}}]}}
targets:
  - {{language: es-ES, voice: Conchita, engine: standard, sinks: [{{type: jsonl, path: es.jsonl}}]}}
  - {{language: fr-FR, voice: Celine, engine: standard, sinks: [{{type: jsonl, path: fr.jsonl}}]}}
""")
    return path


def texts(path: Path, event: str) -> list[str]:
    """The final texts of an event log's ``event``s."""
    return [e["text"] for e in map(json.loads, path.read_text().splitlines())
            if e.get("event") == event and e.get("final", True)]


def run(emulator, path: Path, out: Path):
    result = polyglot("run", path, "--fast", "-q", "-o", out, env=emulator.env())
    assert_no_traceback(result)
    assert result.returncode == 0, result.stderr
    return result


def test_sync_then_every_stage_gets_the_terms_right(emulator, tmp_path):
    emulator.knobs.transcribe_script = HEARD
    path = pipeline(tmp_path)
    env = emulator.env()

    before = run(emulator, path, tmp_path / "before")
    assert "glossary's AWS resources are out of date" in before.stderr and "polyglot glossary sync" in before.stderr
    assert texts(tmp_path / "before/en.jsonl", "transcript")[0] == "i met shiv on at the station"
    [stream] = emulator.state.calls("transcribe.stream")
    assert stream["vocabularies"] is None  # not uploaded: the run goes without, rather than fail

    dry = polyglot("glossary", "sync", path, "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert [line.split()[:3] for line in dry.stdout.splitlines()] == [
        ["would", "create", "vocabulary"], ["would", "create", "terminology"], ["would", "create", "lexicon"]]
    assert not emulator.state.vocabularies and not emulator.state.terminologies and not emulator.state.lexicons

    synced = polyglot("glossary", "sync", path, env=env)
    assert synced.returncode == 0, synced.stderr
    assert [line.split()[:2] for line in synced.stdout.splitlines()] == [["created", "vocabulary"]] + \
        [["created", "terminology"], ["created", "lexicon"]]
    [vocabulary] = emulator.state.vocabularies.values()
    assert vocabulary["status"] == "READY"  # sync waited for it
    assert {(r["Phrase"], r["SoundsLike"], r["DisplayAs"]) for r in vocabulary["rows"]} == {
        ("Siobhan", "shiv-on", ""), ("Acme-Cloud", "", "Acme Cloud")}  # the table, read from the emulated S3

    again = polyglot("glossary", "sync", path, env=env)
    assert [line.split()[0] for line in again.stdout.splitlines()] == ["unchanged"] * 3
    assert len(emulator.state.calls("transcribe_control.create")) == 1

    emulator.state.log.clear()
    after = run(emulator, path, tmp_path / "after")
    assert "out of date" not in after.stderr
    [stream] = emulator.state.calls("transcribe.stream")
    assert stream["vocabularies"] == next(iter(emulator.state.vocabularies))
    heard = texts(tmp_path / "after/en.jsonl", "transcript")
    assert heard[:2] == ["i met Siobhan at the station", "welcome to Acme Cloud"]
    es, fr = texts(tmp_path / "after/es.jsonl", "translation"), texts(tmp_path / "after/fr.jsonl", "translation")
    assert "Siobhan" in es[0] and "Siobhan" in fr[0]  # kept in every target
    assert "Nube Acme" in es[1] and "Acme Nuage" in fr[1]  # translated as the glossary says
    [lexicon] = emulator.state.lexicons
    assert {tuple(c["LexiconNames"] or ()) for c in emulator.state.calls("polly.synthesize")
            if c["VoiceId"] == "Conchita"} == {(lexicon,)}
    assert {tuple(c["LexiconNames"] or ()) for c in emulator.state.calls("polly.synthesize")
            if c["VoiceId"] == "Celine"} == {()}  # no pronunciation in French: no lexicon


def visemes(**params) -> list[str]:
    polly = context_for(AwsConfig()).client("polly")
    marks = polly.synthesize_speech(VoiceId="Conchita", OutputFormat="json", SpeechMarkTypes=["viseme", "word"],
                                    Text="Conocí a Siobhan", **params)["AudioStream"].read().decode()
    lines = [json.loads(line) for line in marks.splitlines()]
    words = [m for m in lines if m["type"] == "word"]
    last = words[-1]["time"]
    return [m["value"] for m in lines if m["type"] == "viseme" and m["time"] >= last]


def test_the_synced_lexicon_changes_the_phonemes_polly_speaks(emulator, tmp_path):
    path = pipeline(tmp_path)
    assert polyglot("glossary", "sync", path, env=emulator.env()).returncode == 0
    [lexicon] = emulator.state.lexicons
    plain, with_lexicon = visemes(), visemes(LexiconNames=[lexicon])
    assert plain[0] == "s"  # espeak-ng reads "Siobhan" in Spanish as s-j-o...
    assert with_lexicon == ["S", "i", "p", "o", "t"]  # ...the glossary's IPA, ʃiˈβon


def test_a_changed_glossary_replaces_its_resources(emulator, tmp_path):
    path = pipeline(tmp_path)
    env = emulator.env()
    assert polyglot("glossary", "sync", path, env=env).returncode == 0
    old = set(emulator.state.vocabularies) | set(emulator.state.terminologies) | set(emulator.state.lexicons)
    pipeline(tmp_path, GLOSSARY.replace("Acme Nuage", "Nuage Acme").replace("ʃiˈβon", "ʃiˈvon"))
    changed = polyglot("glossary", "sync", path, env=env)
    assert changed.returncode == 0, changed.stderr
    actions = sorted(line.split()[0] + " " + line.split()[1] for line in changed.stdout.splitlines())
    assert actions == ["created lexicon", "created terminology", "deleted lexicon", "deleted terminology",
                       "unchanged vocabulary"]
    now = set(emulator.state.vocabularies) | set(emulator.state.terminologies) | set(emulator.state.lexicons)
    assert len(now) == 3 and len(now & old) == 1  # the vocabulary did not change; the others were replaced


def test_init_for_aws_lists_polly_voices_and_validates(emulator, tmp_path):
    path = tmp_path / "aws.yaml"
    made = polyglot("init", path, "--engines", "aws", "--source", THREE_UTTERANCES, "--target", "fr-FR",
                    env=emulator.env())
    assert made.returncode == 0, made.stderr
    text = path.read_text()
    assert "# polly voices for fr-FR:" in text and "Celine" in text and "speech_to_text: {provider: transcribe}" in text
    checked = polyglot("validate", "--online", path, env=emulator.env())
    assert checked.returncode == 0, checked.stdout + checked.stderr
