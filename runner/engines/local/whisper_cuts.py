"""Where to cut an utterance that has gone on for ``max_utterance`` with no pause long enough to end it.

Cutting at a fixed length splits whatever word is being said there: one half ends the utterance, the other begins
the next, and Whisper mishears both (or drops them). So the cut goes, in order of preference:

1. at the speaker's longest pause in the second half of the utterance (a tenth of a second or more the VAD heard
   as no speech: a breath between clauses), so the utterance ends where a clause does;
2. else between the last two words Whisper heard complete, at the quietest chunk between them (its word timings
   place the gap; the VAD finds where in it the voice is lowest). The words after it are not kept. Whisper's word
   timings are a few hundredths of a second off, so the next utterance begins OVERLAP before the cut: a word the
   cut went into is heard whole there, and what of that utterance Whisper places before the cut (or repeats as
   the first word) is dropped from it as the last utterance's.

Pure functions over sample positions; no model here.
"""

from __future__ import annotations

import dataclasses

from runner.engines.local.whisper_decode import SAMPLE_RATE, Decoded
from runner.engines.local.whisper_vad import CHUNK

OVERLAP = 0.5  # seconds of audio before a cut between words that the next utterance hears again
REPEATS = 3  # words at the start of the utterance after a cut compared with those before it
TAIL = 0.5  # seconds: a word ending this close to the end of the audio may be cut short; it is heard again
PAUSE_CHUNKS = 3  # chunks of no speech (96 ms) that make a pause; one or two are a stop consonant inside a word
SLACK = 0.05  # seconds around a gap between words where the quietest chunk may be


def pause(probabilities: list[tuple[int, float]], after: int, threshold: float) -> int | None:
    """The sample in the middle of the longest run of chunks heard as no speech from sample ``after`` on (the
    latest of equally long runs: the utterance keeps more); None when the speaker did not pause there."""
    best: tuple[int, int] | None = None
    run: tuple[int, int] | None = None
    for sample, probability in probabilities:
        if sample < after:
            continue
        if probability < threshold:
            run = (run[0] if run else sample, sample + CHUNK)
            if run[1] - run[0] >= PAUSE_CHUNKS * CHUNK and (best is None or run[1] - run[0] >= best[1] - best[0]):
                best = run
        else:
            run = None
    return None if best is None else (best[0] + best[1]) // 2


def between_words(decoded: Decoded, begin: int, length: int,
                  probabilities: list[tuple[int, float]]) -> tuple[Decoded, int]:
    """What of ``decoded`` (the utterance from sample ``begin``, ``length`` samples, decoded with word timings)
    to keep, and the sample to cut at: after the last word that ends TAIL before the end of the audio and has a
    word after it. Without such a word there is nothing better than the end of the audio."""
    words = decoded.words
    limit = length / SAMPLE_RATE - TAIL
    spaced = any(w.raw[:1].isspace() for w in words)  # else a language written without spaces: any boundary
    last = next((i for i in range(len(words) - 2, -1, -1) if words[i].end <= limit
                 and (not spaced or words[i + 1].raw[:1].isspace())), None)  # ("ill-|disposed" is one word)
    if last is None:
        return decoded, begin + length
    gap_from, gap_to = words[last].end, max(words[last].end, words[last + 1].start)
    low = begin + int((gap_from - SLACK) * SAMPLE_RATE)
    high = begin + int((gap_to + SLACK) * SAMPLE_RATE)
    inside = [(p, s) for s, p in probabilities if low <= s + CHUNK // 2 <= high]
    at = min(inside)[1] + CHUNK // 2 if inside else begin + int((gap_from + gap_to) / 2 * SAMPLE_RATE)
    kept = words[:last + 1]
    text = "".join(w.raw or f" {w.text}" for w in kept).strip()
    return dataclasses.replace(decoded, text=text, words=kept), max(begin + 1, min(begin + length, at))


def after(decoded: Decoded, cut: float, said: tuple[str, ...]) -> Decoded:
    """``decoded`` (audio that begins OVERLAP before a cut between words, at ``cut`` seconds into it) without what
    the utterance before the cut already said (its last words, ``said``): the words that end before the cut, and
    first words that repeat the end of ``said``. A word across the cut that is not a repeat is kept: heard twice
    is better than lost. Without word timings there is nothing to go by: kept whole."""
    if not decoded.words:
        return decoded
    kept = [w for w in decoded.words if w.end > cut]
    plain = [_plain(w) for w in said]
    for n in range(min(REPEATS, len(kept), len(plain)), 0, -1):
        if [_plain(w.text) for w in kept[:n]] == plain[-n:] and kept[n - 1].start < cut + TAIL:
            kept = kept[n:]
            break
    text = "".join(w.raw or f" {w.text}" for w in kept).strip()
    return dataclasses.replace(decoded, text=text, words=tuple(kept))


def _plain(word: str) -> str:
    return "".join(c for c in word.casefold() if c.isalnum())
