"""Fuzzing the loader and the planner: whatever the document, the answer is a config or located, one-line
diagnostics, never an exception. Bounded for CI (POLYGLOT_FUZZ_EXAMPLES raises the count for a long run)."""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runner.config.load import loads
from runner.plan.checks import plan

EXAMPLES = int(os.environ.get("POLYGLOT_FUZZ_EXAMPLES", "1500"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                derandomize=True)
PATH = Path("/nonexistent/fuzz.yaml")

KEYS = ["version", "language", "source", "type", "path", "realtime", "device", "sample_rate", "channels",
        "speech_to_text", "translation", "text_to_speech", "provider", "targets", "voice", "engine", "lexicons",
        "format", "sinks", "queue", "size", "overflow", "runtime", "drain_timeout", "retry", "attempts",
        "transcript", "event_log", "aws", "region", "mode", "task", "bucket", "name", "<<", "no", "on"]
WORDS = ["file", "microphone", "pocketsphinx", "apertium", "espeak", "fake", "polly", "transcribe", "translate",
         "wav", "srt", "vtt", "jsonl", "speaker", "audio_file", "pcm", "mp3", "en-US", "es", "ca", "eo", "zh",
         "generative", "neural", "drop-oldest", "block", "${HOME}", "${MISSING}", "${X:-1}", "${Y:?need y}", "no",
         "yes", "~", "", "0o17", "1:30", "16000", "-1", "1e309", ".nan", "\x00", "é", "🎙"]

scalars = st.one_of(st.sampled_from(WORDS), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                    st.booleans(), st.none(), st.text(max_size=12))
documents = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.sampled_from(KEYS), children, max_size=6)),
    max_leaves=40,
)


def check(text: str) -> None:
    loaded = loads(text, str(PATH), PATH, env={"HOME": "/root", "X": "2"})
    diagnostics = list(loaded.diagnostics)
    if loaded.ok:
        diagnostics += plan(loaded)
    else:
        assert diagnostics, "an invalid document must say why"
    for d in diagnostics:
        line = d.format()
        assert "\n" not in line and line.startswith(str(PATH)), line
        assert d.line >= 0 and d.column >= 0


@FUZZ
@given(documents)
def test_structured_documents(document):
    check(yaml.safe_dump(document, allow_unicode=True))


@FUZZ
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_arbitrary_text(text):
    check(text)


@FUZZ
@given(st.data())
def test_mutated_pipelines(data):
    base = (Path(__file__).resolve().parents[2] / "pipelines" / "offline-demo.yaml").read_text()
    position = data.draw(st.integers(0, len(base)))
    insert = data.draw(st.sampled_from(["\t", ":", "- ", "{", "}", "[", "&a ", "*a", "!!binary ", "${", "\n  ",
                                        "'", '"', "#", "<<: *x\n", "? ", "---\n", "\x85", "\ufeff"]))
    cut = data.draw(st.integers(0, 20))
    check(base[:position] + insert + base[position + cut:])
