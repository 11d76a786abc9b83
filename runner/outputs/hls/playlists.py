"""The playlists' text (RFC 8216): a master playlist naming every rendition, and a media playlist per rendition.

Audio renditions are an EXT-X-MEDIA AUDIO group with one member per language; since a master playlist needs a
variant stream, its EXT-X-STREAM-INF is the default language's audio playlist with that AUDIO group (an audio-only
stream, as ffmpeg's HLS muxer writes one), and a SUBTITLES group of one WebVTT rendition per language plus the
speaker's transcript.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from runner.outputs.hls.encoder import CODECS

AUDIO_GROUP = "audio"
SUBTITLE_GROUP = "subs"


@dataclass(frozen=True)
class Rendition:
    label: str  # the target's label (the source's: its scope), also its file names' stem
    language: str  # BCP 47
    name: str  # what a player shows


@dataclass(frozen=True)
class Entry:
    """A segment a media playlist lists."""

    sequence: int
    uri: str
    duration: float


def master(audio: list[Rendition], subtitles: list[Rendition], default: str, bandwidth: int,
           audio_uri: str = "{label}.m3u8", subtitle_uri: str = "{label}.vtt.m3u8") -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:4", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for r in audio:
        lines.append(_media("AUDIO", AUDIO_GROUP, r, r.label == default, audio_uri.format(label=r.label)))
    for r in subtitles:
        lines.append(_media("SUBTITLES", SUBTITLE_GROUP, r, False, subtitle_uri.format(label=r.label)))
    subtitles_attribute = f',SUBTITLES="{SUBTITLE_GROUP}"' if subtitles else ""
    lines.append(f'#EXT-X-STREAM-INF:BANDWIDTH={bandwidth},CODECS="{CODECS}",AUDIO="{AUDIO_GROUP}"'
                 f"{subtitles_attribute}")
    lines.append(audio_uri.format(label=default))
    return "\n".join(lines) + "\n"


def _media(kind: str, group: str, r: Rendition, default: bool, uri: str) -> str:
    flags = "YES" if default else "NO"
    return (f'#EXT-X-MEDIA:TYPE={kind},GROUP-ID="{group}",LANGUAGE="{r.language}",NAME="{_quoted(r.name)}",'
            f'DEFAULT={flags},AUTOSELECT=YES,URI="{uri}"')


def media(entries: list[Entry], target_seconds: float, ended: bool, whole: bool) -> str:
    """A media playlist listing ``entries``; ``ended`` adds EXT-X-ENDLIST, and ``whole`` (every segment since
    the first) makes the ended broadcast a VOD playlist."""
    # Every EXTINF, rounded to the nearest integer, must be at most the target duration (RFC 8216 4.3.3.1).
    target = max([math.ceil(target_seconds), *(round(e.duration) for e in entries)])
    lines = ["#EXTM3U", "#EXT-X-VERSION:4", f"#EXT-X-TARGETDURATION:{target}",
             f"#EXT-X-MEDIA-SEQUENCE:{entries[0].sequence if entries else 0}"]
    if ended and whole:
        lines.append("#EXT-X-PLAYLIST-TYPE:VOD")
    for e in entries:
        lines += [f"#EXTINF:{e.duration:.3f},", e.uri]
    if ended:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    """A quoted-string may not hold a double quote or a line break (RFC 8216 4.2)."""
    return " ".join(text.replace('"', "'").split())
