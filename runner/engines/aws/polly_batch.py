"""Polly's request/response paths, through boto3:

- ``SynthesizeSpeech`` per utterance (standard, neural, long-form voices), the response body streamed to the
  sinks as it is read;
- ``StartSpeechSynthesisTask`` to S3, then ``GetSpeechSynthesisTask`` polled with backoff through scheduled ->
  inProgress -> completed | failed, and the ``OutputUri`` object fetched and passed on.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from runner.engines.aws.context import AwsContext
from runner.engines.aws.errors import from_botocore
from runner.engines.aws.polly_options import PollyTaskOptions
from runner.errors import PermanentEngineError, RejectedRequest, TransientEngineError

CHUNK = 4096
_END = object()


@dataclass(frozen=True)
class SpeechRequest:
    voice: str
    engine: str
    output_format: str
    sample_rate: int
    language_code: str | None
    lexicons: tuple[str, ...]
    text_type: str
    endpoint_url: str | None
    timeout: float

    def params(self, text: str, text_type: str | None = None) -> dict[str, Any]:
        p: dict[str, Any] = {"Text": text, "TextType": text_type or self.text_type, "VoiceId": self.voice,
                             "Engine": self.engine, "OutputFormat": self.output_format,
                             "SampleRate": str(self.sample_rate)}
        if self.language_code:
            p["LanguageCode"] = self.language_code
        if self.lexicons:
            p["LexiconNames"] = list(self.lexicons)
        return p


async def stream_body(read: Callable[[], Any], service: str, timeout: float) -> AsyncGenerator[bytes, None]:
    """Run a blocking call that returns a botocore StreamingBody on a thread; yield its chunks as they come."""
    loop = asyncio.get_running_loop()
    chunks: asyncio.Queue[object] = asyncio.Queue()
    stop = threading.Event()

    def pump() -> None:
        try:
            body = read()
            for chunk in body.iter_chunks(CHUNK):
                if stop.is_set():
                    break
                loop.call_soon_threadsafe(chunks.put_nowait, chunk)
            body.close()
            loop.call_soon_threadsafe(chunks.put_nowait, _END)
        except Exception as exc:  # handed to the event loop, converted there
            loop.call_soon_threadsafe(chunks.put_nowait, exc)

    worker = loop.run_in_executor(None, pump)
    try:
        while True:
            try:
                item = await asyncio.wait_for(chunks.get(), timeout)
            except TimeoutError:
                raise TransientEngineError(f"{service}: no audio for {timeout:g}s") from None
            if item is _END:
                break
            if isinstance(item, Exception):
                raise from_botocore(item, service) from item
            assert isinstance(item, bytes)
            yield item
    finally:
        stop.set()
        await asyncio.shield(worker)


class PollySpeech:
    """SynthesizeSpeech, one request per utterance."""

    service = "Amazon Polly"

    def __init__(self, context: AwsContext, request: SpeechRequest) -> None:
        self.context = context
        self.request = request
        self.request_characters = 0
        self._client: Any = None

    async def start(self) -> None:
        self._client = await asyncio.to_thread(self.context.client, "polly", self.request.endpoint_url,
                                               self.request.timeout)

    async def synthesize(self, text: str, text_type: str | None = None) -> AsyncGenerator[bytes, None]:
        if self._client is None:
            await self.start()
        params = self.request.params(text, text_type)

        def call() -> Any:
            reply = self._client.synthesize_speech(**params)
            self.request_characters += int(reply.get("RequestCharacters", 0) or 0)
            return reply["AudioStream"]

        async for chunk in stream_body(call, self.service, self.request.timeout):
            yield chunk

    async def close(self) -> None:
        self._client = None


@dataclass
class _Started:
    """A synthesis task started for a sentence not yet spoken, as last seen, and when it is given up."""

    task: dict[str, Any]
    deadline: float


class PollyTask:
    """StartSpeechSynthesisTask to S3, polled to completion, fetched from its OutputUri.

    A failed GetSpeechSynthesisTask call or S3 fetch fails the attempt, not the task: the sentence's retry polls
    the task already started (and fetches its output) instead of starting another, which would be billed again
    and leave an orphan object in S3. A task still unfinished after ``task.timeout`` costs its sentence."""

    service = "Amazon Polly synthesis task"
    MAX_POLL_INTERVAL = 10.0

    def __init__(self, context: AwsContext, request: SpeechRequest, task: PollyTaskOptions,
                 on_status: Callable[[str, str], None] | None = None) -> None:
        self.context = context
        self.request = request
        self.task = task
        self.request_characters = 0
        self.on_status = on_status  # (task id, status) as the task moves, for the event log
        self._polly: Any = None
        self._s3: Any = None
        self._started: dict[tuple[str, str | None], _Started] = {}  # by sentence (text, text type)

    async def start(self) -> None:
        self._polly = await asyncio.to_thread(self.context.client, "polly", self.request.endpoint_url,
                                              self.request.timeout)
        self._s3 = await asyncio.to_thread(self.context.client, "s3", None, self.request.timeout)

    async def _call(self, method: Callable[..., Any], **kwargs: Any) -> Any:
        try:
            return await asyncio.wait_for(asyncio.to_thread(method, **kwargs), self.request.timeout)
        except TimeoutError as exc:
            raise TransientEngineError(f"{self.service}: no answer in {self.request.timeout:g}s") from exc
        except Exception as exc:
            raise from_botocore(exc, self.service) from exc

    async def synthesize(self, text: str, text_type: str | None = None) -> AsyncGenerator[bytes, None]:
        if self._polly is None:
            await self.start()
        loop = asyncio.get_running_loop()
        self._started = {k: v for k, v in self._started.items() if v.deadline > loop.time()}
        sentence = (text, text_type)
        started = self._started.get(sentence)
        if started is None:
            started = self._started[sentence] = await self._start_task(text, text_type)
        else:  # a retry: the task started for this sentence goes on (a new one would bill it twice)
            self._report(started.task["TaskId"], f"{started.task['TaskStatus']} (polling it again)")
        task_id = started.task["TaskId"]
        interval = self.task.poll_interval
        while started.task["TaskStatus"] not in ("completed", "failed"):
            if loop.time() + interval > started.deadline:
                self._started.pop(sentence, None)
                raise RejectedRequest(f"{self.service} {task_id} still {started.task['TaskStatus']} after "
                                      f"{self.task.timeout:g}s")
            await asyncio.sleep(interval)
            interval = min(interval * 1.5, self.MAX_POLL_INTERVAL)
            status = started.task["TaskStatus"]
            started.task = (await self._call(self._polly.get_speech_synthesis_task,
                                             TaskId=task_id))["SynthesisTask"]
            if started.task["TaskStatus"] != status:
                self._report(task_id, started.task["TaskStatus"])
        task = started.task
        if task["TaskStatus"] == "failed":
            self._started.pop(sentence, None)
            raise PermanentEngineError(f"{self.service} {task_id} failed: "
                                       f"{task.get('TaskStatusReason') or 'no reason given'}")
        bucket, key = s3_location(task["OutputUri"])
        async for chunk in stream_body(lambda: self._s3.get_object(Bucket=bucket, Key=key)["Body"],
                                       "Amazon S3", self.request.timeout):
            yield chunk
        if self._started.pop(sentence, None) is not None:
            self.request_characters += int(task.get("RequestCharacters", 0) or 0)

    async def _start_task(self, text: str, text_type: str | None) -> _Started:
        params = self.request.params(text, text_type)
        params["OutputS3BucketName"] = self.task.bucket
        if self.task.prefix:
            params["OutputS3KeyPrefix"] = self.task.prefix
        if self.task.sns_topic_arn:
            params["SnsTopicArn"] = self.task.sns_topic_arn
        if self.task.speech_mark_types:
            await self._start_marks(params)
        task = (await self._call(self._polly.start_speech_synthesis_task, **params))["SynthesisTask"]
        self._report(task["TaskId"], task["TaskStatus"])
        return _Started(task, asyncio.get_running_loop().time() + self.task.timeout)

    async def _start_marks(self, params: dict[str, Any]) -> None:
        """Speech marks need OutputFormat json, which has no audio: a companion task writes them beside it."""
        marks = {**params, "OutputFormat": "json", "SpeechMarkTypes": list(self.task.speech_mark_types)}
        marks.pop("SampleRate", None)
        task = (await self._call(self._polly.start_speech_synthesis_task, **marks))["SynthesisTask"]
        self._report(task["TaskId"], f"speech marks ({', '.join(self.task.speech_mark_types)}) at "
                                     f"{task.get('OutputUri', '?')}")

    def _report(self, task_id: str, status: str) -> None:
        if self.on_status is not None:
            self.on_status(task_id, status)

    async def close(self) -> None:
        self._polly = self._s3 = None


def s3_location(uri: str) -> tuple[str, str]:
    """(bucket, key) of a task's OutputUri, path-style (s3.<region>.amazonaws.com/bucket/key) or
    virtual-hosted (bucket.s3.<region>.amazonaws.com/key)."""
    parts = urlsplit(uri)
    path = unquote(parts.path.lstrip("/"))
    host = parts.hostname or ""
    if host.startswith("s3.") or host.startswith("s3-") or host == "localhost" or not host.count("."):
        bucket, _, key = path.partition("/")
        return bucket, key
    return host.split(".s3")[0], path
