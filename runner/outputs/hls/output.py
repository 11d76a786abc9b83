"""``hls``: the broadcast as HTTP Live Streaming, for any HLS player behind any web server or CDN.

Every ``segment_seconds`` of the output clock that every timeline has settled (Broadcast.settled_until), each
language's audio is cut into an MPEG-TS segment (runner.outputs.hls.encoder, in worker threads so the event
loop never waits on the encoder) and its captions into a WebVTT segment (captions), the speaker's transcript
too; then the media playlists list them, and the publishers (a folder, S3) get the batch. Live playlists are a
sliding window of ``window`` segments; when the broadcast ends, the last segment is cut and every playlist gets
EXT-X-ENDLIST (with ``replay``, each then lists the whole broadcast: a VOD). A broadcast cut by the drain
deadline ends too: each destination's playlists get EXT-X-ENDLIST, listing the segments it has.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import deque
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import av

from runner.config.model import ComponentChoice, PipelineConfig
from runner.engines.base import Problem
from runner.engines.languages import autonym
from runner.events import SESSION_SCOPE
from runner.outputs.base import Claim, Output
from runner.outputs.hls import playlists
from runner.outputs.hls.captions import vtt_segment
from runner.outputs.hls.encoder import SegmentEncoder
from runner.outputs.hls.options import HlsOptions, folder_of
from runner.outputs.hls.playlists import Entry, Rendition
from runner.outputs.hls.publish import Batch, File, FolderPublisher, Publisher
from runner.plan.plan import output_path
from runner.registry import register
from runner.runtime.broadcast import Caption, LanguageTimeline

POLL_SECONDS = 0.05  # how often the settled time is looked at: a segment is cut at most this late
TRANSCRIPT = "transcript"  # the speaker's own words: its subtitle rendition's label
MIN_LAST_SEGMENT = 0.5  # the last segment is at least this long (it holds the encoder's final packets)
END_SECONDS = 3.0  # at most this long, once the drain deadline cut the broadcast, to publish the ended playlists
AAC_MAX_BITS_PER_SAMPLE = 6  # FFmpeg's AAC encoder: at most 6144 bits per 1024-sample frame and channel


@register("output", "hls", options=HlsOptions,
          summary="HTTP Live Streaming: every language's audio and captions, to a folder or S3 (a CDN)")
class HlsOutput(Output):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options: HlsOptions = self.context.options
        pipeline = self.context.pipeline
        folder = folder_of(self.options)
        self.folder = output_path(folder, pipeline.output_dir) if folder else None
        self.publishers: list[Publisher] = []
        self.default = self.options.default_language or pipeline.targets[0].label
        self.audio = [Rendition(t.label, t.language, autonym(t.language)) for t in pipeline.targets]
        source_name = f"{autonym(pipeline.language)} ({TRANSCRIPT})"
        self.subtitles = self.audio + ([Rendition(TRANSCRIPT, pipeline.language, source_name)]
                                       if self.options.transcript else [])
        self.encoders: dict[str, SegmentEncoder] = {}
        self.entries: dict[str, list[Entry]] = {}  # per playlist file name, every segment listed so far
        self.next_segment = 0
        self.published_at: dict[int, float] = {}  # segment -> wall clock when published (the benchmark reads it)
        self._transcript = _Transcript()
        self._executor: ThreadPoolExecutor | None = None
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    @classmethod
    def check(cls, config: ComponentChoice, pipeline: PipelineConfig) -> Iterable[Problem]:
        options: HlsOptions = config.options
        labels = [t.label for t in pipeline.targets]
        if options.default_language is not None and options.default_language not in labels:
            yield Problem(f"{config.pointer}/default_language", f"{options.default_language!r} is not a target of "
                          f"this pipeline (targets: {', '.join(labels)})", code="hls")
        most = AAC_MAX_BITS_PER_SAMPLE * options.sample_rate
        if options.bitrate > most:
            yield Problem(f"{config.pointer}/bitrate", f"{options.bitrate} b/s is more than AAC carries at "
                          f"{options.sample_rate} Hz mono (at most {most}); lower it or raise sample_rate",
                          code="hls")
        if options.s3 is not None:
            from runner.engines.aws.rules import s3_bucket_problem
            from runner.outputs.hls.s3 import missing_extra

            if (problem := s3_bucket_problem(options.s3.bucket)) is not None:
                yield Problem(f"{config.pointer}/s3/bucket", problem, code="hls")
            missing = missing_extra()
            if missing:
                yield Problem(f"{config.pointer}/s3", missing, code="engine-unavailable")

    @classmethod
    def claims(cls, config: ComponentChoice, pipeline: PipelineConfig) -> Iterable[Claim]:
        options: HlsOptions = config.options
        folder = output_path(folder_of(options), pipeline.output_dir)
        if folder is not None:
            pointer = f"{config.pointer}/path" if options.path else config.pointer
            yield Claim(f"folder {os.path.abspath(folder)}", pointer)
        if options.s3 is not None:
            endpoint = f" at {options.s3.endpoint_url}" if options.s3.endpoint_url else ""
            yield Claim(f"s3://{options.s3.bucket}/{options.s3.prefix}{endpoint}", f"{config.pointer}/s3")

    @classmethod
    def outline(cls, config: ComponentChoice, pipeline: PipelineConfig) -> tuple[str, list[str]]:
        options: HlsOptions = config.options
        subtitles = len(pipeline.targets) + (1 if options.transcript else 0)
        return (f"hls: {len(pipeline.targets)} audio (AAC {options.sample_rate} Hz {options.bitrate // 1000} kb/s) "
                f"+ {subtitles} subtitle renditions, {options.segment_seconds:g} s segments, to "
                + " and ".join(destinations(options, pipeline))), []

    def describe(self) -> str:
        return "hls to " + " and ".join(self._destinations())

    def _destinations(self) -> list[str]:
        return destinations(self.options, self.context.pipeline)

    def announce(self) -> list[str]:
        return [f"hls: {where.rstrip('/')}/master.m3u8" for where in self._destinations()]

    async def start(self) -> None:
        if self.folder is not None:
            self.publishers.append(FolderPublisher(self.folder))
        if self.options.s3 is not None:
            from runner.outputs.hls.s3 import S3Publisher

            self.publishers.append(S3Publisher(self.options.s3, self.context.pipeline, self.context.router,
                                               replay=self.options.replay))
        for publisher in self.publishers:
            await publisher.start()
        for r in self.audio:
            self.encoders[r.label] = SegmentEncoder(self.options.sample_rate, self.options.bitrate)
        self._executor = ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1)),
                                            thread_name_prefix="hls-encoder")
        self._task = asyncio.create_task(self._segmenter(), name="hls segmenter")

    async def finish(self) -> None:
        """The broadcast ended: the last segment, the playlists' end, and everything published."""
        self._wake.set()
        if self._task is not None:
            await asyncio.shield(self._task)
        for publisher in self.publishers:
            await publisher.finish()

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self._end_cut_broadcast()
        for publisher in self.publishers:
            await publisher.aclose()
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    async def _end_cut_broadcast(self) -> None:
        """Players poll a playlist until it says EXT-X-ENDLIST: when the drain deadline (or a failure) stopped the
        segmenter before the last segment, every playlist still ends, listing what that destination has."""
        await asyncio.gather(*(self._end(p) for p in self.publishers if not p.ended and p.published_through >= 0))

    async def _end(self, publisher: Publisher) -> None:
        listed = {name: [e for e in entries if e.sequence <= publisher.published_through]
                  for name, entries in self.entries.items()}
        try:
            await asyncio.wait_for(publisher.end(self._playlists(listed, ended=True)), END_SECONDS)
        except (TimeoutError, OSError) as exc:
            await self.context.router.notice(SESSION_SCOPE, "error", "sink-failed",
                                             f"hls: the playlists of {publisher.describe()} could not be ended: "
                                             f"{str(exc) or 'timed out'}")

    # -- segmenting ----------------------------------------------------------------------------------------
    async def _segmenter(self) -> None:
        """Segments until the broadcast ends. A failure (a full disk, an encoder error) stops this output only,
        reported; the run and the other outputs go on."""
        try:
            await self._segments()
        except (OSError, av.FFmpegError, ValueError) as exc:
            await self.context.router.notice(SESSION_SCOPE, "error", "sink-failed",
                                             f"hls: stopped at segment {self.next_segment}: {exc}")

    async def _segments(self) -> None:
        broadcast = self.context.broadcast
        length = self.options.segment_seconds
        while True:
            ended = broadcast.ended  # looked at first: whatever it says, settled_until is at least as new
            settled = broadcast.settled_until()
            while (self.next_segment + 1) * length <= settled:
                start = self.next_segment * length
                await self._cut(start, start + length, last=False)
            if ended:  # to the end of the speech, or of the source if it runs longer (a replay is as long)
                start, end = self.next_segment * length, max(settled, broadcast.now())
                while start + length < end:
                    await self._cut(start, start + length, last=False)
                    start += length
                await self._cut(start, max(end, start + MIN_LAST_SEGMENT), last=True)
                return
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)
            except TimeoutError:
                pass

    async def _cut(self, start: float, end: float, last: bool) -> None:
        """Segment ``next_segment``, [start, end) on the output clock, of every rendition, then publish."""
        loop = asyncio.get_running_loop()
        n = self.next_segment
        timelines = self.context.broadcast.timelines
        encoded = await asyncio.gather(*(
            loop.run_in_executor(self._executor, self.encoders[r.label].encode, timelines[r.label].read(start, end),
                                 last) for r in self.audio))
        batch = Batch(sequence=n, last=last)
        for r, segment in zip(self.audio, encoded, strict=True):
            name = f"{r.label}/{n:05d}.ts"
            batch.segments.append(File(name, segment.data))
            self._list(f"{r.label}.m3u8", Entry(n, name, segment.duration), batch)
        for r in self.subtitles:
            captions = self._transcript.between(self.context.broadcast.source, start, end) \
                if r.label == TRANSCRIPT else timelines[r.label].captions_between(start, end)
            open_end = end if r.label == TRANSCRIPT else timelines[r.label].last_end
            name = f"{r.label}/{n:05d}.vtt"
            batch.segments.append(File(name, vtt_segment(captions, start, end, open_end)))
            self._list(f"{r.label}.vtt.m3u8", Entry(n, name, end - start), batch)
        self._finish_playlists(batch, ended=last)
        if n == 0:
            batch.playlists.append(File("master.m3u8", self._master().encode()))
        self.next_segment += 1
        for publisher in self.publishers:
            await publisher.publish(batch)
        self.published_at[n] = time.time()

    def _list(self, playlist: str, entry: Entry, batch: Batch) -> None:
        entries = self.entries.setdefault(playlist, [])
        entries.append(entry)
        if not self.options.replay:
            # Players still fetching a segment that just left the window get it: deleted a window later.
            while len(entries) > 2 * self.options.window:
                batch.removed.append(entries.pop(0).uri)

    def _finish_playlists(self, batch: Batch, ended: bool) -> None:
        batch.playlists += self._playlists(self.entries, ended)

    def _playlists(self, entries_of: dict[str, list[Entry]], ended: bool) -> list[File]:
        files = []
        for playlist, entries in entries_of.items():
            listed = entries if ended and self.options.replay else entries[-self.options.window:]
            text = playlists.media(listed, self.options.segment_seconds, ended, whole=listed is entries)
            files.append(File(playlist, text.encode()))
        return files

    def _master(self) -> str:
        bandwidth = int(self.options.bitrate * 1.3)  # MPEG-TS and ADTS framing on top of the AAC bit rate
        return playlists.master(self.audio, self.subtitles, self.default, bandwidth)


def destinations(options: HlsOptions, pipeline: PipelineConfig) -> list[str]:
    """Where the stream goes: the folder (as resolved against the output folder) and the bucket."""
    folder = folder_of(options)
    where = [str(output_path(folder, pipeline.output_dir))] if folder else []
    if options.s3 is not None:
        where.append(f"s3://{options.s3.bucket}/{options.s3.prefix}")
    return where


class _Transcript:
    """The speaker's captions for the transcript track. A final transcript arrives after its words were said,
    often after the segment that holds them was published: such a caption is moved to the first segment not
    yet published (shown late, as long as it was said), never lost."""

    def __init__(self) -> None:
        self.pending: deque[Caption] = deque()
        self.seen: deque[tuple[str, int]] = deque(maxlen=1000)

    def between(self, source: LanguageTimeline, start: float, end: float) -> list[Caption]:
        for c in source.captions:
            key = (c.utterance, c.sentence)
            if key in self.seen:
                continue
            self.seen.append(key)
            said_end = c.end if c.end is not None else c.start
            late = max(0.0, start - c.start)
            self.pending.append(Caption(c.utterance, c.sentence, c.text, c.start + late, said_end + late))
        while self.pending and (self.pending[0].end or 0.0) <= start:
            self.pending.popleft()
        return [c for c in self.pending if c.start < end]
