"""One timeline per language: speech placed on the output clock, silence between, captions on the same clock."""

from __future__ import annotations

import asyncio
from collections import deque

import numpy as np
import pytest

from runner.events import AudioEvent, AudioRetractedEvent, SpokenEvent, TranscriptEvent, TranslationEvent, Utterance
from runner.frames import AudioFormat
from runner.runtime import broadcast as b
from runner.runtime.broadcast import RATE, Broadcast, Caption, Chunk, Ended

PCM16 = AudioFormat("pcm", 16000)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def tone(seconds: float, rate: int = 16000) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * 440 * t) * 32767).astype("<i2").tobytes()


def speak(cast: Broadcast, label: str, uid: str, text: str, seconds: list[float], *, end: float = 0.0,
          fmt: AudioFormat = PCM16) -> None:
    """An utterance's events as a target emits them: its translation, one chunk per sentence, done."""
    u = Utterance(uid, 0, text, 0.0, end, 0.0)
    cast.observe(TranslationEvent(scope=label, at=0.0, utterance=u, text=text))
    for i, s in enumerate(seconds):
        cast.observe(AudioEvent(scope=label, at=0.0, utterance=u, data=tone(s, fmt.sample_rate), format=fmt,
                                first=i == 0, sentence=i))
    cast.observe(SpokenEvent(scope=label, at=0.0, utterance=u, bytes=0, seconds=None, first_audio_at=None))


def test_live_speech_is_placed_at_the_clock_and_long_speech_pushes_the_next():
    clock = Clock()
    cast = Broadcast(clock, live=True, source_language="en-US")
    es = cast.add("es", "es")
    clock.now = 2.0
    speak(cast, "es", "u0001", "Hola a todos. Bienvenidos.", [1.0, 1.5])  # 2.5 s of speech from 2.0
    clock.now = 3.0  # the next utterance is ready while the first is still being heard
    speak(cast, "es", "u0002", "Segunda frase.", [1.0])
    assert [round(c.position, 3) for c in es.chunks] == [2.0, 3.0, 4.5]
    assert es.lag == pytest.approx(1.5)  # it had to wait for the first to finish
    assert [(c.text, round(c.start, 3), round(c.end or 0, 3)) for c in es.captions] == [
        ("Hola a todos.", 2.0, 3.0), ("Bienvenidos.", 3.0, 4.5), ("Segunda frase.", 4.5, 5.5)]


def test_a_recording_read_fast_places_speech_where_the_speaker_finished():
    clock = Clock()
    cast = Broadcast(clock, live=False, source_language="en-US")
    de = cast.add("de", "de")
    clock.now = 30.0  # the source ran far ahead
    speak(cast, "de", "u0001", "Guten Morgen.", [1.0], end=4.2)
    speak(cast, "de", "u0002", "Willkommen.", [0.5], end=4.8)  # its speaker finished before the first's speech did
    assert [round(c.position, 3) for c in de.chunks] == [4.2, 5.2]


def test_live_audio_is_settled_up_to_the_clock_whatever_is_still_being_translated():
    """Live speech is never placed before the clock: a stream can go on to the clock between utterances,
    while the session's bound for recordings (the last final, the oldest utterance in flight) stays behind."""
    clock = Clock()
    live = Broadcast(clock, live=True, source_language="en-US", settled=lambda: 0.9)
    fast = Broadcast(clock, live=False, source_language="en-US", settled=lambda: 0.9)
    live.add("es", "es")
    fast.add("es", "es")
    clock.now = 2.5
    assert live.settled_until() == 2.5 and fast.settled_until() == 0.9


def test_read_is_speech_where_placed_and_silence_elsewhere_without_gaps_between_reads():
    clock = Clock()
    cast = Broadcast(clock, live=True, source_language="en-US")
    es = cast.add("es", "es")
    clock.now = 1.0
    speak(cast, "es", "u0001", "Hola.", [0.5])
    whole = es.read(0.0, 3.0)
    parts = b"".join(es.read(t / 10, (t + 1) / 10) for t in range(30))
    assert whole == parts and len(whole) == 3 * RATE * 2
    samples = np.frombuffer(whole, dtype="<i2")
    assert not samples[: RATE].any() and samples[RATE: int(1.5 * RATE)].any() and not samples[int(1.5 * RATE):].any()


def test_mp3_speech_is_decoded_onto_the_timeline():
    from polyglot_emulator.backend import encode

    clock = Clock()
    cast = Broadcast(clock, live=True, source_language="en-US")
    de = cast.add("de", "de")
    mp3 = encode(tone(1.0), 16000, "mp3", 24000)
    u = Utterance("u0001", 0, "x", 0.0, 1.0, 0.0)
    cast.observe(TranslationEvent(scope="de", at=0.0, utterance=u, text="Hallo."))
    for i in range(0, len(mp3), 500):
        cast.observe(AudioEvent(scope="de", at=0.0, utterance=u, data=mp3[i:i + 500],
                                format=AudioFormat("mp3", 24000), first=i == 0, sentence=0))
    cast.observe(SpokenEvent(scope="de", at=0.0, utterance=u, bytes=0, seconds=None, first_audio_at=None))
    assert abs(de.last_end - 1.0) < 0.1  # an mp3 frame of padding at most
    spectrum = np.abs(np.fft.rfft(np.frombuffer(de.read(0.0, 1.0), dtype="<i2")))
    assert abs(np.argmax(spectrum) - 440) < 3


def test_a_retracted_sentence_is_taken_off_and_spoken_again_in_its_place():
    clock = Clock()
    cast = Broadcast(clock, live=True, source_language="en-US")
    es = cast.add("es", "es")
    listener = es.subscribe()
    u = Utterance("u0001", 0, "x", 0.0, 1.0, 0.0)
    cast.observe(TranslationEvent(scope="es", at=0.0, utterance=u, text="Hola."))
    cast.observe(AudioEvent(scope="es", at=0.0, utterance=u, data=tone(0.3), format=PCM16, first=True))
    cast.observe(AudioRetractedEvent(scope="es", at=0.0, utterance=u, sentence=0))
    cast.observe(AudioEvent(scope="es", at=0.0, utterance=u, data=tone(1.0), format=PCM16, first=True))
    cast.observe(SpokenEvent(scope="es", at=0.0, utterance=u, bytes=0, seconds=None, first_audio_at=None))
    assert [(round(c.position, 3), len(c.pcm)) for c in es.chunks] == [(0.0, RATE * 2)]
    assert [(c.text, c.start, c.end) for c in es.captions] == [("Hola.", 0.0, 1.0)]
    kinds = [type(listener.pop()).__name__ for _ in range(len(listener.queue))]
    assert kinds == ["Caption", "Chunk", "Retraction", "Caption", "Chunk", "Caption"]  # the last: with its end
    assert listener.queue == deque() and es.captions[-1].end == 1.0


def test_a_reader_without_audio_gets_captions_with_their_ends_and_no_chunks():
    cast = Broadcast(Clock(), live=True, source_language="en-US")
    es = cast.add("es", "es")
    reader = es.subscribe(audio=False)
    speak(cast, "es", "u0001", "Hola. Adiós.", [0.2, 0.3])
    items = [reader.pop() for _ in range(len(reader.queue))]
    assert not any(isinstance(i, Chunk) for i in items)
    assert [(i.text, i.start, None if i.end is None else round(i.end, 3)) for i in items] == [
        ("Hola.", 0.0, None), ("Hola.", 0.0, 0.2), ("Adiós.", 0.2, None), ("Adiós.", 0.2, 0.5)]


def test_a_listener_that_stops_reading_is_moved_to_the_live_edge_and_holds_little(monkeypatch):
    clock = Clock()
    cast = Broadcast(clock, live=True, source_language="en-US")
    es = cast.add("es", "es")
    reader = es.subscribe()
    for n in range(60):  # a minute of speech that nobody reads
        clock.now = float(n)
        speak(cast, "es", f"u{n:04d}", "Una frase.", [1.0])
    held = sum(len(i.pcm) for i in reader.queue if isinstance(i, Chunk))
    assert held <= b.MAX_BEHIND_SECONDS * RATE * 2 + RATE * 2
    assert reader.skipped >= 10


def test_listeners_are_counted_per_language():
    counts = {}
    cast = Broadcast(Clock(), live=True, source_language="en-US", on_listeners=counts.__setitem__)
    es, de = cast.add("es", "es"), cast.add("de", "de")
    first = es.subscribe()
    es.subscribe(), de.subscribe()
    assert counts == {"es": 2, "de": 1}
    first.close()
    assert counts == {"es": 1, "de": 1} and cast.listeners() == {"es": 1, "de": 1}


def test_the_end_reaches_every_reader_after_what_was_placed():
    cast = Broadcast(Clock(), live=True, source_language="en-US")
    es = cast.add("es", "es")
    reader = es.subscribe()
    speak(cast, "es", "u0001", "Hola.", [0.2])
    cast.observe(TranscriptEvent(scope="source", at=0.0, utterance_id="u0001", text="hello", final=True, start=0.1,
                                 end=0.5))
    cast.end()

    async def drain():
        return [await reader.next() for _ in range(4)]

    items = asyncio.run(drain())
    assert isinstance(items[0], Caption) and isinstance(items[1], Chunk) and isinstance(items[3], Ended)
    assert isinstance(items[2], Caption) and items[2].end == pytest.approx(0.2)  # its end, once known
    assert [c.text for c in cast.source.captions] == ["hello"]


def test_dropped_speech_is_captioned_where_it_would_have_been_heard():
    clock = Clock()
    cast = Broadcast(clock, live=True, source_language="en-US")
    es = cast.add("es", "es")
    clock.now = 2.0
    speak(cast, "es", "u0001.1", "Hola a todos.", [1.5])  # heard from 2.0 to 3.5
    clock.now = 2.5  # simultaneous mode dropped the next segments to catch up: their text only
    dropped = Utterance("u0001.2+u0001.3", 0, "and welcome", 0.0, 1.0, 2.5)
    cast.observe(TranslationEvent(scope="es", at=2.5, utterance=dropped, text="y bienvenidos", spoken=False))
    caption = es.captions[-1]
    assert (caption.utterance, caption.text, caption.spoken) == ("u0001.2+u0001.3", "y bienvenidos", False)
    assert caption.start == pytest.approx(3.5) and caption.end is not None and caption.end > caption.start
    speak(cast, "es", "u0001.4", "Segunda frase.", [1.0])  # what is spoken next is still placed as before
    assert [round(c.position, 3) for c in es.chunks] == [2.0, 3.5]
    assert es.captions[-1].text == "Segunda frase." and es.captions[-1].spoken


def test_translations_never_spoken_are_not_kept_for_ever():
    cast = Broadcast(Clock(), live=True, source_language="en-US")
    es = cast.add("es", "es")
    for n in range(b.PENDING_TEXTS * 3):  # translated, then the voice failed: no audio ever claims them
        u = Utterance(f"u{n:04d}", n, "x", 0.0, 1.0, 0.0)
        cast.observe(TranslationEvent(scope="es", at=0.0, utterance=u, text="y"))
    assert len(es._texts) == b.PENDING_TEXTS
