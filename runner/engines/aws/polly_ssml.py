"""What a Polly target's sentences are wrapped in: SSML with the transcript escaped, the target's prosody (rate,
pitch, volume) and Polly's newscaster style, where the voice and engine support them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal
from xml.sax.saxutils import escape, quoteattr

from runner.engines.base import Problem
from runner.options import option

# Polly's newscaster style (<amazon:domain name="news">): neural voices only, and of them only these.
NEWSCASTER_VOICES = frozenset({"Joanna", "Matthew", "Lupe"})
PITCH = r"^(x-low|low|medium|high|x-high|default|[+-][0-9]{1,2}(\.[0-9]+)?%)$"
VOLUME = r"^(silent|x-soft|soft|medium|loud|x-loud|default|[+-][0-9]{1,2}(\.[0-9]+)?dB)$"


@dataclass(frozen=True)
class PollyProsody:
    """How this target's voice speaks, through SSML <prosody> (each sentence is sent as SSML)."""

    rate: int | None = option(None, doc="Speaking rate, in percent of the voice's own (20-200).", minimum=20,
                              maximum=200)
    pitch: str | None = option(None, doc="Pitch: x-low ... x-high, or a relative change such as '+5%' (standard "
                               "voices only: Polly's other engines do not support it).", pattern=PITCH)
    volume: str | None = option(None, doc="Volume: silent, x-soft ... x-loud, or a change in decibels such as "
                                "'+6dB'.", pattern=VOLUME)


@dataclass(frozen=True)
class Speech:
    """A target's SSML settings."""

    prosody: PollyProsody | None = None
    style: Literal["newscaster"] | None = None

    @property
    def plain(self) -> bool:
        """Nothing to wrap: plain text may go as it is."""
        return self.style is None and (self.prosody is None or self.prosody == PollyProsody())


PLAIN = Speech()


def as_ssml(text: str, rate: float = 1.0, speech: Speech = PLAIN) -> str:
    """Wrap transcript text as SSML, escaped: '<break time="10s"/>' said aloud is spoken as words. A ``rate``
    other than 1 speaks it faster (or slower: simultaneous mode catching up), on top of the target's own."""
    prosody = speech.prosody or PollyProsody()
    attributes = {}
    percent = round((prosody.rate or 100) * rate)
    if percent != 100:
        attributes["rate"] = f"{percent}%"
    if prosody.pitch:
        attributes["pitch"] = prosody.pitch
    if prosody.volume:
        attributes["volume"] = prosody.volume
    body = escape(text)
    if attributes:
        body = f"<prosody {' '.join(f'{k}={quoteattr(v)}' for k, v in attributes.items())}>{body}</prosody>"
    if speech.style == "newscaster":
        body = f'<amazon:domain name="news">{body}</amazon:domain>'
    return f"<speak>{body}</speak>"


def speech_problems(speech: Speech, voice: str | None, engine: str, pointer: str) -> Iterator[Problem]:
    """What Polly would refuse or ignore in a target's SSML settings (``pointer``: its text_to_speech)."""
    if speech.prosody is not None and speech.prosody.pitch and engine != "standard":
        yield Problem(f"{pointer}/prosody/pitch", f"Polly's {engine} voices do not support prosody pitch (standard "
                      "voices only): remove it, or use the standard engine", code="ssml")
    if speech.style == "newscaster" and (engine != "neural" or voice not in NEWSCASTER_VOICES):
        yield Problem(f"{pointer}/style", f"Polly's newscaster style needs the neural engine and one of the voices "
                      f"{', '.join(sorted(NEWSCASTER_VOICES))}, not {voice} ({engine})", code="ssml")
