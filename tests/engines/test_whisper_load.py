"""Whisper's load shedding behind a live speaker (runner.engines.local.whisper_load): levels, and their way back."""

from __future__ import annotations

from runner.engines.local.whisper_load import RECOVER, Shedding


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_work_is_shed_as_the_lag_grows_and_comes_back_a_level_at_a_time_once_caught_up():
    clock = Clock()
    shedding = Shedding(has_fallback=True, clock=clock)
    assert not shedding.update(2.0, 5.0) and shedding.level == 0
    assert shedding.update(2.5, 5.0) and shedding.level == 1  # half of the limit: no partials
    assert shedding.update(7.0, 5.0) and shedding.level == 2  # the limit: the fallback model too
    assert not shedding.update(1.0, 5.0) and shedding.level == 2  # caught up, but not for long enough
    clock.now = RECOVER - 1
    assert not shedding.update(1.0, 5.0)
    clock.now = RECOVER + 0.5
    assert shedding.update(1.0, 5.0) and shedding.level == 1
    clock.now += RECOVER / 2
    assert not shedding.update(3.0, 5.0) and shedding.level == 1  # no longer caught up: the wait starts again
    clock.now += RECOVER
    assert not shedding.update(1.0, 5.0)
    clock.now += RECOVER
    assert shedding.update(1.0, 5.0) and shedding.level == 0


def test_without_a_fallback_model_partials_are_all_it_sheds():
    shedding = Shedding(has_fallback=False, clock=Clock())
    assert shedding.update(9.0, 5.0) and shedding.level == 1
    assert not shedding.update(20.0, 5.0) and shedding.level == 1
