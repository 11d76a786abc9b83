"""Simultaneous mode's segmenter: cut an utterance into segments while it is still being said.

Only the *stable prefix* of a partial is ever cut: the words the engine marks stable (Transcribe's partial results
stabilization, ``Transcript.stable``), or, for engines that say nothing (pocketsphinx, Whisper-style re-decoding,
the fake recognizer), the words on which the last ``agreement`` partials agree. A segment ends where that prefix
completes a clause or a sentence (a word ending in punctuation), or, without punctuation, after ``min_words``
stable words followed by a pause of ``pause`` seconds (no new word while the audio went on), or once
``max_words`` stable words wait without either.

Words are counted by position in the utterance: a segment is the words from where the last one ended up to its
cut, and the final adds the words after the last cut. So no position is spoken twice and none is skipped; when the
stable words are the final's (what stability promises), the segments put together are exactly the final.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from runner.config.simultaneous import SimultaneousConfig
from runner.frames import Transcript

DEFAULTS = SimultaneousConfig()  # the defaults are the config's, written once

CLAUSE_END = (",", ";", ":", ".", "?", "!", "…", "。", "，", "？", "！", "、")
MIN_CLAUSE_WORDS = 3  # a clause shorter than this waits for more ("Well," alone translates badly)


@dataclass(frozen=True)
class SegmenterSettings:
    min_words: int = DEFAULTS.min_words
    pause: float = DEFAULTS.pause
    agreement: int = DEFAULTS.agreement
    max_words: int = DEFAULTS.max_words


@dataclass(frozen=True)
class Segment:
    seq: int  # the utterance's (the transcript's seq)
    part: int  # 1, 2, ... within the utterance
    text: str
    start: float  # stream seconds where its first word began (estimated from the partial's span)
    end: float  # and where its last word ended
    first_word: int  # position of its first word in the utterance
    words: int
    last: bool  # the final's remainder: nothing of this utterance comes after it


@dataclass
class _Utterance:
    seq: int
    spoken: int = 0  # words of the utterance already cut into segments
    parts: int = 0
    spoken_until: float | None = None  # stream time where the last segment ended
    recent: list[list[str]] = field(default_factory=list)  # the last partials' words, normalized
    heard_words: int = 0  # most words a partial has had
    grew_at: float = 0.0  # stream time of the partial where the word count last grew


def normalized(word: str) -> str:
    """A word as agreement compares it: case and surrounding punctuation do not count ("World," == "world")."""
    return word.strip(".,;:?!…\"'()[]¡¿。，？！、").casefold()


def words_of(text: str) -> list[str]:
    return [w for w in text.split() if w != "…"]  # "…" alone is the sign of speech, no word


class Segmenter:
    """Feed it every transcript of the speaker, in order; it returns the segments ready to translate."""

    def __init__(self, settings: SegmenterSettings = SegmenterSettings()) -> None:
        self.settings = settings
        self._current: _Utterance | None = None

    def feed(self, transcript: Transcript) -> list[Segment]:
        state = self._current
        if state is None or state.seq != transcript.seq:
            state = self._current = _Utterance(transcript.seq, grew_at=transcript.start)
        words = words_of(transcript.text)
        if transcript.final:
            self._current = None
            rest = words[state.spoken:]
            if not rest:
                return []
            return [self._cut(state, words, len(words), transcript, last=True)]
        stable = self._stable(state, words, transcript)
        if len(words) > state.heard_words:
            state.heard_words, state.grew_at = len(words), transcript.end
        cut = self._clause_end(words, state.spoken, stable)
        if cut is None and stable - state.spoken >= self.settings.min_words \
                and transcript.end - state.grew_at >= self.settings.pause:
            cut = stable  # no punctuation, but enough stable words and the speaker paused
        if cut is None and stable - state.spoken >= self.settings.max_words:
            cut = stable  # a long clause: its listeners would wait too long for its end
        if cut is None:
            return []
        return [self._cut(state, words, cut, transcript, last=False)]

    def _stable(self, state: _Utterance, words: list[str], transcript: Transcript) -> int:
        """How many leading words of this partial will not change."""
        if transcript.stable is not None:
            return max(0, min(transcript.stable, len(words)))
        state.recent = [*state.recent[-(self.settings.agreement - 1):], [normalized(w) for w in words]] \
            if self.settings.agreement > 1 else [[normalized(w) for w in words]]
        if len(state.recent) < self.settings.agreement:
            return 0
        agreed = 0
        for column in zip(*state.recent, strict=False):
            if any(w != column[0] for w in column):
                break
            agreed += 1
        return agreed

    @staticmethod
    def _clause_end(words: list[str], spoken: int, stable: int) -> int | None:
        """The last position in the unspoken stable words where a clause or sentence ends, if one does."""
        for cut in range(stable, spoken + MIN_CLAUSE_WORDS - 1, -1):
            if words[cut - 1].endswith(CLAUSE_END):
                return cut
        return None

    @staticmethod
    def _cut(state: _Utterance, words: list[str], cut: int, transcript: Transcript, *, last: bool) -> Segment:
        span = transcript.end - transcript.start
        start = transcript.start if state.spoken_until is None else state.spoken_until
        end = transcript.end if last else round(transcript.start + span * cut / max(len(words), 1), 3)
        end = max(end, start)
        state.parts += 1
        segment = Segment(state.seq, state.parts, " ".join(words[state.spoken:cut]), start, end, state.spoken,
                          cut - state.spoken, last)
        state.spoken, state.spoken_until = cut, end
        return segment
