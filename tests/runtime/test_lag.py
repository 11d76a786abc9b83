"""Lag control: within max_lag nothing changes; over it a target speaks faster, then merges, and only past
hard_lag drops the oldest queued speech; back within max_lag, it speaks at the normal rate again."""

from __future__ import annotations

import pytest

from runner.events import Utterance
from runner.runtime.lag import LagControl, LagSettings, merged

SETTINGS = LagSettings(max_lag=4.0, hard_lag=10.0, max_rate=1.3)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def segment(n: int, said_at: float, chars: int = 40) -> Utterance:
    return Utterance(f"u0001.{n}", 0, "x" * chars, 0.0, 1.0, said_at, "en-US", said_at)


def control(clock: Clock) -> LagControl:
    lag = LagControl(SETTINGS, clock)
    lag.seconds_per_char, lag.first_audio = 0.075, 0.3  # 40 characters: 3 s of speech
    return lag


def test_within_max_lag_one_segment_at_the_normal_rate() -> None:
    clock = Clock()
    lag = control(clock)
    clock.now = 1.0
    decision = lag.decide(segment(1, said_at=0.5), [segment(2, said_at=2.0, chars=10)])
    assert decision.speak == [segment(1, said_at=0.5)] and decision.rate == 1.0 and not decision.dropped
    assert decision.projected <= SETTINGS.max_lag


def test_over_max_lag_it_speaks_faster_then_releases() -> None:
    clock = Clock()
    lag = control(clock)
    clock.now = 2.0  # said 1 s ago: 0.3 s to first audio + 3 s of speech would make 4.3 s
    decision = lag.decide(segment(1, said_at=1.0), [])
    assert 1.0 < decision.rate <= SETTINGS.max_rate and decision.projected <= SETTINGS.max_lag + 1e-3
    lag.spoken(decision.speak[0], first_audio_at=2.3, seconds=3.0 / decision.rate)
    clock.now = 8.0  # the speaker paused: the next segment is fresh
    released = lag.decide(segment(2, said_at=7.5), [])
    assert released.rate == 1.0


def test_when_faster_is_not_enough_queued_segments_are_merged() -> None:
    clock = Clock()
    lag = control(clock)
    clock.now = 3.0
    queue = [segment(2, said_at=2.0), segment(3, said_at=2.5)]
    decision = lag.decide(segment(1, said_at=1.0), queue)
    assert [u.id for u in decision.speak] == ["u0001.1", "u0001.2", "u0001.3"] and not decision.dropped
    assert decision.rate == SETTINGS.max_rate
    assert merged(decision.speak).id == "u0001.1+u0001.2+u0001.3"
    assert merged(decision.speak).text == " ".join(u.text for u in decision.speak)


def test_past_hard_lag_the_oldest_queued_speech_is_dropped() -> None:
    clock = Clock()
    lag = control(clock)
    clock.now = 12.0  # the head was said 11.5 s ago: nothing spoken now can be heard within hard_lag
    queue = [segment(2, said_at=8.0), segment(3, said_at=11.0), segment(4, said_at=11.8)]
    decision = lag.decide(segment(1, said_at=0.5), queue)
    assert [u.id for u in decision.dropped] == ["u0001.1"]  # the oldest, and only as many as needed
    assert [u.id for u in decision.speak] == ["u0001.2", "u0001.3", "u0001.4"]  # the rest, merged
    assert decision.projected <= SETTINGS.hard_lag


def test_the_newest_segment_is_never_dropped() -> None:
    clock = Clock()
    lag = control(clock)
    clock.now = 30.0
    decision = lag.decide(segment(1, said_at=0.5), [])
    assert decision.speak == [segment(1, said_at=0.5)] and not decision.dropped and decision.rate == 1.3


def test_the_playout_model_learns_and_measures_the_lag() -> None:
    clock = Clock()
    lag = LagControl(SETTINGS, clock)
    clock.now = 1.0
    first = lag.decide(segment(1, said_at=0.8, chars=20), []).speak[0]
    assert lag.spoken(first, first_audio_at=1.4, seconds=2.0) == pytest.approx(2.6)  # heard until 3.4, said 0.8
    assert lag.playout_end == pytest.approx(3.4) and lag.seconds_per_char > 0.075 and lag.first_audio < 0.5
    clock.now = 1.5
    assert lag.due_in() > 1.0  # the next waits until shortly before that audio ends
