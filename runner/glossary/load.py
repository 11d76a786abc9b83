"""Reading a pipeline's glossary: inline, a YAML file or a CSV file, every problem located in the file that has
it (the pipeline, or the glossary file beside it).

CSV: one term a row. Columns: ``term`` (required), ``sounds_like`` (several separated by ``;``), ``ipa``,
``keep`` (yes/no), then per language ``es`` (its translation), ``es.alias``, ``es.ipa``, ``es.espeak`` (how the
voice says it). Empty cells say nothing. Read strictly: a quote left open (it would swallow the rows after it), a
column named twice, a row longer than the header are located errors.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import langcodes

from runner.bounded_read import TooLarge, read_at_most
from runner.config import schema
from runner.config.yaml12 import SourceMap, json_pointer, parse
from runner.diagnostics import Diagnostic
from runner.glossary.model import AwsGlossaryOptions, Glossary, Pronunciation, Term, Where

MAX_GLOSSARY_BYTES = 4 << 20
TERM_KEYS = ("term", "sounds_like", "ipa", "keep")
PRONUNCIATION_KEYS = ("alias", "ipa", "espeak")
YES, NO = {"yes", "true", "1", "y", "x"}, {"", "no", "false", "0", "n"}


@dataclass
class Located:
    """A glossary as read, and the problems found reading it."""

    glossary: Glossary | None
    diagnostics: list[Diagnostic] = field(default_factory=list)


def from_config(value: Any, source_map: SourceMap, base_dir: Path, language: str) -> Located:
    """The glossary of a schema-valid pipeline's ``glossary`` value (None: the pipeline has none)."""
    if value is None:
        return Located(None)
    if isinstance(value, str):
        return from_file(_resolve(base_dir, value), language, source_map, "/glossary")
    aws = _aws(value.get("aws", {}))
    if ("file" in value) == ("terms" in value):
        return Located(None, [source_map.diagnostic("/glossary", "glossary",
                                                    "give the glossary either a file or its terms, not both"
                                                    if "file" in value else "give the glossary a file or its terms")])
    if "file" in value:
        found = from_file(_resolve(base_dir, value["file"]), language, source_map, "/glossary/file")
        if found.glossary is not None and "aws" in value:
            found.glossary = Glossary(found.glossary.terms, language, found.glossary.file, aws)
        return found
    terms = [_yaml_term(t, source_map, f"/glossary/terms/{i}") for i, t in enumerate(value["terms"])]
    return _checked(Glossary(tuple(terms), language, None, aws))


def from_file(path: Path, language: str, referrer: SourceMap | None = None, pointer: str = "") -> Located:
    """A glossary file (.yaml, .yml or .csv); ``referrer`` and ``pointer`` locate errors about the file itself
    in the pipeline that names it."""
    def problem(message: str) -> Located:
        where = referrer.diagnostic(pointer, "glossary", f"{path}: {message}") if referrer is not None else \
            Diagnostic(str(path), 0, 0, "", "glossary", message)
        return Located(None, [where])

    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".csv"):
        return problem("a glossary file is .yaml, .yml or .csv")
    try:
        text = read_at_most(path, MAX_GLOSSARY_BYTES).decode("utf-8-sig")
    except FileNotFoundError:
        return problem("no such glossary file")
    except TooLarge as exc:
        return problem(f"{exc}, too much for a glossary")
    except UnicodeDecodeError as exc:
        return problem(f"is not UTF-8 text (byte {exc.start})")
    except OSError as exc:
        return problem(f"cannot read: {exc.strerror or exc}")
    return (_from_csv if suffix == ".csv" else _from_yaml)(text, path, language)


def _from_yaml(text: str, path: Path, language: str) -> Located:
    doc = parse(text, str(path))
    if doc.problems or doc.data is None:
        empty = [Diagnostic(str(path), 1, 1, "", "empty", "the glossary file holds no terms")]
        return Located(None, doc.problems or empty)
    problems = schema.validate(doc.data, doc.source_map, definition="glossaryDocument")
    if problems:
        return Located(None, problems)
    terms = [_yaml_term(t, doc.source_map, f"/terms/{i}") for i, t in enumerate(doc.data["terms"])]
    return _checked(Glossary(tuple(terms), language, path, _aws(doc.data.get("aws", {}))))


def _yaml_term(data: Mapping[str, Any], smap: SourceMap, pointer: str) -> Term:
    def at(*parts: str | int) -> Where:
        p = pointer + json_pointer(parts)
        line, column = smap.locate(p, key=bool(parts) and parts[0] in ("translations", "pronounce"))
        return Where(smap.file, line, column, p)

    places = {"": at(), "term": at("term"), "ipa": at("ipa")}
    places.update({f"sounds_like/{i}": at("sounds_like", i) for i in range(len(data.get("sounds_like", [])))})
    places.update({f"translations/{k}": at("translations", k) for k in data.get("translations", {})})
    places.update({f"pronounce/{k}": at("pronounce", k) for k in data.get("pronounce", {})})
    return Term(
        text=data["term"], where=places[""], sounds_like=tuple(data.get("sounds_like", ())), ipa=data.get("ipa"),
        keep=bool(data.get("keep", False)), translations=dict(data.get("translations", {})),
        pronunciations={k: Pronunciation(**v) for k, v in data.get("pronounce", {}).items()}, places=places)


def _from_csv(text: str, path: Path, language: str) -> Located:
    file = str(path)
    rows, problems = _rows_with_lines(text, file)
    if problems:
        return Located(None, problems)
    if not rows or not any(rows[0][1]):
        return Located(None, [Diagnostic(file, 1, 1, "", "empty", "the glossary file holds no header row")])
    header = [h.strip() for h in rows[0][1]]
    problems = [Diagnostic(file, 1, col, f"/columns/{col}", "csv-header", message)
                for col, h in enumerate(header, 1) if (message := _header_problem(h, header[:col - 1]))]
    if "term" not in header:
        problems.append(Diagnostic(file, 1, 1, "", "csv-header", "the header has no 'term' column"))
    if problems:
        return Located(None, problems)
    terms = []
    col = {h: i for i, h in enumerate(header, 1)}
    for line, row in rows[1:]:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header) and any(cell.strip() for cell in row[len(header):]):
            problems.append(Diagnostic(file, line, len(header) + 1, f"/rows/{line}", "csv",
                                       f"the row has {len(row)} cells, the header {len(header)} columns (an "
                                       "unquoted comma in a cell? quote the cell)"))
            continue
        cells = {h: c.strip() for h, c in zip(header, row, strict=False) if c.strip()}

        def at(column: str, line: int = line) -> Where:
            return Where(file, line, col.get(column, 1), f"/rows/{line}/{column}")

        if "term" not in cells:
            problems.append(_located(at("term"), "csv", "the row has no term"))
            continue
        keep = cells.get("keep", "").lower()
        if keep not in YES | NO:
            problems.append(_located(at("keep"), "csv", f"keep is yes or no, not {cells['keep']!r}"))
        translations = {h: v for h, v in cells.items() if h not in TERM_KEYS and "." not in h}
        spoken: dict[str, dict[str, str]] = {}
        for h, v in cells.items():
            if "." in h:
                lang, kind = h.split(".", 1)
                spoken.setdefault(lang, {})[kind] = v
        places = {"": at("term"), "term": at("term"), "ipa": at("ipa")}
        places.update({f"translations/{k}": at(k) for k in translations})
        places.update({f"pronounce/{k}": at(f"{k}.{next(iter(v))}") for k, v in spoken.items()})
        sounds = [s.strip() for s in cells.get("sounds_like", "").split(";") if s.strip()]
        places.update({f"sounds_like/{i}": at("sounds_like") for i in range(len(sounds))})
        terms.append(Term(text=cells["term"], where=places[""], sounds_like=tuple(sounds), ipa=cells.get("ipa"),
                          keep=keep in YES, translations=translations,
                          pronunciations={k: Pronunciation(**v) for k, v in spoken.items()}, places=places))
    if problems:
        return Located(None, problems)
    return _checked(Glossary(tuple(terms), language, path))


def _rows_with_lines(text: str, file: str) -> tuple[list[tuple[int, list[str]]], list[Diagnostic]]:
    """Each CSV row with the line it starts on, or where the file stops being CSV. A cell is one line: a quote
    left open would otherwise swallow the rows after it into one cell."""
    reader = csv.reader(io.StringIO(text), strict=True)
    out: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for row in reader:
            for column, cell in enumerate(row, 1):
                if "\n" in cell or "\r" in cell:
                    return [], [Diagnostic(file, start, column, f"/rows/{start}", "csv",
                                           f"a quoted cell runs from line {start} to line {reader.line_num}: a "
                                           "quote left open? (a glossary cell is one line)")]
            out.append((start, row))
            start = reader.line_num + 1
    except csv.Error as exc:
        if "end of data" in str(exc):
            message = f"the quote opened in the row of line {start} is never closed"
        elif reader.line_num > start:
            message = (f"the quote opened in the row of line {start} does not end its cell before line "
                       f"{reader.line_num}: a quote left open?")
        else:
            message = f"not valid CSV: {exc} (a quote inside a cell is written twice, in a quoted cell)"
        return [], [Diagnostic(file, start, 1, f"/rows/{start}", "csv", message)]
    return out, []


def _header_problem(column: str, before: list[str]) -> str | None:
    if column in before:
        return f"column {column!r} is also column {before.index(column) + 1}: each column once"
    if column in TERM_KEYS:
        return None
    language, _, kind = column.partition(".")
    if not langcodes.tag_is_valid(language):
        return f"column {column!r} is neither a glossary column ({', '.join(TERM_KEYS)}) nor a language"
    if kind and kind not in PRONUNCIATION_KEYS:
        return f"column {column!r}: after the language comes {', '.join(PRONUNCIATION_KEYS)}"
    return None


def _aws(data: Mapping[str, Any]) -> AwsGlossaryOptions:
    return AwsGlossaryOptions(bucket=data.get("bucket"), prefix=data.get("prefix", "polyglot/glossary/"))


def _located(where: Where, code: str, message: str, severity: str = "error") -> Diagnostic:
    return Diagnostic(where.file, where.line, where.column, where.pointer, code, message, severity)  # type: ignore[arg-type]


def _checked(glossary: Glossary) -> Located:
    """The glossary, or its structural problems: unknown languages, duplicate terms."""
    from runner.glossary.check import structural

    problems = structural(glossary)
    return Located(None if problems else glossary, problems)


def _resolve(base_dir: Path, path: str) -> Path:
    from runner.config.model import user_path

    p = user_path(path)
    return p if p.is_absolute() else base_dir / p
