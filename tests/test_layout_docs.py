"""The README's Layout section and docs/architecture.md name every package of the code, so they cannot drift
silently when a package is added or renamed."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def packages() -> list[str]:
    """runner's subpackages and top-level modules that hold a part of the architecture, as paths."""
    found = [f"runner/{p.name}" for p in (ROOT / "runner").iterdir()
             if p.is_dir() and (p / "__init__.py").exists()]
    return sorted(found) + ["runner/registry.py", "runner/options.py", "polyglot_emulator/"]


def layout_section() -> str:
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"^## Layout\n(.*?)(?=^## )", readme + "\n## end", re.S | re.M)
    assert match, "README has no Layout section"
    return match.group(1)


def test_the_readme_layout_names_every_package():
    layout = layout_section()
    missing = [p for p in packages() if p not in layout]
    assert not missing, f"README Layout does not mention {missing}"


def test_the_layout_names_no_package_that_is_gone():
    named = re.findall(r"^(runner/[a-z_]+)\b", layout_section(), re.M)
    gone = [n for n in named if not (ROOT / n).exists() and not (ROOT / f"{n}.py").exists()]
    assert not gone, f"README Layout names {gone}, which do not exist"


def test_the_architecture_doc_points_at_real_files():
    doc = (ROOT / "docs/architecture.md").read_text()
    paths = set(re.findall(r"`((?:runner|polyglot_emulator|tests)/[\w/.]+?)`", doc))
    assert paths, "docs/architecture.md names no files"
    gone = [p for p in sorted(paths) if not (ROOT / p.rstrip("/")).exists()]
    assert not gone, f"docs/architecture.md names {gone}, which do not exist"
