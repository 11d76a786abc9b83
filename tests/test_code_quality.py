"""The code stays lint-clean and type-checked: the same checks a reviewer would run."""

import subprocess
import sys

from tests.conftest import REPO


def test_ruff():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "runner", "tests"], cwd=REPO,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_mypy():
    result = subprocess.run([sys.executable, "-m", "mypy", "runner"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
