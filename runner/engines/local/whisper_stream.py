"""One stream heard by Whisper: voice activity cuts it into utterances; the growing utterance is decoded again
every ``partials_every`` seconds of audio (a partial, the full utterance's hypothesis so far), and once more when
``min_silence`` seconds of silence end it (the final). Speech that goes on for ``max_utterance`` is cut at a pause
or between words (runner.engines.local.whisper_cuts). Runs on a worker thread; not asyncio-aware.

Everything is counted in samples of the stream, so that the result does not depend on how fast the audio comes;
only the partial cadence adapts to the machine: a partial is never decoded sooner than twice the time the last
decode took, so that a slow machine spends its time on finals.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from runner.engines.local import whisper_cuts as cuts
from runner.engines.local.whisper_decode import SAMPLE_RATE, Decoded, WhisperDecoder
from runner.engines.local.whisper_vad import CHUNK, StreamingVad
from runner.frames import Transcript


@dataclass(frozen=True)
class Segmenting:
    threshold: float  # speech probability that starts (or continues) speech
    neg_threshold: float  # below it, a chunk is silence
    min_silence: float  # seconds of silence that end an utterance
    min_speech: float  # seconds: shorter bursts (a cough, a click) are not utterances
    speech_pad: float  # seconds of audio kept before the speech starts and after it ends
    partials_every: float  # seconds of audio between partial decodes; 0: no partials
    max_utterance: float  # seconds: a longer utterance is cut here (a final) and the next one begins


class WhisperStream:
    def __init__(self, decoder: WhisperDecoder, segmenting: Segmenting, origin: float) -> None:
        self.decoder = decoder
        self.s = segmenting
        self.origin = origin  # stream seconds of the first sample
        self.vad = StreamingVad()
        self.pending = np.zeros(0, dtype=np.float32)  # samples not yet a whole VAD chunk
        self.position = 0  # samples given to the VAD so far
        self.pad = int(segmenting.speech_pad * SAMPLE_RATE)
        self.preroll = np.zeros(0, dtype=np.float32)  # the last `pad` samples while nobody speaks
        self.seq = 0
        self._reset()
        self.decode_seconds = 0.0  # wall time of the last decode
        self.partials = True  # False while shedding load: no partials, no early decode of a final in a pause

    def _reset(self) -> None:
        self.chunks: list[np.ndarray] = []
        self.probabilities: list[tuple[int, float]] = []  # (first sample, speech probability) of each chunk heard
        self.utterance_start: int | None = None  # sample where the utterance's audio begins (pad included)
        self.speech_start = 0
        self.speech_end = 0  # sample where the last speech chunk ended
        self.silence_from: int | None = None
        self.next_partial = 0
        self.last_partial = ""
        self.speculated: tuple[int, Decoded] | None = None  # (speech_end, its decode) decoded during the silence
        # After a cut between words: the sample cut at and the last words before it. This utterance's audio begins
        # OVERLAP before the cut (a word Whisper placed wrongly is heard whole here); its words before the cut
        # were the last utterance's.
        self.resumed: tuple[int, tuple[str, ...]] | None = None

    def feed(self, pcm: bytes) -> list[Transcript]:
        samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
        self.pending = np.concatenate([self.pending, samples])
        usable = len(self.pending) - len(self.pending) % CHUNK
        if not usable:
            return []
        audio, self.pending = self.pending[:usable], self.pending[usable:]
        out: list[Transcript] = []
        for index, probability in enumerate(self.vad.probabilities(audio)):
            self._chunk(audio[index * CHUNK:(index + 1) * CHUNK], float(probability), out)
        return out

    def finish(self) -> list[Transcript]:
        """End of stream: the utterance still being spoken ends here."""
        out: list[Transcript] = []
        if self.utterance_start is not None:
            self.chunks.append(self.pending)
            self.position += len(self.pending)
            if self.silence_from is None:  # cut off mid-speech: the speech runs to the end of the audio
                self.speech_end = self.position
            self._final(out)
        return out

    def _chunk(self, chunk: np.ndarray, probability: float, out: list[Transcript]) -> None:
        start, self.position = self.position, self.position + CHUNK
        if self.utterance_start is None:
            if probability < self.s.threshold:
                self.preroll = np.concatenate([self.preroll, chunk])[-self.pad:] if self.pad else self.preroll
                return
            self.utterance_start = start - len(self.preroll)
            self.speech_start = start
            self.chunks = [self.preroll, chunk]
            self.probabilities = [(start, probability)]
            self.preroll = np.zeros(0, dtype=np.float32)
            self.next_partial = self.utterance_start + int(self.s.partials_every * SAMPLE_RATE)
            self.speech_end = self.position
            return
        self.chunks.append(chunk)
        self.probabilities.append((start, probability))
        if probability >= self.s.threshold:
            self.silence_from = None
            self.speech_end = self.position
        elif probability < self.s.neg_threshold and self.silence_from is None:
            self.silence_from = self.position
        if self.silence_from is not None and self.position - self.silence_from >= self.s.min_silence * SAMPLE_RATE:
            self._final(out)
        elif self.position - self.utterance_start >= self.s.max_utterance * SAMPLE_RATE:
            self._cut(out)
        elif self.partials and self.silence_from is not None and self.position - self.speech_end >= self.pad \
                and (self.speculated is None or self.speculated[0] != self.speech_end):
            self._speculate(out)
        elif self.s.partials_every and self.partials and self.position >= self.next_partial:
            self._partial(out)

    def _partial(self, out: list[Transcript]) -> None:
        assert self.utterance_start is not None
        skip = self.resumed[0] - self.utterance_start if self.resumed else 0  # (partials carry no word timings)
        decoded = self._decode(np.concatenate(self.chunks)[skip:], words=False)
        wait = max(self.s.partials_every, 2 * self.decode_seconds)
        self.next_partial = self.position + int(wait * SAMPLE_RATE)
        if decoded.text and decoded.text != self.last_partial:
            self.last_partial = decoded.text
            out.append(Transcript(self.seq, decoded.text, False, self._t(self.speech_start), self._t(self.position),
                                  decoded.language))

    def _speculate(self, out: list[Transcript]) -> None:
        """The speaker has paused: decode the final's audio now, so that if the pause lasts, the final comes as
        soon as it is decided rather than one decode later. Shown as a partial meanwhile."""
        assert self.utterance_start is not None
        audio = np.concatenate(self.chunks)[:self.speech_end + self.pad - self.utterance_start]
        decoded = self._decode_words(audio)
        self.speculated = (self.speech_end, decoded)
        self.next_partial = self.position + int(max(self.s.partials_every, 2 * self.decode_seconds) * SAMPLE_RATE)
        if self.s.partials_every and decoded.text and decoded.text != self.last_partial:
            self.last_partial = decoded.text
            out.append(Transcript(self.seq, decoded.text, False, self._t(self.speech_start),
                                  self._t(self.speech_end), decoded.language))

    def _final(self, out: list[Transcript]) -> None:
        assert self.utterance_start is not None
        begin = self.utterance_start
        end = min(self.speech_end + self.pad, begin + sum(len(c) for c in self.chunks))
        audio = np.concatenate(self.chunks)[:end - begin]
        speech = self.speech_end - self.speech_start
        spoke = bool(self.last_partial)
        if speech >= self.s.min_speech * SAMPLE_RATE or spoke:
            ready = self.speculated is not None and self.speculated[0] == self.speech_end
            decoded = self.speculated[1] if ready and self.speculated else self._decode_words(audio)
            if decoded.text or spoke:
                out.append(self._transcript(decoded, begin, end))
                self.seq += 1
        self._reset()
        self.preroll = np.zeros(0, dtype=np.float32)

    def _cut(self, out: list[Transcript]) -> None:
        """The utterance has gone on for max_utterance: end it at the speaker's last pause, else between two
        words, never inside a word. The audio after the cut begins the next utterance (decoded again, whole)."""
        assert self.utterance_start is not None
        begin = self.utterance_start
        audio = np.concatenate(self.chunks)
        pause = cuts.pause(self.probabilities, begin + len(audio) // 2, self.s.threshold)
        resumed: tuple[int, tuple[str, ...]] | None = None
        if pause is not None:
            decoded, at = self._decode_words(audio[:pause - begin]), pause
        else:
            decoded, at = cuts.between_words(self._decode_words(audio), begin, len(audio), self.probabilities)
            if decoded.words and at < begin + len(audio):  # (else no two words to cut between: cut at the end)
                resumed = (at, tuple(w.text for w in decoded.words[-cuts.REPEATS:]))
        resume = max(begin, at - int(cuts.OVERLAP * SAMPLE_RATE)) if resumed else at
        if decoded.text:
            out.append(self._transcript(decoded, begin, at))
            self.seq += 1
        rest = audio[resume - begin:]
        silence_from = self.silence_from if self.silence_from is not None and self.silence_from > at else None
        probabilities = [(sample, p) for sample, p in self.probabilities if sample >= resume]
        self._reset()
        self.preroll = np.zeros(0, dtype=np.float32)
        self.chunks = [rest]
        self.probabilities = probabilities
        self.resumed = resumed
        self.utterance_start, self.speech_start = resume, at
        self.speech_end = self.position if silence_from is None else silence_from
        self.silence_from = silence_from
        self.next_partial = self.position + int(self.s.partials_every * SAMPLE_RATE)

    def _transcript(self, decoded: Decoded, begin: int, end: int) -> Transcript:
        start, stop = self.speech_start, end
        if decoded.words:  # Whisper's word timings place the speech more closely than the VAD's chunks
            floor = self.resumed[0] if self.resumed else begin  # (not before the cut it continues from)
            start = max(floor, min(end, begin + int(decoded.words[0].start * SAMPLE_RATE)))
            stop = max(start, min(end, begin + int(decoded.words[-1].end * SAMPLE_RATE)))
        return Transcript(self.seq, decoded.text, True, self._t(start), self._t(stop), decoded.language)

    def _decode_words(self, audio: np.ndarray) -> Decoded:
        """A decode with word timings, for a final: after a cut between words, without the words that were the
        last utterance's."""
        decoded = self._decode(audio, words=True)
        if self.resumed is None or self.utterance_start is None:
            return decoded
        at, said = self.resumed
        return cuts.after(decoded, (at - self.utterance_start) / SAMPLE_RATE, said)

    def _decode(self, audio: np.ndarray, *, words: bool) -> Decoded:
        began = time.perf_counter()
        try:
            return self.decoder.decode(audio, words=words)
        finally:
            self.decode_seconds = time.perf_counter() - began

    def _t(self, sample: int) -> float:
        return round(self.origin + sample / SAMPLE_RATE, 3)
