"""The wheel users install holds the product, not its test tooling: built as a user builds it (``pip wheel .``),
it has no tests/ or test helpers, and every entry point names a module the wheel has."""

from __future__ import annotations

import configparser
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    [path] = out.glob("polyglot*.whl")
    return zipfile.ZipFile(path)


def test_the_wheel_has_no_test_tooling(wheel: zipfile.ZipFile) -> None:
    names = wheel.namelist()
    assert "runner/cli/app.py" in names and "runner/engines/fake.py" in names  # the product, and its fake family
    assert [n for n in names if n.startswith(("tests/", "bench/", "runner/testing/"))] == []
    assert [n for n in names if "/test_" in n or n.endswith("conftest.py")] == []


def test_every_entry_point_names_a_module_in_the_wheel(wheel: zipfile.ZipFile) -> None:
    [listing] = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
    entry_points = configparser.ConfigParser()
    entry_points.read_string(wheel.read(listing).decode())
    targets = [value.split(":")[0] for section in entry_points.sections() for value in entry_points[section].values()]
    assert "runner.engines.fake" in targets
    names = set(wheel.namelist())
    for module in targets:
        path = module.replace(".", "/")
        assert f"{path}.py" in names or f"{path}/__init__.py" in names, module
