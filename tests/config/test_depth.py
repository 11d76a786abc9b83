"""Nesting is bounded: PyYAML composes recursively and every later phase (the source map, interpolation,
JSON Schema, the renderings) walks the document recursively too. A document nested too deep -- in its text, or
through aliases and merge keys -- is one located error; one nested as deep as allowed goes through every phase
with plenty of stack to spare."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from runner.config.envsubst import MAX_NESTING
from runner.config.load import loads
from runner.config.yaml12 import MAX_DEPTH, parse
from tests.conftest import THREE_UTTERANCES
from tests.support.cli import assert_no_traceback, polyglot
from tests.support.sessions import diagnostics_of

PATH = Path("/nonexistent/deep.yaml")
STACK_BUDGET = 400  # frames a config may need above its caller: a fraction of Python's default 1000

PIPELINE = f"""\
version: 1
language: en-US
source: {{type: file, path: {THREE_UTTERANCES}}}
speech_to_text: {{provider: fake}}
translation: {{provider: fake}}
text_to_speech: {{provider: fake}}
targets: [{{language: es, sinks: [{{type: jsonl, path: "-"}}]}}]
"""

HOLE = "DEEPVALUE"  # where the deep value goes; not a letter a temporary folder's random name may hold (mktemp's X)
# Where a deep value goes: under every kind of schema node (unknown key, typed leaf, array with uniqueItems,
# enum, const, free-form list of strings, target override), in each case replacing one line of PIPELINE.
PLACES = {
    "unknown key": ("version: 1", "version: 1\nextra: DEEPVALUE"),
    "const": ("version: 1", "version: DEEPVALUE"),
    "enum": ("speech_to_text: {provider: fake}", "speech_to_text: {provider: DEEPVALUE}"),
    "uniqueItems": ("targets: [{language: es,", "targets: [{language: es, lexicons: [DEEPVALUE, DEEPVALUE],"),
    "string list": ("speech_to_text: {provider: fake}", "speech_to_text: {provider: fake, script: [DEEPVALUE]}"),
    "target override": ("targets: [{language: es,", "targets: [{language: es, text_to_speech: {latency: DEEPVALUE},"),
    "sink": ('path: "-"', "path: DEEPVALUE"),
}


def depth_of(text: str) -> int:
    """Levels of nesting of a YAML document, the root collection being level 1 and a scalar in it level 2."""
    deepest, pending = 0, [(parse(text, "t.yaml").data, 1)]
    while pending:
        value, level = pending.pop()
        deepest = max(deepest, level)
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        pending.extend((child, level + 1) for child in children)
    return deepest


def level_of(text: str, marker: str) -> int:
    """Level of the scalar ``marker`` in a YAML document (the root collection is level 1)."""
    pending = [(parse(text, "t.yaml").data, 1)]
    while pending:
        value, level = pending.pop()
        if value == marker:
            return level
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        pending.extend((child, level + 1) for child in children)
    raise AssertionError(f"{marker} not in the document")


def nested_to(levels: int, place: str) -> str:
    """PIPELINE with a value at ``place`` whose innermost scalar is ``levels`` deep in the document."""
    old, new = PLACES[place]
    base = PIPELINE.replace(old, new)
    lists = levels - level_of(base.replace(HOLE, "marker"), "marker")
    assert lists >= 0
    return base.replace(HOLE, "[" * lists + "1" + "]" * lists)


@contextmanager
def stack_budget(frames: int) -> Iterator[None]:
    """Run with only ``frames`` more frames of stack than the caller has (hypothesis and pytest take many)."""
    depth = 0
    frame = sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + frames)
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)


def load_and_plan(text: str) -> list:
    loaded = loads(text, str(PATH), PATH, env={})
    return list(loaded.diagnostics) + (diagnostics_of(loaded) if loaded.ok else [])


@pytest.mark.parametrize("place", PLACES)
def test_as_deep_as_allowed_fits_in_a_small_stack(place):
    text = nested_to(MAX_DEPTH, place)
    assert depth_of(text) == MAX_DEPTH
    with stack_budget(STACK_BUDGET):
        diagnostics = load_and_plan(text)
    assert diagnostics and not [d for d in diagnostics if d.code == "too-deep"], diagnostics
    assert all(d.line >= 1 for d in diagnostics)


@pytest.mark.parametrize("place", PLACES)
def test_one_level_deeper_is_a_located_error(place):
    text = nested_to(MAX_DEPTH + 1, place)
    [d] = loads(text, str(PATH), PATH, env={}).diagnostics
    innermost = text.index("1]")  # the scalar at level MAX_DEPTH + 1
    assert (d.code, d.line, d.column) == ("too-deep", text[:innermost].count("\n") + 1,
                                          innermost - text.rfind("\n", 0, innermost))
    assert d.message.startswith(f"nested more than {MAX_DEPTH} levels deep")


def test_the_hostile_document_from_the_issue(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * 600 + "]" * 600 + "\n")  # 600 levels in 1.2 KB
    for command in ("validate", "graph", "config", "run"):
        result = polyglot(command, path)
        assert result.returncode == 78, (command, result.stderr)
        assert_no_traceback(result)
        [line] = [line for line in (result.stdout + result.stderr).splitlines() if "error[" in line]
        assert line.startswith(f"{path}:1:{3 + MAX_DEPTH}: error[too-deep] nested more than {MAX_DEPTH} levels")


def test_block_style_nesting_is_bounded_too():
    text = "".join(f"{'  ' * i}k{i}:\n" for i in range(200)) + "  " * 200 + "v\n"
    [d] = parse(text, "t.yaml").problems
    assert (d.code, d.line) == ("too-deep", MAX_DEPTH)  # the mapping under k62 is level 64's value


def aliases_nesting(count: int, each: int) -> str:
    """Anchors that each wrap the previous one in ``each`` lists: shallow text, deep data."""
    rows = ["a0: &a0 " + "[" * each + "1" + "]" * each]
    rows += [f"a{i}: &a{i} " + "[" * each + f"*a{i - 1}" + "]" * each for i in range(1, count)]
    return "\n".join(rows) + "\n"


def merge_chain(count: int) -> str:
    rows = ["m0: &m0 {x: 1}"] + [f"m{i}: &m{i} {{<<: *m{i - 1}}}" for i in range(1, count)]
    return "\n".join(rows) + "\n"


@pytest.mark.parametrize("make", [lambda: aliases_nesting(40, 30), lambda: merge_chain(2000)],
                         ids=["aliases", "merge keys"])
def test_depth_built_from_aliases_is_bounded(make: Callable[[], str]):
    with stack_budget(STACK_BUDGET):
        doc = parse(make(), "t.yaml")
    assert doc.data is None
    [d] = doc.problems
    assert d.code == "too-deep" and d.line >= 1 and d.path


def test_nested_defaults_are_bounded():
    deep = "${A:-" * 2000 + "x" + "}" * 2000
    with stack_budget(STACK_BUDGET):
        loaded = loads(f"name: '{deep}'\n", str(PATH), PATH, env={})
    assert [(d.code, d.path, d.message) for d in loaded.diagnostics if d.code == "env"] == \
        [("env", "/name", f"defaults nested more than {MAX_NESTING} levels deep")]
    allowed = "${A:-" * MAX_NESTING + "x" + "}" * MAX_NESTING
    assert loads(f"name: '{allowed}'\n", str(PATH), PATH, env={}).source_map.values["/name"] == (1, 7)
