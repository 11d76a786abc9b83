"""Amazon Transcribe streaming through ``aws-sdk-transcribe-streaming`` (HTTP/2 on awscrt).

Audio frames go out as ``AudioEvent``s while results come back; each result (partial, then final, sharing a
ResultId) becomes a :class:`Transcript`. Configurable: language or automatic language identification, partial
results stabilization, custom vocabularies and filters, sample rate, channel identification.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Iterable
from typing import Any, Self

from runner.engines.aws.context import AwsContext, context_for
from runner.engines.aws.errors import from_smithy
from runner.engines.base import EngineRequest, Problem, SpeechToText
from runner.engines.registry import register
from runner.errors import EngineUnavailable, TransientEngineError
from runner.frames import AudioFrame, Transcript

SERVICE = "Amazon Transcribe"
CONNECT_TIMEOUT = 15.0  # an untrusted certificate makes awscrt hang ~14 s before it fails


@register("speech_to_text", "transcribe", family="aws",
          summary="Amazon Transcribe streaming (aws-sdk-transcribe-streaming, HTTP/2 on awscrt)")
class AmazonTranscribe(SpeechToText):
    def __init__(self, context: AwsContext, language: str, options: dict[str, Any]) -> None:
        self.context = context
        self.language = language
        self.options = options
        self.input_rate = int(options.get("sample_rate", 16000))
        self.input_channels = int(options.get("number_of_channels", 1)) \
            if options.get("channel_identification") else 1
        self.endpoint_url: str | None = options.get("endpoint_url")

    @classmethod
    def check(cls, request: EngineRequest) -> Iterable[Problem]:
        o = request.choice
        if o.get("identify_language") and not o.get("language_options"):
            yield Problem(f"{o.pointer}/identify_language", "identify_language needs language_options (at least "
                          "two languages)", code="transcribe")
        if o.get("preferred_language") and o.get("preferred_language") not in (o.get("language_options") or []):
            yield Problem(f"{o.pointer}/preferred_language", "preferred_language must be one of language_options",
                          code="transcribe")
        if o.get("vocabulary_filter_method") and not o.get("vocabulary_filter_name"):
            yield Problem(f"{o.pointer}/vocabulary_filter_method", "needs vocabulary_filter_name", code="transcribe")

    @classmethod
    def create(cls, request: EngineRequest) -> Self:
        return cls(context_for(request.pipeline.aws), request.choice.get("language_code") or request.source_language,
                   dict(request.choice.options))

    async def start(self) -> None:
        await asyncio.to_thread(self.context.credentials)  # no credentials: say so before the source starts

    def _input(self) -> Any:
        from aws_sdk_transcribe_streaming.models import StartStreamTranscriptionInput

        o = self.options
        kwargs: dict[str, Any] = {
            "media_sample_rate_hertz": self.input_rate,
            "media_encoding": "pcm",
            "enable_partial_results_stabilization": bool(o.get("partial_results_stabilization", True)),
        }
        if kwargs["enable_partial_results_stabilization"]:
            kwargs["partial_results_stability"] = o.get("partial_results_stability", "high")
        if o.get("identify_language"):
            kwargs["identify_language"] = True
            kwargs["language_options"] = ",".join(o["language_options"])
            if o.get("preferred_language"):
                kwargs["preferred_language"] = o["preferred_language"]
        else:
            kwargs["language_code"] = self.language
        if o.get("vocabulary_names"):
            kwargs["vocabulary_names"] = ",".join(o["vocabulary_names"])
        if o.get("vocabulary_filter_name"):
            kwargs["vocabulary_filter_name"] = o["vocabulary_filter_name"]
            kwargs["vocabulary_filter_method"] = o.get("vocabulary_filter_method", "mask")
        if o.get("channel_identification"):
            kwargs["enable_channel_identification"] = True
            kwargs["number_of_channels"] = self.input_channels
        return StartStreamTranscriptionInput(**kwargs)

    async def transcribe(self, frames: AsyncIterator[AudioFrame]) -> AsyncGenerator[Transcript, None]:
        from aws_sdk_transcribe_streaming.client import AsyncTranscribeStreamingClient
        from aws_sdk_transcribe_streaming.config import AsyncTranscribeStreamingConfig

        try:
            config = await self.context.smithy_config(AsyncTranscribeStreamingConfig, self.endpoint_url)
            client = AsyncTranscribeStreamingClient(config=config)
            stream = await asyncio.wait_for(client.start_stream_transcription(self._input()), CONNECT_TIMEOUT)
            _, results = await asyncio.wait_for(stream.await_output(), CONNECT_TIMEOUT)
        except TimeoutError as exc:
            raise EngineUnavailable(f"{SERVICE}: no answer in {CONNECT_TIMEOUT:g}s (endpoint unreachable or "
                                    f"its certificate untrusted)") from exc
        except Exception as exc:
            error = from_smithy(exc, SERVICE)
            raise (EngineUnavailable(str(error)) if isinstance(error, TransientEngineError) else error) from exc
        sender = asyncio.create_task(self._send(stream, frames))
        try:
            async for transcript in self._receive(results):
                yield transcript
            if not sender.done():  # the service ended the stream while audio was still coming
                raise TransientEngineError(f"{SERVICE}: the stream ended before the audio did (connection lost?)")
            sender.result()  # surfaces an error from reading the source
        finally:
            sender.cancel()
            with contextlib.suppress(BaseException):
                await sender
            with contextlib.suppress(Exception):
                await client.close()

    async def _send(self, stream: Any, frames: AsyncIterator[AudioFrame]) -> None:
        from aws_sdk_transcribe_streaming.models import AudioEvent, AudioStreamAudioEvent

        async for frame in frames:
            await stream.input_stream.send(AudioStreamAudioEvent(value=AudioEvent(audio_chunk=frame.pcm)))
        await stream.input_stream.close()

    async def _receive(self, results: Any) -> AsyncGenerator[Transcript, None]:
        ids: dict[str, int] = {}
        try:
            async for event in results:
                value = getattr(event, "value", None)
                transcript = getattr(value, "transcript", None)
                if transcript is None:
                    if isinstance(value, Exception):
                        raise value
                    continue
                for result in transcript.results or []:
                    if not result.alternatives:
                        continue
                    seq = ids.setdefault(result.result_id or "", len(ids))
                    yield Transcript(seq, (result.alternatives[0].transcript or "").strip(), not result.is_partial,
                                     round(result.start_time, 3), round(result.end_time, 3))
        except Exception as exc:
            raise from_smithy(exc, SERVICE) from exc
