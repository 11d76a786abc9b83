"""What Whisper leaves out to keep up with a live speaker it has fallen behind (SpeechToText.keep_up).

Three levels: 0 does everything; 1 decodes no partials (each is a whole decode of the utterance so far, most of
the work while someone speaks), nor a final early in a pause (wasted when the speaker goes on); 2 also decodes
the finals with the ``fallback_model`` (when the config names one). Up a level as soon as the lag calls for it
(half of max_transcript_lag for 1, all of it for 2); down one level after RECOVER seconds under a quarter of it,
so that a lighter model that has just caught up is not swapped back at once only to fall behind again.
"""

from __future__ import annotations

import time
from collections.abc import Callable

RECOVER = 10.0  # seconds caught up before a level of work comes back


class Shedding:
    def __init__(self, has_fallback: bool, clock: Callable[[], float] = time.monotonic) -> None:
        self.top = 2 if has_fallback else 1
        self.clock = clock
        self.level = 0
        self._calm_since: float | None = None

    def update(self, behind: float, limit: float) -> bool:
        """The level for being ``behind`` seconds behind the speaker; True when it changed."""
        wanted = 2 if behind >= limit else 1 if behind >= limit / 2 else 0
        wanted = min(wanted, self.top)
        if wanted > self.level:
            self.level, self._calm_since = wanted, None
            return True
        if self.level and behind <= limit / 4:
            now = self.clock()
            if self._calm_since is None:
                self._calm_since = now
            elif now - self._calm_since >= RECOVER:
                self.level -= 1
                self._calm_since = now
                return True
        elif behind > limit / 4:
            self._calm_since = None
        return False
