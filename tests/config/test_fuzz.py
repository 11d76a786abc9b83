"""Fuzzing the loader, the planner and what validate, graph and config print: whatever the document, the answer
is a config or located, one-line diagnostics, never an exception; a valid config renders as a text tree, as
well-formed DOT and as YAML that reads back as the same document. Bounded for CI (POLYGLOT_FUZZ_EXAMPLES raises
the count for a long run)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runner.config.load import Loaded, loads
from runner.config.yaml12 import MAX_DEPTH, dump, parse
from runner.diagnostics import errors_in, render_json, render_text
from runner.plan.graph import stage_graph, to_dot, to_text
from runner.plan.plan import plan
from runner.redact import masked
from tests.conftest import THREE_UTTERANCES
from tests.support.sessions import diagnostics_of

EXAMPLES = int(os.environ.get("POLYGLOT_FUZZ_EXAMPLES", "1500"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                derandomize=True)
PATH = Path("/nonexistent/fuzz.yaml")
ENV = {"HOME": "/root", "X": "2"}

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

# Documents shaped like pipelines, so that most pass the schema and reach the plan and the renderings: hostile
# text wherever the schema allows text, and now and then a number out of range.
text = st.one_of(st.sampled_from([w for w in WORDS if w] + ["~nosuchuser/x", "${HOME}/x", "1e3", ".inf", "0x1F",
                                                           "<&>\"'\\", "\t\n\u2028\x85", "x" * 300, "\x1b[31m"]),
                 st.text(min_size=1, max_size=16))


def within(low: float, high: float) -> st.SearchStrategy[float]:
    return st.one_of(st.floats(low, high), st.sampled_from([float("nan"), float("inf"), 10**400, low - 1]))


any_tag = st.from_regex(r"\A[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}\Z")  # any language tag the schema allows
languages = st.one_of(st.sampled_from(["es", "ca", "eo", "ES", "cmn-CN"]), any_tag)
sinks = st.one_of(
    st.fixed_dictionaries({"type": st.sampled_from(["wav", "srt", "vtt", "jsonl", "audio_file"]), "path": text}),
    st.fixed_dictionaries({"type": st.just("speaker")}, optional={"device": st.one_of(text, st.integers(0, 64))}),
)
targets = st.fixed_dictionaries(
    {"language": languages},
    optional={"voice": text, "sinks": st.lists(sinks, max_size=3), "format": st.sampled_from(["pcm", "mp3"]),
              "queue": st.fixed_dictionaries({}, optional={"size": st.integers(1, 100),
                                                           "overflow": st.sampled_from(["block", "drop-newest"])})},
)
pipelines = st.fixed_dictionaries(
    {"version": st.just(1), "language": st.one_of(st.just("en-US"), any_tag),
     "source": st.just({"type": "file", "path": str(THREE_UTTERANCES), "realtime": False}),
     "speech_to_text": st.one_of(
         st.fixed_dictionaries({"provider": st.just("fake")},
                               optional={"script": st.lists(text, max_size=3), "threshold": within(0.001, 1)}),
         st.fixed_dictionaries({"provider": st.just("pocketsphinx")},
                               optional={"model": text, "dictionary": text, "end_silence": within(0.09, 5)})),
     "translation": st.one_of(st.fixed_dictionaries({"provider": st.just("fake")}, optional={"prefix": text}),
                              st.just({"provider": "apertium"})),
     "text_to_speech": st.one_of(st.fixed_dictionaries({"provider": st.just("fake")},
                                                       optional={"latency": within(0, 0.1)}),
                                 st.just({"provider": "espeak"})),
     "targets": st.lists(targets, min_size=1, max_size=3)},
    optional={"name": text, "description": text, "event_log": text,
              "transcript": st.fixed_dictionaries({"sinks": st.lists(sinks, max_size=2)}),
              "runtime": st.fixed_dictionaries({}, optional={"drain_timeout": within(0.001, 100),
                                                             "retry": st.fixed_dictionaries(
                                                                 {}, optional={"initial_backoff": within(0, 5)})})},
)


def check(text: str) -> Loaded:
    loaded = loads(text, str(PATH), PATH, env=ENV)
    diagnostics = list(loaded.diagnostics)
    if loaded.ok:
        diagnostics += diagnostics_of(loaded)
    else:
        assert diagnostics, "an invalid document must say why"
    for d in diagnostics:
        line = d.format()
        assert "\n" not in line and line.startswith(str(PATH)), line
        assert d.line >= 0 and d.column >= 0
    # What validate prints: one line per problem, or a JSON report that says the same.
    assert render_text(diagnostics).count("\n") == max(len(diagnostics) - 1, 0)
    report = json.loads(render_json({str(PATH): diagnostics}))
    assert report["valid"] is not bool(errors_in(diagnostics))
    assert len(report["files"][0]["diagnostics"]) == len(diagnostics)
    if loaded.ok and not errors_in(diagnostics):
        check_renderings(loaded)
    return loaded


DOT_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)


def check_renderings(loaded: Loaded) -> None:
    """What graph and config print for a valid config."""
    assert loaded.config is not None
    root = stage_graph(plan(loaded))
    tree = to_text(root)
    assert tree.splitlines()[0].startswith("source: file ")
    dot = to_dot(root, loaded.config.display_name)
    bare = DOT_STRING.sub("S", dot)  # outside its quoted strings, DOT is ids, keywords and punctuation
    assert re.fullmatch(r'digraph S \{\n(?:  [\w \[\]=,;>-]*(?:S[\w \[\]=,;>-]*)*\n)*\}', bare), dot
    shown = masked(loaded.data)
    assert parse(dump(shown), "config").data == shown  # config's output reads back as the same document


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


@settings(FUZZ, max_examples=max(EXAMPLES // 2, 20))
@given(pipelines)
def test_pipeline_shaped_documents(document: dict[str, Any]):
    check(dump(document))


@settings(FUZZ, max_examples=max(EXAMPLES // 10, 20))
@given(st.sampled_from(["version", "name", "targets", "runtime", "speech_to_text"]),
       st.integers(MAX_DEPTH - 4, MAX_DEPTH + 2), st.sampled_from(["[", "{a: ", "- "]))
def test_deep_documents(key: str, levels: int, opener: str):
    """As deep as allowed, and just deeper, under pytest's and hypothesis's own stack."""
    if opener == "- ":  # block style: one level per line
        value = "".join("\n" + "  " * (i + 1) + "- " for i in range(levels)) + "x"
    else:
        value = opener * levels + "x" + ("]" if opener == "[" else "}") * levels
    base = (Path(__file__).resolve().parents[2] / "pipelines" / "offline-demo.yaml").read_text()
    check(f"{key}: {value}\n" + base.replace(f"\n{key}:", f"\n_{key}:"))
