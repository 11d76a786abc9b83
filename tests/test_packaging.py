"""What each install extra brings is what the code needs: the emulator's imports against the base install and the
'emulator' extra, the AWS engines' against the 'aws' extra, the modules the CLI looks up before it says which
extra is missing, and the wheel holding every package the CLI imports."""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

from tests.conftest import REPO
from tests.extras import distributions, modules_of

OURS = {"runner", "polyglot_emulator", "tests", "bench"}


def top_level_imports(folder: Path) -> set[str]:
    """The top-level modules the code under ``folder`` imports, also inside functions."""
    found: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found


def imported(folder: Path) -> set[str]:
    """The third-party modules the code under ``folder`` imports."""
    return top_level_imports(folder) - OURS - set(sys.stdlib_module_names)


def beyond_the_base(modules: set[str]) -> set[str]:
    return modules - modules_of(distributions())


def test_the_emulator_needs_its_extra_and_no_client_sdk():
    needed = beyond_the_base(imported(REPO / "polyglot_emulator"))
    assert needed <= modules_of(distributions(frozenset({"emulator"})))
    assert not needed & {"boto3", "aws_sdk_polly", "aws_sdk_transcribe_streaming", "awscrt", "smithy_http"}


def test_the_cli_looks_up_exactly_what_the_emulator_imports_beyond_the_base():
    from runner.cli.emulator import NEEDS

    assert set(NEEDS.modules) == beyond_the_base(imported(REPO / "polyglot_emulator"))
    assert NEEDS.extra == "emulator"


def test_the_aws_engines_need_their_extra_and_declare_it():
    from runner.registry import _families, load_plugins

    load_plugins()
    brought = beyond_the_base(modules_of(distributions(frozenset({"aws"}))))
    needed = beyond_the_base(imported(REPO / "runner" / "engines" / "aws"))
    assert needed <= brought
    assert set(_families["aws"].modules) <= brought and _families["aws"].extra == "aws"  # awscrt: smithy_http's
    assert beyond_the_base(imported(REPO / "runner")) == needed  # only the AWS engines need more than the base


def test_the_wheel_holds_every_package_the_cli_imports():
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    packages = set(pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"])
    assert top_level_imports(REPO / "runner") & OURS == {"runner", "polyglot_emulator"} <= packages
