"""Installations without some install extras, simulated faithfully in a subprocess.

What an extra brings is read from the installed metadata (polyglot-runner's ``Requires-Dist``, then each
dependency's, transitively): the modules of the distributions an extra adds to the base install. The subprocess
makes those modules absent the way the interpreter does when a module is not installed: ``sys.modules[name] =
None`` makes ``import name`` raise ModuleNotFoundError and ``importlib.util.find_spec(name)`` return None.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable
from functools import cache
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import REPO

DISTRIBUTION = "polyglot-runner"
EXTRAS = ("aws", "emulator", "test")

# Runs the CLI with the modules named in argv[1] absent (comma-separated); the rest of argv is polyglot's.
_PRELUDE = ("import sys\n"
            "for name in filter(None, sys.argv.pop(1).split(',')):\n"
            "    sys.modules[name] = None\n"
            "sys.argv[0] = 'polyglot'\n"
            "from runner.cli import main\n"
            "main()\n")


def _wanted(requirement: Requirement, extras: frozenset[str]) -> bool:
    if requirement.marker is None:
        return True
    return any(requirement.marker.evaluate({"extra": extra}) for extra in extras | {""})


@cache
def distributions(extras: frozenset[str] = frozenset()) -> frozenset[str]:
    """The distributions an installation of polyglot-runner[extras] holds (installed ones, by canonical name)."""
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [(DISTRIBUTION, extras)]
    while todo:
        name, wanted_extras = todo.pop()
        if (name, wanted_extras) in seen:
            continue
        seen.add((name, wanted_extras))
        try:
            requirements = metadata.requires(name) or []
        except metadata.PackageNotFoundError:  # e.g. a platform's dependency not installed on this one
            continue
        for raw in requirements:
            requirement = Requirement(raw)
            if _wanted(requirement, wanted_extras):
                todo.append((canonicalize_name(requirement.name), frozenset(requirement.extras)))
    return frozenset(name for name, _ in seen)


def modules_of(dists: Iterable[str]) -> set[str]:
    """The top-level modules these distributions provide (and no distribution outside them)."""
    dists = set(dists)
    return {module for module, owners in metadata.packages_distributions().items()
            if {canonicalize_name(d) for d in owners} <= dists}


def missing_without(*installed: str) -> list[str]:
    """The modules absent from an installation with only these extras: those the other extras alone bring."""
    everything = distributions(frozenset(EXTRAS))
    kept = distributions(frozenset(installed))
    return sorted(modules_of(everything - kept))


def polyglot_with_only(installed: tuple[str, ...], *args: str, timeout: float = 120) \
        -> subprocess.CompletedProcess[str]:
    """``polyglot ARGS`` in an installation that has only the ``installed`` extras (() : the base install)."""
    absent = ",".join(missing_without(*installed))
    return subprocess.run([sys.executable, "-c", _PRELUDE, absent, *args], cwd=REPO, capture_output=True,
                          text=True, timeout=timeout)


def popen_with_only(installed: tuple[str, ...], *args: str) -> subprocess.Popen[str]:
    absent = ",".join(missing_without(*installed))
    return subprocess.Popen([sys.executable, "-c", _PRELUDE, absent, *args], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
