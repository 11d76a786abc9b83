"""Publishing the stream to an S3 bucket through boto3 (the ``aws`` extra), for a CDN to serve.

Batches are uploaded in order, each as: its new segments (at once, a few in parallel), then its playlists, then
the deletion of segments no playlist lists any more; so a playlist never names a segment that is not there yet.
A failed upload is retried (the pipeline's retry backoff, then every ``max_backoff`` seconds) and reported as a
notice; the broadcast goes on meanwhile, batches queue, and when a newer batch is queued the older one's
playlists are not uploaded at all (the newer ones replace them). The queue is bounded (``MAX_QUEUED_BATCHES``):
past it the oldest queued segments are dropped, reported, and marked EXT-X-GAP in the playlists that still list
them, so that a playlist never names a segment the bucket will not have. What is still not uploaded when the
output closes is reported as an error; the end of a run does not wait for a bucket that is failing every upload.

Before any audio flows, ``start`` puts (and deletes) a probe object: a bucket that does not exist or refuses
uploads stops the run in one line (exit 74), instead of a broadcast that reaches nobody.
"""

from __future__ import annotations

import asyncio
import re
from collections import deque
from typing import TYPE_CHECKING, Any

from runner.config.model import PipelineConfig
from runner.errors import CredentialsError, PermanentEngineError, SinkError
from runner.events import SESSION_SCOPE
from runner.outputs.hls.options import S3Options
from runner.outputs.hls.publish import Batch, File, Publisher
from runner.registry import Family

if TYPE_CHECKING:
    from runner.runtime.router import Router

AWS = Family("aws", extra="aws", modules=("boto3", "botocore"))
PARALLEL_UPLOADS = 16
SEGMENT_CACHE = "public, max-age=31536000, immutable"  # a segment never changes once published
PLAYLIST_CACHE = "no-cache"  # a CDN revalidates every request: live playlists change every segment
MAX_QUEUED_BATCHES = 60  # segment batches waiting for the bucket (2 minutes of 2 s segments) before dropping
DROP_NOTICE_EVERY = 30  # while segments are dropped, one notice per this many (a long outage is not a flood)
PROBE_KEY = ".polyglot-write-check"  # put and deleted at start: the bucket takes uploads
GAP_VERSION = 8  # EXT-X-GAP needs protocol version 8 (RFC 8216bis 4.4.4.7)


def missing_extra() -> str | None:
    """Why S3 publishing cannot run here, in one line; None if it can."""
    missing = AWS.missing()
    if not missing:
        return None
    return f"publishing HLS to S3 needs the aws extra: {AWS.install_command()} (missing: {', '.join(missing)})"


class S3Publisher(Publisher):
    def __init__(self, options: S3Options, pipeline: PipelineConfig, router: Router, replay: bool = True) -> None:
        self.options = options
        self.replay = replay  # segments are kept: no deletion is ever needed
        self.pipeline = pipeline
        self.router = router
        self.client: Any = None
        self.queue: deque[Batch] = deque()
        self.uploaded = 0  # objects put (the tests and the benchmark read it)
        self._pending = 0  # objects queued or being put
        self._slots = asyncio.Semaphore(PARALLEL_UPLOADS)
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self._failing = asyncio.Event()  # every try of an upload failed, its retries spent: an outage
        self.dropped: set[str] = set()  # file names dropped from the full queue: never uploaded
        self._dropped_segments = 0

    def describe(self) -> str:
        return f"s3://{self.options.bucket}/{self.options.prefix}"

    async def start(self) -> None:
        from runner.engines.aws.context import context_for  # the aws extra: imported only when it runs

        context = context_for(self.pipeline.aws)
        self.client = await asyncio.to_thread(context.client, "s3", self.options.endpoint_url)
        await self._check_bucket()
        self._task = asyncio.create_task(self._upload_batches(), name="hls s3 uploads")

    async def _check_bucket(self) -> None:
        """The bucket takes an upload (and, when segments are pruned, a deletion): else the run stops here."""
        import botocore.exceptions

        from runner.engines.aws.errors import from_botocore

        key = self.options.prefix + PROBE_KEY
        steps = [("upload to", lambda: self.client.put_object(Bucket=self.options.bucket, Key=key, Body=b"",
                                                              CacheControl=PLAYLIST_CACHE)),
                 ("deletion in", lambda: self.client.delete_object(Bucket=self.options.bucket, Key=key))]
        policy = self.pipeline.retry
        for what, call in steps:
            for attempt in range(1, policy.attempts + 1):
                try:
                    await asyncio.to_thread(call)
                    break
                except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
                    error = from_botocore(exc, "s3")
                if isinstance(error, CredentialsError):
                    raise error
                if isinstance(error, PermanentEngineError) or attempt == policy.attempts:
                    if what.startswith("deletion") and self.replay:
                        return  # a replay deletes nothing: the probe stays (empty, no-cache)
                    raise SinkError(f"hls: {self.describe()}: an {what} the bucket failed ({error}); check the "
                                    "bucket's name and that the run's credentials may put and delete objects")
                await asyncio.sleep(policy.backoff(attempt))

    async def publish(self, batch: Batch) -> None:
        self.queue.append(batch)
        self._pending += len(batch.segments) + len(batch.playlists)
        while len(self.queue) > MAX_QUEUED_BATCHES:
            await self._drop_oldest()
        self._idle.clear()
        self._wake.set()

    async def _drop_oldest(self) -> None:
        """The bucket has been failing for long: the oldest queued segments go, so memory stays bounded."""
        oldest = self.queue.popleft()
        self.dropped.update(f.name for f in oldest.segments)
        self._pending -= len(oldest.segments) + len(oldest.playlists)
        if self.queue:
            newer = self.queue[0]
            replaced = {p.name for p in newer.playlists}
            kept = [p for p in oldest.playlists if p.name not in replaced]
            newer.playlists += kept
            self._pending += len(kept)
            newer.removed[:0] = oldest.removed
        self._dropped_segments += 1
        if self._dropped_segments % DROP_NOTICE_EVERY == 1:  # the first of an outage, then now and then
            await self.router.notice(SESSION_SCOPE, "error", "hls-dropped",
                                     f"hls: segment {oldest.sequence} was dropped: {self.describe()} has taken no "
                                     f"upload for {MAX_QUEUED_BATCHES} segments ({self._dropped_segments} "
                                     "dropped so far, marked EXT-X-GAP)")

    async def finish(self) -> None:
        """Everything queued is up, or the bucket is failing every upload (then waiting would only hang the end
        of the run: what is left is reported by aclose)."""
        idle = asyncio.ensure_future(self._idle.wait())
        failing = asyncio.ensure_future(self._failing.wait())
        try:
            await asyncio.wait({idle, failing}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            idle.cancel()
            failing.cancel()

    async def end(self, playlists: list[File]) -> None:
        """The drain deadline cut the broadcast: the queue stops, and these playlists (EXT-X-ENDLIST) go up."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        # The queued segments stay counted (never uploaded, reported by aclose); their playlists are replaced.
        self._pending += len(playlists) - sum(len(b.playlists) for b in self.queue)
        self.queue.clear()
        await asyncio.gather(*(self._put(p, PLAYLIST_CACHE) for p in playlists))
        self.ended = True

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._pending:
            await self.router.notice(SESSION_SCOPE, "error", "sink-failed",
                                     f"hls: {self._pending} file(s) were not uploaded to {self.describe()}")
            self._pending = 0
        if self._dropped_segments:
            await self.router.notice(SESSION_SCOPE, "error", "sink-failed",
                                     f"hls: {self._dropped_segments} segment(s) never reached {self.describe()}: "
                                     "dropped while it took no upload")
            self._dropped_segments = 0

    # -- the uploads, in order ---------------------------------------------------------------------------------
    async def _upload_batches(self) -> None:
        while True:
            while not self.queue:
                self._idle.set()
                self._wake.clear()
                await self._wake.wait()
            batch = self.queue.popleft()
            await asyncio.gather(*(self._put(f, SEGMENT_CACHE) for f in batch.segments))
            self.published_through = max(self.published_through, batch.sequence)
            if self.queue:  # a newer batch is waiting: its playlists replace these, its deletions wait for them
                newer = self.queue[0]
                replaced = {p.name for p in newer.playlists}
                superseded = [p for p in batch.playlists if p.name in replaced]
                newer.playlists += [p for p in batch.playlists if p.name not in replaced]
                newer.removed[:0] = batch.removed
                self._pending -= len(superseded)
                continue
            await asyncio.gather(*(self._put(p, PLAYLIST_CACHE) for p in batch.playlists))
            self.ended = self.ended or batch.last
            await asyncio.gather(*(self._delete(name) for name in batch.removed))

    async def _put(self, file: File, cache_control: str) -> None:
        data = self._with_gaps(file.data) if file.name.endswith(".m3u8") and self.dropped else file.data
        await self._retrying(f"upload of {file.name}", lambda: self.client.put_object(
            Bucket=self.options.bucket, Key=self.options.prefix + file.name, Body=data,
            ContentType=file.content_type, CacheControl=cache_control))
        self.uploaded += 1
        self._pending -= 1

    async def _delete(self, name: str) -> None:
        await self._retrying(f"deletion of {name}", lambda: self.client.delete_object(
            Bucket=self.options.bucket, Key=self.options.prefix + name))

    async def _retrying(self, what: str, call: Any) -> None:
        """``call`` in a worker thread until it succeeds; each failure told (the first ones, then every tenth)."""
        import botocore.exceptions

        from runner.engines.aws.errors import from_botocore

        policy = self.pipeline.retry
        failures = 0
        while True:
            async with self._slots:
                try:
                    await asyncio.to_thread(call)
                    self._failing.clear()
                    return
                except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
                    failures += 1
                    if failures >= policy.attempts:
                        self._failing.set()
                    error = from_botocore(exc, "s3")
            delay = policy.backoff(min(failures, policy.attempts))
            if failures <= policy.attempts or failures % 10 == 0:
                await self.router.notice(SESSION_SCOPE, "warning", "retry",
                                         f"hls: {what} to {self.describe()} failed ({error}); try {failures + 1} "
                                         f"in {delay:.1f}s")
            await asyncio.sleep(delay)

    def _with_gaps(self, playlist: bytes) -> bytes:
        """A media playlist whose dropped segments are marked EXT-X-GAP: players skip them, none asks for them."""
        lines = playlist.decode().split("\n")
        out: list[str] = []
        for line in lines:
            if line in self.dropped and out and out[-1].startswith("#EXTINF"):
                out.insert(len(out) - 1, "#EXT-X-GAP")
            out.append(line)
        text = "\n".join(out)
        if "#EXT-X-GAP" in text:
            text = re.sub(r"^#EXT-X-VERSION:\d+$", f"#EXT-X-VERSION:{GAP_VERSION}", text, count=1, flags=re.M)
        return text.encode()
