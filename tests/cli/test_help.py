"""Every command's --help reads like a Unix tool's: ``Usage: polyglot run [OPTIONS] FILE``, arguments and
option values named in capitals, no Python types or Typer placeholders ({file}, <path>, <list[Path]>)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import typer
from typer.testing import CliRunner

from runner.cli.app import app

PLACEHOLDERS = re.compile(r"\{\w+\}|<[^>\s]+(?: [^>\s]+)?>|\blist\[|\bPath\b|\[x[<>=]")
USAGE = re.compile(r"Usage: polyglot(?: [a-z-]+)* \[OPTIONS\](?: [A-Z][A-Z_]*(?:\.\.\.)?| \[[A-Z][A-Z_]*\](?:\.\.\.)?"
                   r"| COMMAND \[ARGS\]\.\.\.)*")
ARGUMENT_ROW = re.compile(r"  [A-Z][A-Z_]*(?:\.\.\.)?  +\S")
OPTION_ROW = re.compile(r"  (?:-[a-z], )?--[a-z-]+(?: / --[a-z-]+)?(?: [A-Z][A-Z_]*| \[[a-z|-]+\])?(?:  +\S|$)")


def command_paths(command: object = None, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command and sub-command of polyglot, the root included."""
    command = command or typer.main.get_command(app)
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from command_paths(sub, path + (name,))


def help_of(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def test_every_command_is_walked():
    paths = set(command_paths())
    assert {(), ("run",), ("validate",), ("graph",), ("config",), ("schema",), ("engines",), ("voices",),
            ("devices",), ("emulator",), ("lexicons",), ("lexicons", "sync")} <= paths


def test_no_placeholders_in_any_help():
    for path in command_paths():
        text = help_of(path)
        found = PLACEHOLDERS.findall(text)
        assert not found, f"polyglot {' '.join(path)} --help shows {found}:\n{text}"
        usage = text.splitlines()[0]
        assert USAGE.fullmatch(usage), usage
        section = ""
        for line in text.splitlines()[1:]:
            if line.endswith(":") and not line.startswith(" "):
                section = line
            elif section == "Arguments:" and line.strip():
                assert ARGUMENT_ROW.match(line), f"polyglot {' '.join(path)}: argument row {line!r}"
            elif section == "Options:" and line.startswith("  -"):
                assert OPTION_ROW.match(line), f"polyglot {' '.join(path)}: option row {line!r}"


def test_usage_lines_name_their_arguments():
    assert help_of(("run",)).splitlines()[0] == "Usage: polyglot run [OPTIONS] FILE"
    assert help_of(("validate",)).splitlines()[0] == "Usage: polyglot validate [OPTIONS] FILE..."
    assert help_of(("lexicons", "sync")).splitlines()[0] == "Usage: polyglot lexicons sync [OPTIONS] FILE"
    assert "  -i, --input RECORDING " in help_of(("run",))
    assert "  -f, --format [text|json] " in help_of(("validate",))
