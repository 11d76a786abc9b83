"""Where the stream goes: a batch of files per segment boundary, published in the order that keeps every reader
consistent (the new segments, then the playlists that list them, then the deletion of segments no playlist
lists any more). ``FolderPublisher`` writes a folder any static web server can serve; runner.outputs.hls.s3
uploads to a bucket."""

from __future__ import annotations

import asyncio
import os
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

from runner.io.outputs import OutputFile

PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
CONTENT_TYPES = {".m3u8": PLAYLIST_TYPE, ".ts": "video/mp2t", ".vtt": "text/vtt"}


@dataclass(frozen=True)
class File:
    name: str  # relative to the stream's root: es.m3u8, es/00042.ts
    data: bytes

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[Path(self.name).suffix]


@dataclass
class Batch:
    segments: list[File] = field(default_factory=list)  # new, never rewritten
    playlists: list[File] = field(default_factory=list)  # rewritten at every batch
    removed: list[str] = field(default_factory=list)  # segments that left every playlist
    sequence: int = -1  # the segment number it publishes (-1: playlists only)
    last: bool = False  # its playlists end the broadcast (EXT-X-ENDLIST)


class Publisher(ABC):
    published_through = -1  # the last segment number whose files are all published
    ended = False  # the playlists that end the broadcast are published

    @abstractmethod
    def describe(self) -> str: ...

    async def start(self) -> None:
        """Make sure the destination can be written (an output that cannot start stops the run)."""

    @abstractmethod
    async def publish(self, batch: Batch) -> None:
        """Publish, or queue for publishing (a slow destination must not hold the segmenter back)."""

    async def finish(self) -> None:
        """Everything queued is published (the output's finish is bounded by the drain deadline)."""

    async def end(self, playlists: list[File]) -> None:
        """The broadcast was cut (the drain deadline): publish these final playlists now, whatever is queued."""
        await self.publish(Batch(playlists=playlists, last=True))

    async def aclose(self) -> None: ...


class FolderPublisher(Publisher):
    """Files in a folder. Each is written whole under a temporary name, then renamed: a web server never
    serves half a playlist or half a segment."""

    LOCK = ".polyglot-hls.lock"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock: OutputFile | None = None

    def describe(self) -> str:
        return str(self.folder)

    async def start(self) -> None:
        # Two runs publishing into one folder would overwrite each other's playlists and segments: the folder is
        # locked, as every file output is (OutputBusy names the run that holds it).
        lock = OutputFile(self.folder / self.LOCK, f"hls {self.folder}")
        await asyncio.to_thread(lock.open)
        self._lock = lock

    async def publish(self, batch: Batch) -> None:
        await asyncio.to_thread(self._write, batch)
        self.published_through = max(self.published_through, batch.sequence)
        self.ended = self.ended or batch.last

    async def aclose(self) -> None:
        if self._lock is not None:
            lock, self._lock = self._lock, None
            lock.close()

    def _write(self, batch: Batch) -> None:
        for file in (*batch.segments, *batch.playlists):
            path = self.folder / file.name
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f".{path.name}.partial")
            partial.write_bytes(file.data)
            os.replace(partial, path)
        for name in batch.removed:
            (self.folder / name).unlink(missing_ok=True)
