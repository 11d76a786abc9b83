"""Publishing the stream to an S3 bucket through boto3 (the ``aws`` extra), for a CDN to serve.

Batches are uploaded in order, each as: its new segments (at once, a few in parallel), then its playlists, then
the deletion of segments no playlist lists any more; so a playlist never names a segment that is not there yet.
A failed upload is retried (the pipeline's retry backoff, then every ``max_backoff`` seconds) and reported as a
notice; the broadcast goes on meanwhile, batches queue, and when a newer batch is queued the older one's
playlists are not uploaded at all (the newer ones replace them). What is still not uploaded when the output
closes is reported as an error.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING, Any

from runner.config.model import PipelineConfig
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


def missing_extra() -> str | None:
    """Why S3 publishing cannot run here, in one line; None if it can."""
    missing = AWS.missing()
    if not missing:
        return None
    return f"publishing HLS to S3 needs the aws extra: {AWS.install_command()} (missing: {', '.join(missing)})"


class S3Publisher(Publisher):
    def __init__(self, options: S3Options, pipeline: PipelineConfig, router: Router) -> None:
        self.options = options
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

    def describe(self) -> str:
        return f"s3://{self.options.bucket}/{self.options.prefix}"

    async def start(self) -> None:
        from runner.engines.aws.context import context_for  # the aws extra: imported only when it runs

        context = context_for(self.pipeline.aws)
        self.client = await asyncio.to_thread(context.client, "s3", self.options.endpoint_url)
        self._task = asyncio.create_task(self._upload_batches(), name="hls s3 uploads")

    async def publish(self, batch: Batch) -> None:
        self.queue.append(batch)
        self._pending += len(batch.segments) + len(batch.playlists)
        self._idle.clear()
        self._wake.set()

    async def finish(self) -> None:
        await self._idle.wait()

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
        await self._retrying(f"upload of {file.name}", lambda: self.client.put_object(
            Bucket=self.options.bucket, Key=self.options.prefix + file.name, Body=file.data,
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
                    return
                except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
                    failures += 1
                    error = from_botocore(exc, "s3")
            delay = policy.backoff(min(failures, policy.attempts))
            if failures <= policy.attempts or failures % 10 == 0:
                await self.router.notice(SESSION_SCOPE, "warning", "retry",
                                         f"hls: {what} to {self.describe()} failed ({error}); try {failures + 1} "
                                         f"in {delay:.1f}s")
            await asyncio.sleep(delay)
