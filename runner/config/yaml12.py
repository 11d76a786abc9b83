"""Strict YAML loading for pipeline configs.

PyYAML implements YAML 1.1, where ``no``/``yes``/``on``/``off`` are booleans (so Norway's ``no`` becomes False),
``010`` is octal and ``1:30`` is 90. Configs are read with the YAML 1.2 core schema instead: only ``true``/
``false`` are booleans and numbers are plain decimal, octal ``0o`` or hex ``0x``. Duplicate keys are errors (PyYAML
silently keeps the last). Every node's position is kept in a :class:`SourceMap` so that later phases can point at
the line and column of any JSON path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from runner.diagnostics import Diagnostic

# Guards against alias bombs ("billion laughs") and absurd documents: a pipeline config is small.
MAX_NODES = 50_000
# PyYAML composes, and every later phase walks, documents recursively: nesting is bounded far below Python's
# stack, with room for whoever calls. A pipeline config nests about 6 levels deep.
MAX_DEPTH = 64

_CORE_RESOLVERS: list[tuple[str, str, list[str]]] = [
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        list("-+.0123456789"),
    ),
    ("tag:yaml.org,2002:merge", r"^(?:<<)$", ["<"]),
]


class NumberTooLarge(ConstructorError):
    """A decimal integer longer than Python converts (4300 digits): far beyond any finite float anyway."""


def _construct_core_int(loader: yaml.SafeLoader, node: ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    try:
        return int(text, 10)
    except ValueError:  # the resolver matched the form, so only the digit limit is left
        raise NumberTooLarge(None, None, f"an integer of {len(text)} digits is too large: numbers must be finite",
                             node.start_mark) from None


def json_pointer(parts: tuple[str | int, ...]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


@dataclass
class SourceMap:
    """Line/column (1-based) of the value and of the key at each JSON pointer of a document."""

    file: str
    values: dict[str, tuple[int, int]] = field(default_factory=dict)
    keys: dict[str, tuple[int, int]] = field(default_factory=dict)

    def locate(self, pointer: str, *, key: bool = False) -> tuple[int, int]:
        """Position of ``pointer``, or of its nearest ancestor that has one."""
        table = self.keys if key else self.values
        while True:
            if pointer in table:
                return table[pointer]
            if pointer in self.values:
                return self.values[pointer]
            if not pointer:
                return (1, 1)
            pointer = pointer.rsplit("/", 1)[0]

    def pointer_at(self, line: int, column: int) -> str:
        """The JSON pointer of the value that starts at ``line:column`` ("" if none does)."""
        return next((p for p, position in self.values.items() if position == (line, column)), "")

    def forget(self, pointer: str) -> None:
        """Drop the positions of ``pointer`` and everything below it."""
        for table in (self.values, self.keys):
            for p in [p for p in table if p == pointer or p.startswith(pointer + "/")]:
                del table[p]

    def diagnostic(self, pointer: str, code: str, message: str, *, key: bool = False,
                   severity: str = "error") -> Diagnostic:
        line, col = self.locate(pointer, key=key)
        return Diagnostic(self.file, line, col, pointer, code, message, severity)  # type: ignore[arg-type]


class TooDeep(ComposerError):
    """The text nests collections more than MAX_DEPTH levels deep."""


class _Loader(yaml.SafeLoader):
    """SafeLoader with the YAML 1.2 core schema's scalars and a bound on nesting."""

    yaml_implicit_resolvers: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    _depth = 0

    def compose_node(self, parent: Node | None, index: object) -> Node:
        if self._depth >= MAX_DEPTH:
            raise TooDeep(None, None, _too_deep_message(), self.peek_event().start_mark)
        self._depth += 1
        try:
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        finally:
            self._depth -= 1


def _too_deep_message() -> str:
    return f"nested more than {MAX_DEPTH} levels deep (counting aliases and merge keys)"


class _Dumper(yaml.SafeDumper):
    """SafeDumper that also knows the YAML 1.2 core scalars, so that it quotes every string a 1.1 reader (PyYAML)
    or a 1.2 one (polyglot) would read as something else: '0o17', '1e3', 'no', 'null'."""


def _represent_str(dumper: _Dumper, value: str) -> ScalarNode:
    # PyYAML writes NEL and the Unicode line separators raw inside quotes, where a reader folds them into
    # spaces: double quotes escape them (\N, \L, \P).
    style = '"' if any(ch in value for ch in "\x85\u2028\u2029") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


for _tag, _pattern, _first in _CORE_RESOLVERS:
    _Loader.add_implicit_resolver(_tag, re.compile(_pattern), _first)
    _Dumper.add_implicit_resolver(_tag, re.compile(_pattern), _first)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_core_int)
_Dumper.add_representer(str, _represent_str)


def dump(data: Any) -> str:
    """``data`` as YAML that :func:`parse` reads back as the same data (``polyglot config``)."""
    return str(yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True))


def scalar(value: str | int | float | bool) -> str:
    """One value as YAML that reads back as itself in a block or a flow collection, quoted where it must be
    ('2024', 'true', 'talk #1.wav', 'take: 2.wav'): for lines written by hand around it (``polyglot init``)."""
    if isinstance(value, str) and not value.isprintable():  # a line break would span lines: JSON's escapes
        return json.dumps(value, ensure_ascii=False)  # (a JSON string is a YAML double-quoted scalar)
    flow = yaml.dump([value], Dumper=_Dumper, default_flow_style=True, allow_unicode=True, width=1 << 30)
    return str(flow).strip().removeprefix("[").removesuffix("]")


@dataclass
class ParsedDocument:
    data: Any
    source_map: SourceMap
    problems: list[Diagnostic]
    interpolated: set[str]  # JSON pointers whose value came (partly) from the environment


ScalarRewriter = Callable[[str, tuple[int, int]], "tuple[str, bool] | None"]


def parse(text: str, file: str, rewrite_scalar: ScalarRewriter | None = None) -> ParsedDocument:
    """Parse one YAML document. Never raises for bad input: problems come back as diagnostics.

    ``rewrite_scalar(value, (line, col))`` may return a new value for a scalar (environment interpolation);
    plain scalars are then re-typed, so ``rate: ${RATE:-16000}`` is the integer 16000.
    """
    source_map = SourceMap(file)
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, found while reading
        return ParsedDocument(None, source_map, [_reader_diagnostic(file, text, exc)], set())
    try:
        node = loader.get_single_node()
    except yaml.reader.ReaderError as exc:
        return ParsedDocument(None, source_map, [_reader_diagnostic(file, text, exc)], set())
    except TooDeep as exc:
        return ParsedDocument(None, source_map, [_syntax_diagnostic(file, exc, "too-deep")], set())
    except yaml.MarkedYAMLError as exc:
        return ParsedDocument(None, source_map, [_syntax_diagnostic(file, exc)], set())
    except yaml.YAMLError as exc:
        return ParsedDocument(None, source_map, [Diagnostic(file, 1, 1, "", "syntax", str(exc))], set())
    if node is None:
        loader.dispose()
        return ParsedDocument(None, source_map, [], set())

    interpolated: set[str] = set()
    problems: list[Diagnostic] = []
    if not _index(node, (), source_map, problems, interpolated, loader, rewrite_scalar):
        loader.dispose()
        return ParsedDocument(None, source_map, problems, interpolated)
    try:
        data = loader.construct_document(node)
    except NumberTooLarge as exc:
        d = _syntax_diagnostic(file, exc, "not-finite")
        located = Diagnostic(file, d.line, d.column, source_map.pointer_at(d.line, d.column), d.code, d.message)
        return ParsedDocument(None, source_map, problems + [located], interpolated)
    except ConstructorError as exc:
        return ParsedDocument(None, source_map, problems + [_syntax_diagnostic(file, exc)], interpolated)
    finally:
        loader.dispose()
    return ParsedDocument(data, source_map, problems, interpolated)


def _index(root: Node, path: tuple[str | int, ...], source_map: SourceMap, problems: list[Diagnostic],
           interpolated: set[str], loader: _Loader, rewrite: ScalarRewriter | None) -> bool:
    """Walk the node graph once: record positions, check keys, interpolate scalars. False if unusable."""
    budget = [MAX_NODES]
    rewritten: set[int] = set()

    def walk(node: Node, path: tuple[str | int, ...], ancestors: frozenset[int]) -> bool:
        budget[0] -= 1
        if budget[0] < 0:
            raise _Abandon(source_map.diagnostic("", "too-large", f"document expands to more than {MAX_NODES} "
                                                 f"nodes"))
        pointer = json_pointer(path)
        mark = node.start_mark
        if len(ancestors) >= MAX_DEPTH:  # aliases and merges nest deeper than the text shows
            raise _Abandon(Diagnostic(source_map.file, mark.line + 1, mark.column + 1, pointer, "too-deep",
                                      _too_deep_message()))
        source_map.values.setdefault(pointer, (mark.line + 1, mark.column + 1))
        if id(node) in ancestors:
            problems.append(source_map.diagnostic(pointer, "recursive-alias", "an alias refers to itself"))
            return False
        inner = ancestors | {id(node)}
        if isinstance(node, ScalarNode):
            if rewrite is not None and id(node) not in rewritten and "$" in node.value:
                rewritten.add(id(node))
                result = rewrite(node.value, (mark.line + 1, mark.column + 1))
                if result is not None:
                    node.value, changed = result
                    if changed:
                        interpolated.add(pointer)
                        if node.style is None:  # plain scalar: re-type the substituted text
                            node.tag = loader.resolve(ScalarNode, node.value, (True, False))
            return True
        if isinstance(node, SequenceNode):
            return all(walk(item, path + (i,), inner) for i, item in enumerate(node.value))
        if isinstance(node, MappingNode):
            ok = True
            seen: dict[str, int] = {}
            # Merged keys first, then the mapping's own keys, which override them: the same order in which
            # PyYAML builds the data, so that positions describe the values that are kept.
            merges = [v for k, v in node.value if k.tag == "tag:yaml.org,2002:merge"]
            own = [(k, v) for k, v in node.value if k.tag != "tag:yaml.org,2002:merge"]
            for value_node in merges:
                ok = walk(value_node, path, inner) and ok
            for key_node, value_node in own:
                kmark = key_node.start_mark
                if not isinstance(key_node, ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                    problems.append(Diagnostic(source_map.file, kmark.line + 1, kmark.column + 1, pointer,
                                               "key-type", "mapping keys must be strings"))
                    ok = False
                    continue
                child = path + (key_node.value,)
                child_pointer = json_pointer(child)
                if key_node.value in seen:
                    problems.append(Diagnostic(
                        source_map.file, kmark.line + 1, kmark.column + 1, child_pointer, "duplicate-key",
                        f"duplicate key '{key_node.value}' (first defined at line {seen[key_node.value]})"))
                seen.setdefault(key_node.value, kmark.line + 1)
                if child_pointer in source_map.values:  # overriding a merged or duplicated key: last one wins
                    source_map.forget(child_pointer)
                source_map.keys[child_pointer] = (kmark.line + 1, kmark.column + 1)
                ok = walk(value_node, child, inner) and ok
            return ok
        return True

    try:
        return walk(root, path, frozenset())
    except _Abandon as stop:  # one line says why; the rest of the document is not worth walking
        problems.append(stop.diagnostic)
        return False


class _Abandon(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def _reader_diagnostic(file: str, text: str, exc: yaml.reader.ReaderError) -> Diagnostic:
    before = text[: exc.position]
    line = before.count("\n") + 1
    column = exc.position - (before.rfind("\n") + 1) + 1
    code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
    return Diagnostic(file, line, column, "", "syntax",
                      f"character {chr(code)!r} is not allowed in YAML (code point {code:#x})")


def _syntax_diagnostic(file: str, exc: yaml.MarkedYAMLError, code: str = "syntax") -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    what = exc.problem or exc.context or "invalid YAML"
    if exc.context and exc.problem:
        what = f"{exc.problem} ({exc.context})"
    return Diagnostic(file, line, col, "", code, " ".join(str(what).split()))
