"""Simultaneous mode's lag control: keep each target within ``max_lag`` of the speaker.

A target's lag is the time from the speaker saying something to its translation having been heard. Audio plays
in real time, one segment after the other, so the control keeps a model of the target's playout: when the audio
written so far will have finished playing (``playout_end``), how many seconds of speech a character of source
text makes in this language (learned from what was spoken), and how long a segment takes to its first audio.

The stage takes the next segment only shortly before the audio in front of it ends (just in time), so that what
the speaker said meanwhile waits in the lane, where it can still be merged or dropped. The segments of the head's
sentence that are already waiting always go with it, as one request: they would be spoken next anyway, and one
request translates them with more context and leaves no gap. Then the projected lag of what is waiting decides,
in order of preference:

1. speak faster: from EASE of ``max_lag`` on the rate rises with the projection, reaching ``max_rate`` at
   ``max_lag`` (a lag caught early costs a little speed for a while, one caught late much speed at once), and
   it is always at least the rate that keeps the projection within ``max_lag``;
2. when even ``max_rate`` cannot keep it within ``max_lag``, merge queued segments of the next sentences too;
3. only when even that is projected past ``hard_lag``, drop the oldest queued segments until it is not (their
   captions are still written; each drop is reported with its id).

The rate goes back to normal once the projection is within EASE of ``max_lag`` again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from runner.config.simultaneous import SimultaneousConfig
from runner.events import Utterance

DEFAULTS = SimultaneousConfig()  # the defaults are the config's, written once

LEARNING_RATE = 0.3  # weight of the newest observation in the running estimates
INITIAL_SECONDS_PER_CHAR = 0.075  # speech per character of source text, before any has been measured
INITIAL_FIRST_AUDIO = 0.5  # seconds from taking a segment to its first audio, before any has been measured
MARGIN = 0.1  # the next segment is taken this long before it is needed, besides its expected first-audio time
REQUEST_GAP = 0.15  # silence a separate request leaves between segments (what merging saves)
MERGE_CHARS = 600  # the most source text merged into one request
EASE = 0.5  # of max_lag: past this projected lag a target starts to speak faster


@dataclass(frozen=True)
class LagSettings:
    max_lag: float = DEFAULTS.max_lag
    hard_lag: float = DEFAULTS.hard_lag
    max_rate: float = DEFAULTS.max_rate


@dataclass(frozen=True)
class Decision:
    """What the stage does with the segment at the head of its lane and those queued behind it."""

    speak: list[Utterance]  # in order: one segment, or several to merge into one request
    rate: float
    dropped: list[Utterance]
    projected: float  # the lag expected when what is spoken has been heard


def said_at(utterance: Utterance) -> float:
    return utterance.said_at if utterance.said_at is not None else utterance.final_at


def merged(items: list[Utterance]) -> Utterance:
    """One utterance speaking several segments, in order: ids joined with '+', the span of all of them."""
    if len(items) == 1:
        return items[0]
    first, last = items[0], items[-1]
    return Utterance("+".join(u.id for u in items), first.seq, " ".join(u.text for u in items), first.start,
                     last.end, last.final_at, first.language, last.said_at)


class LagControl:
    def __init__(self, settings: LagSettings, clock: Callable[[], float]) -> None:
        self.settings = settings
        self.clock = clock
        self.playout_end = 0.0  # session seconds at which the audio written so far will have been played
        self.seconds_per_char = INITIAL_SECONDS_PER_CHAR
        self.first_audio = INITIAL_FIRST_AUDIO
        self.lag: float | None = None  # of the last segment heard
        self.rate = 1.0
        self._taken_at = 0.0

    def due_in(self) -> float:
        """Seconds to wait before taking the next segment: until shortly before the audio in front ends."""
        return max(0.0, self.playout_end - self.clock() - self.first_audio - MARGIN)

    def projected(self, items: list[Utterance], rate: float, *, merge: bool) -> float:
        """The worst lag among ``items`` once heard, spoken from now at ``rate`` (merged: as one request)."""
        now = self.clock()
        end = max(now + self.first_audio, self.playout_end)
        worst = 0.0
        for i, item in enumerate(items):
            if i and not merge:
                end += REQUEST_GAP
            end += len(item.text) * self.seconds_per_char / rate
            worst = max(worst, end - said_at(item))
        return worst

    def decide(self, head: Utterance, queued: list[Utterance]) -> Decision:
        s = self.settings
        self._taken_at = self.clock()
        items = [head, *queued]
        dropped: list[Utterance] = []
        while len(items) > 1 and self.projected(items, s.max_rate, merge=True) > s.hard_lag:
            dropped.append(items.pop(0))
        sentence = self._mergeable(items, one_utterance=True)
        if self.projected(items, s.max_rate, merge=False) <= s.max_lag or len(items) == len(sentence):
            # The rest of the head's sentence that is already waiting goes with it, as one request: more context
            # for the translation and no gap, and it would be spoken next anyway. Other sentences wait.
            speak, merge = sentence, True
            rate = self._rate_for(items, merge=False)
        else:
            speak, merge = self._mergeable(items), True
            rate = self._rate_for(speak, merge=True)
        self.rate = rate
        return Decision(speak, rate, dropped, self.projected(speak, rate, merge=merge))

    @staticmethod
    def _mergeable(items: list[Utterance], *, one_utterance: bool = False) -> list[Utterance]:
        """The head and the segments right behind it, up to MERGE_CHARS of text (``one_utterance``: only those
        of the head's utterance)."""
        out, chars = [items[0]], len(items[0].text)
        for item in items[1:]:
            chars += len(item.text) + 1
            if chars > MERGE_CHARS or (one_utterance and item.seq != items[0].seq):
                break
            out.append(item)
        return out

    def _rate_for(self, items: list[Utterance], *, merge: bool) -> float:
        """The rate (1 to max_rate) for ``items``: normal while their projected lag is within EASE of max_lag;
        past that, rising with the projection, to max_rate at max_lag (a lag caught early costs a little speed
        for a while, one caught late much speed at once); and at least the rate that keeps them within max_lag."""
        s = self.settings
        at_normal = self.projected(items, 1.0, merge=merge)
        ease = EASE * s.max_lag
        if at_normal <= ease:
            return 1.0
        ramp = 1.0 + (s.max_rate - 1.0) * min(1.0, (at_normal - ease) / (s.max_lag - ease))
        return round(max(ramp, self._rate_within(items, merge=merge)), 3)

    def _rate_within(self, items: list[Utterance], *, merge: bool) -> float:
        """The slowest rate (1 to max_rate) at which ``items`` are projected within max_lag."""
        s = self.settings
        if self.projected(items, 1.0, merge=merge) <= s.max_lag:
            return 1.0
        if self.projected(items, s.max_rate, merge=merge) > s.max_lag:
            return s.max_rate
        low, high = 1.0, s.max_rate
        for _ in range(12):
            middle = (low + high) / 2
            low, high = (low, middle) if self.projected(items, middle, merge=merge) <= s.max_lag else (middle, high)
        return round(high, 3)

    def spoken(self, utterance: Utterance, first_audio_at: float | None, seconds: float | None) -> float | None:
        """An utterance was synthesized: its audio plays after what was before it. Learns from it; its lag."""
        if first_audio_at is None or not seconds:
            return self.lag
        start = max(first_audio_at, self.playout_end)
        self.playout_end = start + seconds
        if utterance.text:
            measured = seconds * self.rate / len(utterance.text)
            self.seconds_per_char += LEARNING_RATE * (measured - self.seconds_per_char)
        self.first_audio += LEARNING_RATE * (max(0.0, first_audio_at - self._taken_at) - self.first_audio)
        self.lag = self.playout_end - said_at(utterance)
        return self.lag
