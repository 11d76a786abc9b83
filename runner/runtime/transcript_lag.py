"""How far speech-to-text runs behind a live speaker, measured from the speech itself.

A live source (a microphone, a recording played in real time) delivers audio as it is said, so the session time
at which the source delivered a stretch of audio is when it was said (``SpeakerClock``). From it, two measures:

- the *backlog*: audio the source has delivered that the engine has not taken yet (Whisper decoding on a busy
  machine takes no audio meanwhile), in seconds of speaker time;
- the *lag of a final*: from the speaker saying its last word to the final transcript (a service that answers
  late, a decode that takes long).

How far behind speech-to-text is now is the larger of the backlog and the last final's lag. Past
``max_transcript_lag`` a warning is given and the engine is asked to shed load (``SpeechToText.keep_up``: Whisper
stops its partials, then decodes with its ``fallback_model``); once it is back under half of it, a notice says it
caught up. A recording read faster than real time has no speaker clock: nothing is measured, nothing is shed.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Callable

from runner.engines.base import SpeechToText
from runner.events import SOURCE_SCOPE
from runner.runtime.router import Router


class SpeakerClock:
    """When each stretch of the source's audio was said: the session time each frame arrived."""

    def __init__(self) -> None:
        self._ends: deque[float] = deque()  # stream seconds where each frame ends, in order
        self._arrivals: deque[float] = deque()  # session seconds at which it arrived

    def delivered(self, end: float, at: float) -> None:
        self._ends.append(end)
        self._arrivals.append(at)

    def said_at(self, position: float) -> float | None:
        """Session seconds at which the audio at ``position`` (stream seconds) was said: the arrival of the frame
        holding it, less the part of the frame after it. None before any audio came."""
        if not self._ends:
            return None
        i = min(bisect.bisect_left(self._ends, position - 1e-6), len(self._ends) - 1)
        return self._arrivals[i] - max(0.0, self._ends[i] - position)

    @property
    def latest(self) -> float:
        return self._arrivals[-1] if self._arrivals else 0.0

    def forget(self, before: float) -> None:
        """Audio before ``before`` (a final's end) will not be asked about again."""
        while len(self._ends) > 1 and self._ends[1] <= before:
            self._ends.popleft()
            self._arrivals.popleft()


class TranscriptLag:
    """One run's measure of the speech-to-text lag, its warnings, and the engine's load shedding."""

    def __init__(self, engine: SpeechToText, router: Router, limit: float, clock: Callable[[], float]) -> None:
        self.engine = engine
        self.router = router
        self.limit = limit
        self.clock = clock
        self.speaker = SpeakerClock()
        self.taken_to = 0.0  # stream seconds up to which the engine has taken the audio
        self.final_lag = 0.0  # of the last final
        self.behind_warned = False

    def said_at(self, position: float) -> float | None:
        return self.speaker.said_at(position)

    async def arrived(self, end: float) -> None:
        """The source delivered audio up to ``end``."""
        self.speaker.delivered(end, self.clock())
        await self._check()

    def taken(self, end: float) -> None:
        """The engine took the audio up to ``end``."""
        self.taken_to = max(self.taken_to, end)

    async def final(self, end: float) -> float | None:
        """A final transcript ending at ``end`` came now: its lag."""
        said = self.speaker.said_at(end)
        if said is None:
            return None
        self.final_lag = max(0.0, self.clock() - said)
        self.router.status.transcript_lag(self.final_lag)
        self.speaker.forget(min(end, self.taken_to))
        await self._check()
        return self.final_lag

    def backlog(self) -> float:
        taken = self.speaker.said_at(self.taken_to) if self.taken_to else None
        return max(0.0, self.speaker.latest - (taken if taken is not None else self.speaker.latest))

    async def _check(self) -> None:
        backlog = self.backlog()
        behind = max(backlog, self.final_lag)
        self.router.status.speech_to_text_behind(behind, backlog)
        change = self.engine.keep_up(behind, self.limit)
        if not self.behind_warned and behind > self.limit:
            self.behind_warned = True
            await self.router.notice(SOURCE_SCOPE, "warning", "transcript-lag", f"speech-to-text is {behind:.1f}s "
                                     f"behind the speaker (max_transcript_lag {self.limit:g}s)"
                                     + (f"; shedding load: {change}" if change else ""))
        elif self.behind_warned and behind <= self.limit / 2:
            self.behind_warned = False
            await self.router.notice(SOURCE_SCOPE, "info", "transcript-caught-up", f"speech-to-text caught up: "
                                     f"{behind:.1f}s behind the speaker" + (f"; {change}" if change else ""))
        elif change:
            await self.router.notice(SOURCE_SCOPE, "info", "shed-load", f"speech-to-text {behind:.1f}s behind the "
                                     f"speaker: {change}")
