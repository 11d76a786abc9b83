"""One timeline per language: the translated speech placed on the output clock, with its captions, for the
broadcast outputs (the listener page, HLS, Icecast) to read.

The output clock is the session's stream clock (seconds since the session started, the clock captions use):
for a live source it runs with the wall clock, for a recording read as fast as possible it is the source's own
time. An utterance's speech is placed where the clock is when its first audio arrives (live), or where the
speaker finished it (a recording read faster than real time, so a replay sounds as a live run would), and never
before the end of the speech placed before it: speech that runs long pushes the next one later, and the lag
(how far the speech is behind the clock) is reported. Between utterances the timeline is silent.

Captions are timed on the same clock, sentence by sentence, from the first to the last sample of each
sentence's speech, so that captions and audio agree in every output.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from runner.events import (
    SOURCE_SCOPE,
    AudioEvent,
    AudioRetractedEvent,
    Event,
    SpokenEvent,
    TranscriptEvent,
    TranslationEvent,
)
from runner.io.decode import PcmConverter
from runner.text import sentences

RATE = 16000  # every timeline's PCM: 16-bit mono at 16 kHz (speech quality; what every output encodes from)
HISTORY_SECONDS = 120.0  # audio kept behind the clock for readers that are late (a segmenter, a reconnect)
MAX_BEHIND_SECONDS = 3.0  # speech a reader may fall behind before it is moved to the live edge
MAX_BEHIND_ITEMS = 1000
PENDING_TEXTS = 64  # translations waiting for their first audio (more: the oldest failed to be spoken)
READING_SECONDS_PER_CHARACTER = 0.06  # a caption without speech stays up as long as it takes to read
MAX_READING_SECONDS = 6.0


@dataclass(frozen=True)
class Chunk:
    """Speech placed on a timeline: ``pcm`` starts at ``position`` (seconds on the output clock)."""

    utterance: str
    sentence: int
    position: float
    pcm: bytes
    placed_at: float = field(default_factory=time.time)  # wall clock when it was placed (delivery lag is from here)

    @property
    def end(self) -> float:
        return self.position + len(self.pcm) / 2 / RATE


@dataclass(frozen=True)
class Caption:
    """The text of one sentence (or, for the source, one utterance), on the output clock."""

    utterance: str
    sentence: int
    text: str
    start: float
    end: float | None = None  # None while it is still being spoken
    spoken: bool = True  # False: text whose speech was dropped (simultaneous mode), shown where it would have been


@dataclass(frozen=True)
class Retraction:
    """The audio of a sentence placed so far is void (its synthesis failed part-way and starts again)."""

    utterance: str
    sentence: int


@dataclass(frozen=True)
class Ended:
    """The broadcast is over: nothing more will be placed."""


Item = Chunk | Caption | Retraction | Ended


class Subscription:
    """A reader's own bounded queue of what a timeline places. A reader that falls more than MAX_BEHIND_SECONDS
    of speech (or MAX_BEHIND_ITEMS items) behind loses what it had not read and continues at the live edge
    (``skipped`` counts how often): a listener who stops reading never holds more than that."""

    def __init__(self, timeline: LanguageTimeline, audio: bool = True, ready: asyncio.Event | None = None) -> None:
        self.timeline = timeline
        self.audio = audio  # False: captions, retractions and the end only (a reader with its own audio)
        self.queue: deque[Item] = deque()
        self.skipped = 0
        self._audio_bytes = 0
        self._ready = ready if ready is not None else asyncio.Event()

    def push(self, item: Item) -> None:
        if not self.audio and isinstance(item, Chunk):
            return
        if len(self.queue) >= MAX_BEHIND_ITEMS or self._audio_bytes > MAX_BEHIND_SECONDS * RATE * 2:
            self.queue.clear()
            self._audio_bytes = 0
            self.skipped += 1
        self.queue.append(item)
        if isinstance(item, Chunk):
            self._audio_bytes += len(item.pcm)
        self._ready.set()

    def pop(self) -> Item:
        item = self.queue.popleft()
        if isinstance(item, Chunk):
            self._audio_bytes -= len(item.pcm)
        return item

    async def wait(self) -> None:
        """Until there is something to read."""
        while not self.queue:
            self._ready.clear()
            await self._ready.wait()

    async def next(self) -> Item:
        await self.wait()
        return self.pop()

    def close(self) -> None:
        self.timeline.unsubscribe(self)


@dataclass
class _Speaking:
    """The utterance whose speech is being placed."""

    id: str
    start: float
    cursor: float  # where its next sample goes
    texts: list[str]
    sentence: int = -1
    sentence_start: float = 0.0


class LanguageTimeline:
    def __init__(self, label: str, language: str, clock: Callable[[], float], live: bool,
                 on_listeners: Callable[[str, int], None] | None = None) -> None:
        self.label = label
        self.on_listeners = on_listeners  # told how many read it, when that changes
        self.language = language
        self.clock = clock
        self.live = live
        self.last_end = 0.0  # where the speech placed so far ends
        self.lag = 0.0  # how far the latest speech started after the clock: speech running long, or slow engines
        self.chunks: deque[Chunk] = deque()
        self.captions: deque[Caption] = deque()
        self.ended = False
        self._subscribers: list[Subscription] = []
        self._speaking: _Speaking | None = None
        self._texts: dict[str, list[str]] = {}
        self._converter: PcmConverter | None = None
        self._converter_key: tuple[str, int] | None = None

    # -- fed by the target's events ------------------------------------------------------------------------
    def observe(self, event: Event) -> None:
        if isinstance(event, TranscriptEvent):  # the source's timeline: its finals, where they were said
            if event.final and event.text:
                self._publish(Caption(event.utterance_id, 0, event.text, event.start, event.end))
                self._prune()
        elif isinstance(event, TranslationEvent):
            if not event.spoken:
                self._caption_only(event)
                return
            self._texts[event.utterance.id] = sentences(event.text, self.language)
            while len(self._texts) > PENDING_TEXTS:  # texts whose speech failed: nothing will claim them
                del self._texts[next(iter(self._texts))]
        elif isinstance(event, AudioEvent):
            self._audio(event)
        elif isinstance(event, AudioRetractedEvent):
            self._retract(event.utterance.id, event.sentence)
        elif isinstance(event, SpokenEvent):
            self._finish(event.utterance.id)

    def _caption_only(self, event: TranslationEvent) -> None:
        """Dropped speech: its caption where it would have been heard, for as long as it takes to read."""
        anchor = self.clock() if self.live else event.utterance.end
        start = max(anchor, self.last_end)
        self._publish(Caption(event.utterance.id, 0, event.text, start,
                              start + min(MAX_READING_SECONDS, READING_SECONDS_PER_CHARACTER * len(event.text)),
                              spoken=False))

    def _audio(self, event: AudioEvent) -> None:
        utterance = event.utterance
        key = (utterance.id, event.sentence)
        if self._converter is None or self._converter_key != key:
            self._flush_converter()
            self._converter = PcmConverter(event.format, RATE)
            self._converter_key = key
        pcm = self._converter.push(event.data)
        if pcm:
            self._place(utterance.id, utterance.end, event.sentence, pcm)

    def _flush_converter(self) -> None:
        if self._converter is not None and self._converter_key is not None:
            tail = self._converter.flush()
            if tail and self._speaking is not None and self._speaking.id == self._converter_key[0]:
                self._place(self._converter_key[0], 0.0, self._converter_key[1], tail)
        self._converter = self._converter_key = None

    def _place(self, utterance: str, spoken_end: float, sentence: int, pcm: bytes) -> None:
        speaking = self._speaking
        if speaking is None or speaking.id != utterance:
            anchor = self.clock() if self.live else spoken_end
            start = max(anchor, self.last_end)
            self.lag = max(0.0, start - anchor)
            speaking = self._speaking = _Speaking(utterance, start, start, self._texts.pop(utterance, []))
        if sentence != speaking.sentence:
            self._close_caption(speaking)
            speaking.sentence, speaking.sentence_start = sentence, speaking.cursor
            text = speaking.texts[sentence] if sentence < len(speaking.texts) else ""
            if text:
                self._publish(Caption(utterance, sentence, text, speaking.cursor))
        if self.live and speaking.cursor < self.clock():
            # Synthesis slower than real time: what is already past has been heard (and segmented) as silence.
            speaking.cursor = self.clock()
        chunk = Chunk(utterance, sentence, speaking.cursor, pcm)
        speaking.cursor = chunk.end
        self.last_end = max(self.last_end, chunk.end)
        self.chunks.append(chunk)
        self._publish(chunk)
        self._prune()

    def _close_caption(self, speaking: _Speaking) -> None:
        """Give the sentence being spoken its end, now that it is known."""
        if speaking.sentence < 0:
            return
        for i in range(len(self.captions) - 1, -1, -1):
            c = self.captions[i]
            if c.utterance == speaking.id and c.sentence == speaking.sentence and c.end is None:
                self.captions[i] = closed = Caption(c.utterance, c.sentence, c.text, c.start, speaking.cursor)
                for subscriber in self._subscribers:  # readers learn its end: the same caption, with it
                    subscriber.push(closed)
                break

    def _retract(self, utterance: str, sentence: int) -> None:
        self._converter = self._converter_key = None
        speaking = self._speaking
        if speaking is None or speaking.id != utterance or speaking.sentence != sentence:
            return
        while self.chunks and self.chunks[-1].utterance == utterance and self.chunks[-1].sentence == sentence:
            self.chunks.pop()
        while self.captions and self.captions[-1].utterance == utterance and self.captions[-1].sentence == sentence:
            self.captions.pop()
        speaking.cursor = speaking.sentence_start
        speaking.sentence = -1
        self.last_end = max((c.end for c in self.chunks), default=speaking.start)
        self._publish(Retraction(utterance, sentence))

    def _finish(self, utterance: str) -> None:
        self._flush_converter()
        speaking = self._speaking
        if speaking is not None and speaking.id == utterance:
            self._close_caption(speaking)
            self._speaking = None

    def end(self) -> None:
        """No more speech: readers get what is placed, then Ended."""
        if self._speaking is not None:
            self._finish(self._speaking.id)
        self.ended = True
        self._publish(Ended())

    # -- read by the outputs -----------------------------------------------------------------------------
    def subscribe(self, audio: bool = True, ready: asyncio.Event | None = None) -> Subscription:
        """Everything placed from now on (the live edge); without its audio if ``audio`` is False. A caption
        comes twice: when its sentence starts (``end`` None) and again when its end is known. ``ready`` is set
        whenever something comes: a reader of several queues passes the same event to each, and waits on one."""
        subscription = Subscription(self, audio, ready)
        self._subscribers.append(subscription)
        if self.ended:
            subscription.push(Ended())
        self._count()
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        if subscription in self._subscribers:
            self._subscribers.remove(subscription)
            self._count()

    def _count(self) -> None:
        if self.on_listeners is not None:
            self.on_listeners(self.label, len(self._subscribers))

    @property
    def listeners(self) -> int:
        return len(self._subscribers)

    def read(self, start: float, end: float) -> bytes:
        """The timeline's audio from ``start`` to ``end`` (seconds): speech where it was placed, silence
        elsewhere. Exact to the sample: consecutive reads join without a gap or an overlap."""
        first, last = round(start * RATE), round(end * RATE)
        out = np.zeros(max(0, last - first), dtype="<i2")
        for chunk in self.chunks:
            c_first = round(chunk.position * RATE)
            samples = np.frombuffer(chunk.pcm, dtype="<i2")
            c_last = c_first + len(samples)
            lo, hi = max(first, c_first), min(last, c_last)
            if lo < hi:
                out[lo - first:hi - first] = samples[lo - c_first:hi - c_first]
        return out.tobytes()

    def captions_between(self, start: float, end: float) -> list[Caption]:
        """Captions that overlap [start, end) (an unfinished one ends where the speech placed so far does)."""
        out = []
        for c in self.captions:
            c_end = c.end if c.end is not None else self.last_end
            if c.start < end and c_end > start:
                out.append(c)
        return out

    def _publish(self, item: Item) -> None:
        if isinstance(item, Caption):
            self.captions.append(item)
        for subscriber in self._subscribers:
            subscriber.push(item)

    def _prune(self) -> None:
        horizon = min(self.clock(), self.last_end) - HISTORY_SECONDS
        while self.chunks and self.chunks[0].end < horizon:
            self.chunks.popleft()
        while self.captions and self.captions[0].end is not None and self.captions[0].end < horizon:
            self.captions.popleft()


@dataclass
class Broadcast:
    """Every target's timeline, and the source's (its transcript, no audio), on one clock."""

    clock: Callable[[], float]
    live: bool
    source_language: str
    settled: Callable[[], float] | None = None  # up to where no speech can be placed any more (default: clock)
    on_listeners: Callable[[str, int], None] | None = None
    timelines: dict[str, LanguageTimeline] = field(default_factory=dict)
    source: LanguageTimeline = field(init=False)

    def __post_init__(self) -> None:
        self.source = LanguageTimeline(SOURCE_SCOPE, self.source_language, self.clock, self.live)

    def add(self, label: str, language: str) -> LanguageTimeline:
        timeline = LanguageTimeline(label, language, self.clock, self.live, self._listeners_changed)
        self.timelines[label] = timeline
        return timeline

    def _listeners_changed(self, label: str, count: int) -> None:
        if self.on_listeners is not None:
            self.on_listeners(label, count)

    def settled_until(self) -> float:
        """Up to where every timeline is final: no speech will be placed before it (live: the clock; a
        recording read fast: where the earliest speech still to come can go). Segmenters cut up to here."""
        if self.ended:
            return max(self.last_end, self.clock() if self.live else self.last_end)
        if self.live:  # live speech is placed at the clock or later, never before it
            return self.clock()
        return self.settled() if self.settled is not None else self.clock()

    @property
    def ended(self) -> bool:
        return all(t.ended for t in self.timelines.values())

    def observe(self, event: Event) -> None:
        """A router observer: every event of the session, routed to its language's timeline."""
        timeline = self.timelines.get(event.scope) or (self.source if event.scope == SOURCE_SCOPE else None)
        if timeline is not None:
            timeline.observe(event)

    def now(self) -> float:
        return self.clock()

    def end(self) -> None:
        for timeline in (*self.timelines.values(), self.source):
            timeline.end()

    @property
    def last_end(self) -> float:
        """Where the last speech of any language ends (a finished broadcast's length)."""
        return max((t.last_end for t in self.timelines.values()), default=0.0)

    def listeners(self) -> dict[str, int]:
        return {label: t.listeners for label, t in self.timelines.items()}
