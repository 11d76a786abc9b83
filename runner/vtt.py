"""WebVTT cue text: what a speaker says, written so that a player shows it as said.

Cue text is markup (WebVTT 6.4): ``&`` starts a character reference and ``<`` a tag, so "I <3 you" shows as "I "
unless they are escaped; ``-->`` inside a cue ends it, and a blank line ends the cue. SRT has no such markup, so
its cues stay plain (``srt`` only removes blank lines).
"""

from __future__ import annotations

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def escape(text: str) -> str:
    """``text`` as WebVTT cue text: ``&``, ``<`` and ``>`` as character references (which also breaks ``-->``)."""
    return text.translate(_ESCAPES)


def cue_lines(lines: list[str]) -> list[str]:
    """Each line escaped, split at every line break, with no blank line (it would end the cue); at least one."""
    out = [escape(part) for line in lines for part in line.splitlines() if part.strip()]
    return out or [" "]
