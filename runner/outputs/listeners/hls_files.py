"""What the listener page serves under ``/hls/``: only files the run's HLS output published, with CORS
headers so that another site's player (hls.js on a church's website) can play them.

"Published by this run" is checked by name and time, never by listing the folder: a name the HLS output
writes (master.m3u8, ``<label>.m3u8``, ``<label>.vtt.m3u8``, ``<label>/NNNNN.ts`` or ``.vtt``) for a language
of this pipeline, written since the page started. A folder that already held other files (``.env``, a lock
file, a previous run's segments) shows none of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

CONTENT_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t", ".vtt": "text/vtt"}


class PublishedHls:
    def __init__(self, folder: Path, labels: Iterable[str], since: float) -> None:
        self.folder = folder
        self.since = since
        names = "|".join(re.escape(label) for label in sorted(labels, key=len, reverse=True))
        self._name = re.compile(rf"master\.m3u8|(?:{names})(?:\.m3u8|\.vtt\.m3u8|/\d{{5,}}\.(?:ts|vtt))")

    def find(self, name: str) -> Path | None:
        """The file for a request's ``name`` (the path after /hls/), or None: not one this run published."""
        if not self._name.fullmatch(name):
            return None
        path = self.folder / name
        try:
            stat = path.lstat()
        except OSError:
            return None
        if not path.is_file() or path.is_symlink() or stat.st_mtime < self.since:
            return None
        return path


def cors_headers(origin: str | None, allowed: tuple[str, ...]) -> dict[str, str]:
    """The CORS response headers for a request from ``origin`` (none if that origin is not allowed)."""
    if "*" in allowed:
        return {"Access-Control-Allow-Origin": "*"}
    if origin and origin in allowed:
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    return {}
