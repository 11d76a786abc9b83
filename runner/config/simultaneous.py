"""The knobs of ``mode: simultaneous`` and their defaults: one place that both the schema (its ``default``s) and
the typed config read, so neither imports the other."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SimultaneousConfig:
    """mode: simultaneous's knobs (see the schema's descriptions); max_lag and hard_lag are the targets' default."""

    min_words: int = 3
    pause: float = 0.4
    agreement: int = 2
    max_words: int = 4
    max_lag: float = 4.0
    hard_lag: float = 10.0
    max_rate: float = 1.5
