"""Lag control: while the projected lag is low nothing changes; as it grows towards max_lag a target speaks
faster, past it merges, and only past hard_lag drops the oldest queued speech; the segments of one sentence that
wait together always go as one request; once the lag is low again it speaks at the normal rate."""

from __future__ import annotations

import pytest

from runner.events import Utterance
from runner.runtime.lag import EASE, LagControl, LagSettings, merged

SETTINGS = LagSettings(max_lag=4.0, hard_lag=10.0, max_rate=1.3)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def segment(n: int, said_at: float, chars: int = 40, seq: int = 1) -> Utterance:
    return Utterance(f"u{seq:04d}.{n}", seq, "x" * chars, 0.0, 1.0, said_at, "en-US", said_at)


def control(clock: Clock) -> LagControl:
    lag = LagControl(SETTINGS, clock)
    lag.seconds_per_char, lag.first_audio = 0.075, 0.3  # 40 characters: 3 s of speech
    return lag


def test_a_low_lag_speaks_one_sentence_at_a_time_at_the_normal_rate() -> None:
    clock = Clock()
    lag = control(clock)
    clock.now = 1.0  # said 0.5 s ago: 0.3 s to first audio and 0.75 s of speech make 1.55 s, under EASE
    next_sentence = segment(1, said_at=0.9, chars=5, seq=2)
    decision = lag.decide(segment(1, said_at=0.5, chars=10), [next_sentence])
    assert decision.speak == [segment(1, said_at=0.5, chars=10)] and decision.rate == 1.0 and not decision.dropped
    assert decision.projected <= EASE * SETTINGS.max_lag


def test_the_waiting_segments_of_the_heads_sentence_go_with_it_as_one_request() -> None:
    clock = Clock()
    lag = control(clock)
    clock.now = 1.0
    queue = [segment(2, said_at=0.7, chars=5), segment(3, said_at=0.9, chars=5), segment(1, 0.95, chars=5, seq=2)]
    decision = lag.decide(segment(1, said_at=0.5, chars=5), queue)
    assert [u.id for u in decision.speak] == ["u0001.1", "u0001.2", "u0001.3"]  # not the next sentence
    assert not decision.dropped and merged(decision.speak).text == "xxxxx xxxxx xxxxx"


def test_the_rate_rises_with_the_lag_before_max_lag_is_reached() -> None:
    rates = []
    for said_ago in (0.0, 0.5, 1.0, 1.5):  # 10 characters: 0.3 s to first audio, 0.75 s of speech
        clock = Clock()
        lag = control(clock)
        clock.now = 5.0
        decision = lag.decide(segment(1, said_at=5.0 - said_ago - 0.5, chars=10), [])
        assert decision.projected <= SETTINGS.max_lag
        rates.append(decision.rate)
    assert rates[0] == 1.0 and rates[0] < rates[1] < rates[2] < rates[3] <= SETTINGS.max_rate, rates


def test_over_max_lag_it_speaks_faster_then_releases() -> None:
    clock = Clock()
    lag = control(clock)
    clock.now = 2.0  # said 1 s ago: 0.3 s to first audio + 3 s of speech would make 4.3 s
    decision = lag.decide(segment(1, said_at=1.0), [])
    assert 1.0 < decision.rate <= SETTINGS.max_rate and decision.projected <= SETTINGS.max_lag + 1e-3
    lag.spoken(decision.speak[0], first_audio_at=2.3, seconds=3.0 / decision.rate)
    clock.now = 8.0  # the speaker paused: the next segment is fresh and short
    released = lag.decide(segment(2, said_at=7.5, chars=10), [])
    assert released.rate == 1.0


def test_when_faster_is_not_enough_the_next_sentences_are_merged_too() -> None:
    clock = Clock()
    lag = control(clock)
    clock.now = 3.0
    queue = [segment(2, said_at=2.0), segment(1, said_at=2.5, seq=2), segment(1, said_at=2.8, seq=3)]
    decision = lag.decide(segment(1, said_at=1.0), queue)
    assert [u.id for u in decision.speak] == ["u0001.1", "u0001.2", "u0002.1", "u0003.1"] and not decision.dropped
    assert decision.rate == SETTINGS.max_rate
    assert merged(decision.speak).id == "u0001.1+u0001.2+u0002.1+u0003.1"
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
    assert decision.speak == [segment(1, said_at=0.5)] and not decision.dropped and decision.rate == SETTINGS.max_rate


def test_the_playout_model_learns_and_measures_the_lag() -> None:
    clock = Clock()
    lag = LagControl(SETTINGS, clock)
    clock.now = 1.0
    first = lag.decide(segment(1, said_at=0.8, chars=20), []).speak[0]
    assert lag.spoken(first, first_audio_at=1.4, seconds=2.0) == pytest.approx(2.6)  # heard until 3.4, said 0.8
    assert lag.playout_end == pytest.approx(3.4) and lag.seconds_per_char > 0.075 and lag.first_audio < 0.5
    clock.now = 1.5
    assert lag.due_in() > 1.0  # the next waits until shortly before that audio ends
