"""The code stays lint-clean and type-checked: the same checks a reviewer would run."""

import subprocess
import sys

from tests.conftest import REPO

PACKAGES = ["runner", "polyglot_emulator"]


def test_ruff():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", *PACKAGES, "tests", "bench"], cwd=REPO,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_mypy():
    result = subprocess.run([sys.executable, "-m", "mypy", *PACKAGES], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
