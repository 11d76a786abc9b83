"""The services' documented request limits, kept on the client: a sentence over Polly's 3,000 billed characters
and a transcript over Translate's 10,000 bytes go out in pieces cut at clauses or words, so that one long
utterance is spoken whole instead of failing its target for the rest of the run."""

from __future__ import annotations

from runner.events import NoticeEvent
from tests.support.recordings import tone_bursts
from tests.support.sessions import run_session


def pipeline(rec, script: list[str], translation: str, tts: str, target: str) -> str:
    lines = "\n".join(f"    - {line!r}" for line in script)
    return f"""\
version: 1
language: en-US
source: {{type: file, path: {rec}, realtime: false}}
speech_to_text:
  provider: fake
  script:
{lines}
translation: {translation}
text_to_speech: {tts}
targets:
  - {target}
"""


def errors(run, scope):
    return [e.message for e in run.of(NoticeEvent, scope) if e.level == "error"]


def test_a_sentence_over_pollys_limit_is_spoken_in_pieces(emulator, tmp_path, write_config):
    long = " ".join(["bonjour"] * 420)  # 3,359 characters and no punctuation, as Transcribe may give it
    rec = tone_bursts(tmp_path / "in.wav", [0.3] * 3, gap=0.7)
    config = pipeline(rec, ["un", long, "trois"], "{provider: fake, prefix: ''}", "{provider: polly}",
                      "{language: fr-FR, voice: Lea, engine: neural, sinks: [{type: wav, path: fr.wav}]}")
    run = run_session(write_config(config), tmp_path)
    assert errors(run, "fr-FR") == [] and run.status.ok
    assert run.spoken("fr-FR") == ["u0001", "u0002", "u0003"]
    texts = [c["Text"] for c in emulator.state.calls("polly.synthesize")]
    assert all(len(t) <= 3000 for t in texts) and len(texts) == 4
    assert " ".join(texts[1:3]) == long  # cut between two words, in order, nothing lost
    assert emulator.state.calls("error") == []


def test_a_transcript_over_translates_limit_is_translated_in_pieces(emulator, tmp_path, write_config):
    clause = "the committee met again, " * 4  # 100 bytes
    long = (clause * 110).strip()  # 11,000 bytes, commas but no full stop
    rec = tone_bursts(tmp_path / "in.wav", [0.3] * 2, gap=0.7)
    config = pipeline(rec, [long, "thanks"], "{provider: translate}", "{provider: fake}", "{language: es-ES}")
    run = run_session(write_config(config), tmp_path)
    assert errors(run, "es-ES") == [] and run.status.ok
    assert run.spoken("es-ES") == ["u0001", "u0002"]
    sent = [c["text"] for c in emulator.state.calls("translate")]
    assert len(sent) == 3 and all(len(t.encode()) <= 10_000 for t in sent[:2])
    assert sent[0].endswith(",") and " ".join(sent[:2]) == long  # cut after a clause
    assert emulator.state.calls("error") == []
