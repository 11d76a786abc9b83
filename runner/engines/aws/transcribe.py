"""Amazon Transcribe streaming through ``aws-sdk-transcribe-streaming`` (HTTP/2 on awscrt).

Audio frames go out as ``AudioEvent``s while results come back; each result (partial, then final, sharing a
ResultId) becomes a :class:`Transcript`, with the language the result says it is in (automatic language
identification). Configurable: language or language identification, partial results stabilization, custom
vocabularies and filters, sample rate, channel identification. With channel identification the service answers
for each channel; only ``channel``'s results are kept (a mono microphone copied to both channels would otherwise be
heard, translated and spoken twice).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import dataclasses
from collections.abc import AsyncGenerator, AsyncIterator, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Self

from runner.engines.base import EngineRequest, Problem, SpeechToText
from runner.errors import TransientEngineError
from runner.frames import AudioFrame, Transcript
from runner.options import CString, LanguageTag, option
from runner.registry import register

if TYPE_CHECKING:
    from runner.engines.aws.context import AwsContext

SERVICE = "Amazon Transcribe"
CONNECT_TIMEOUT = 15.0  # an untrusted certificate makes awscrt hang ~14 s before it fails
CLOSE_TIMEOUT = 2.0


@dataclass(frozen=True)
class TranscribeOptions:
    language_code: LanguageTag | None = option(None, doc="Defaults to the pipeline's language.")
    identify_language: bool = option(False, doc="Identify the stream's one language among language_options "
                                     "(Transcribe picks it from the first speech and keeps it for the stream).")
    identify_multiple_languages: bool = option(False, doc="Identify each utterance's language among "
                                               "language_options, for a speaker who changes language (each "
                                               "utterance is translated from the language heard in it).")
    language_options: tuple[LanguageTag, ...] = option((), doc="The languages to identify among.", minItems=2,
                                                       uniqueItems=True)
    preferred_language: LanguageTag | None = option(None, doc="One of language_options, tried first.")
    partial_results_stabilization: bool = option(True, doc="Mark the words of partial results that will not "
                                                 "change any more.")
    partial_results_stability: Literal["low", "medium", "high"] = option("high", doc="How stable those words are.")
    vocabulary_names: tuple[CString, ...] = option((), doc="Custom vocabularies.", uniqueItems=True)
    vocabulary_filter_name: CString | None = option(None, doc="A vocabulary filter.", minLength=1)
    vocabulary_filter_method: Literal["remove", "mask", "tag"] | None = option(None, doc="What the filter does "
                                                                               "(default mask).")
    sample_rate: Literal[8000, 16000, 22050, 24000, 32000, 44100, 48000] = option(16000, doc="Audio rate sent.")
    channel_identification: bool = option(False, doc="Transcribe each channel on its own.")
    number_of_channels: int = option(1, doc="Channels sent with channel identification.", minimum=1, maximum=2)
    channel: int = option(0, doc="With channel_identification: the channel whose speech is translated (0 is the "
                          "first). Transcribe answers for every channel; the others are ignored.", minimum=0)
    endpoint_url: str | None = option(None, doc="Another endpoint (default: the SDK's, or "
                                      "AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING).", pattern="^https?://")
    keepalive: float = option(5.0, doc="Seconds without audio from the source after which silence is sent, so that "
                              "Transcribe (which ends a stream after 15 s without audio) keeps it open.",
                              exclusiveMinimum=0, maximum=14)
    rotate_after: float = option(13800.0, doc="Seconds of audio after which the stream is replaced by a new one at "
                                 "the next utterance boundary (Transcribe ends streams at 4 hours).", minimum=1,
                                 maximum=14400)


def _identifies(o: TranscribeOptions) -> bool:
    return o.identify_language or o.identify_multiple_languages


@register("speech_to_text", "transcribe", family="aws", options=TranscribeOptions,
          summary="Amazon Transcribe streaming (aws-sdk-transcribe-streaming, HTTP/2 on awscrt)")
class AmazonTranscribe(SpeechToText):
    def __init__(self, context: AwsContext, language: str, options: TranscribeOptions) -> None:
        self.context = context
        self.language = language
        self.options = options
        self.input_rate = options.sample_rate
        self.input_channels = options.number_of_channels if options.channel_identification else 1
        # the ChannelId whose results are kept; None: no channel identification, every result is ours
        self.channel_id = f"ch_{options.channel}" if options.channel_identification else None
        self.endpoint_url = options.endpoint_url
        self.keepalive = options.keepalive
        self.max_stream_seconds = options.rotate_after

    @classmethod
    def check(cls, request: EngineRequest) -> Iterable[Problem]:
        o: TranscribeOptions = request.options
        where = request.choice.pointer
        if o.identify_language and o.identify_multiple_languages:
            yield Problem(f"{where}/identify_multiple_languages", "identify_language (one language per stream) or "
                          "identify_multiple_languages (one per utterance), not both", code="transcribe")
        for key in ("identify_language", "identify_multiple_languages"):
            if getattr(o, key) and not o.language_options:
                yield Problem(f"{where}/{key}", f"{key} needs language_options (at least two languages)",
                              code="transcribe")
        if o.language_options and not _identifies(o):
            yield Problem(f"{where}/language_options", "are read with identify_language or "
                          "identify_multiple_languages", code="transcribe", severity="warning")
        if o.preferred_language and o.preferred_language not in o.language_options:
            yield Problem(f"{where}/preferred_language", "preferred_language must be one of language_options",
                          code="transcribe")
        if o.vocabulary_filter_method and not o.vocabulary_filter_name:
            yield Problem(f"{where}/vocabulary_filter_method", "needs vocabulary_filter_name", code="transcribe")
        yield from cls._check_languages(request)
        yield from cls._check_channels(request)

    @classmethod
    def _check_languages(cls, request: EngineRequest) -> Iterable[Problem]:
        """Every language code sent is one Transcribe streaming's model has; identification, one per language."""
        from runner.engines.aws.rules import one_dialect_each, transcribe_language_problem

        o: TranscribeOptions = request.options
        where = request.choice.pointer
        if _identifies(o) and o.language_options:
            sent: list[tuple[str, str]] = [(f"{where}/language_options/{i}", tag)
                                           for i, tag in enumerate(o.language_options)]
            for i, message in one_dialect_each(o.language_options):
                yield Problem(f"{where}/language_options/{i}", message, code="transcribe")
        else:
            sent = [(f"{where}/language_code" if o.language_code else "/language",
                     o.language_code or request.source_language)]
        for pointer, tag in sent:
            if (problem := transcribe_language_problem(tag)) is not None:
                yield Problem(pointer, problem, code="transcribe-language")

    @classmethod
    def _check_channels(cls, request: EngineRequest) -> Iterable[Problem]:
        o: TranscribeOptions = request.options
        where = request.choice.pointer
        channels = o.number_of_channels
        if not o.channel_identification:
            if "channel" in request.choice.raw:
                yield Problem(f"{where}/channel", "channel picks one channel of channel identification: set "
                              "channel_identification: true and number_of_channels: 2", code="transcribe")
            return
        if channels != 2:
            yield Problem(f"{where}/number_of_channels", f"channel identification needs number_of_channels: 2 "
                          f"(Transcribe streaming takes two channels), not {channels}", code="transcribe")
        elif o.channel >= channels:
            yield Problem(f"{where}/channel", f"channel {o.channel} does not exist: number_of_channels is "
                          f"{channels} (channels count from 0)", code="transcribe")
        source = request.pipeline.source
        heard = getattr(source.options, "channels", None) if source.type == "microphone" else None
        if heard is not None and heard < channels:
            yield Problem(f"{where}/number_of_channels", f"the microphone gives {heard} channel(s) "
                          f"but Transcribe is told of {channels}: the first is copied to the others, and only "
                          f"channel {o.channel} is translated", code="transcribe", severity="warning")

    @classmethod
    def languages(cls, request: EngineRequest) -> tuple[str, ...]:
        o: TranscribeOptions = request.options
        if _identifies(o) and o.language_options:
            return tuple(o.language_options)
        return (o.language_code or request.source_language,)

    @classmethod
    def create(cls, request: EngineRequest) -> Self:
        from runner.engines.aws.context import context_for
        from runner.engines.aws.glossary import transcribe_vocabulary

        o: TranscribeOptions = request.options
        vocabulary = transcribe_vocabulary(request.pipeline)
        if vocabulary is not None and vocabulary not in o.vocabulary_names and not _identifies(o):
            o = dataclasses.replace(o, vocabulary_names=(*o.vocabulary_names, CString(vocabulary)))
        return cls(context_for(request.pipeline.aws), o.language_code or request.source_language, o)

    async def start(self) -> None:
        await asyncio.to_thread(self.context.credentials)  # no credentials: say so before the source starts

    def _input(self) -> Any:
        from aws_sdk_transcribe_streaming.models import StartStreamTranscriptionInput

        o = self.options
        kwargs: dict[str, Any] = {
            "media_sample_rate_hertz": self.input_rate,
            "media_encoding": "pcm",
            "enable_partial_results_stabilization": o.partial_results_stabilization,
        }
        if o.partial_results_stabilization:
            kwargs["partial_results_stability"] = o.partial_results_stability
        if _identifies(o):
            kwargs["identify_multiple_languages" if o.identify_multiple_languages else "identify_language"] = True
            kwargs["language_options"] = ",".join(o.language_options)
            if o.preferred_language:
                kwargs["preferred_language"] = o.preferred_language
        else:
            kwargs["language_code"] = self.language
        if o.vocabulary_names:
            kwargs["vocabulary_names"] = ",".join(o.vocabulary_names)
        if o.vocabulary_filter_name:
            kwargs["vocabulary_filter_name"] = o.vocabulary_filter_name
            kwargs["vocabulary_filter_method"] = o.vocabulary_filter_method or "mask"
        if o.channel_identification:
            kwargs["enable_channel_identification"] = True
            kwargs["number_of_channels"] = self.input_channels
        return StartStreamTranscriptionInput(**kwargs)

    async def transcribe(self, frames: AsyncIterator[AudioFrame]) -> AsyncGenerator[Transcript, None]:
        from aws_sdk_transcribe_streaming.client import AsyncTranscribeStreamingClient
        from aws_sdk_transcribe_streaming.config import AsyncTranscribeStreamingConfig

        from runner.engines.aws.errors import from_smithy
        from runner.engines.aws.transport import cancel_and_wait, close_input

        try:
            config = await self.context.smithy_config(AsyncTranscribeStreamingConfig, self.endpoint_url)
            client = AsyncTranscribeStreamingClient(config=config)
            stream = await asyncio.wait_for(client.start_stream_transcription(self._input()), CONNECT_TIMEOUT)
            _, results = await asyncio.wait_for(stream.await_output(), CONNECT_TIMEOUT)
        except TimeoutError as exc:
            raise TransientEngineError(f"{SERVICE}: no answer in {CONNECT_TIMEOUT:g}s (endpoint unreachable or "
                                       f"its certificate untrusted)") from exc
        except Exception as exc:
            raise from_smithy(exc, SERVICE) from exc
        timeline = Timeline()
        sender = asyncio.create_task(self._send(stream, frames, timeline))
        receiver = self._receive(results, timeline)
        result: asyncio.Future[Transcript] | None = None
        try:
            while True:
                result = asyncio.ensure_future(anext(receiver))
                await asyncio.wait({result, sender}, return_when=asyncio.FIRST_COMPLETED)
                if not result.done():  # the sender stopped first: an error from the source, or its end
                    if sender.exception() is not None:
                        raise sender.exception()  # type: ignore[misc]
                    await asyncio.wait({result})
                try:
                    yield result.result()
                except StopAsyncIteration:
                    break
            if not sender.done():  # the service ended the stream while audio was still coming
                raise TransientEngineError(f"{SERVICE}: the stream ended before the audio did (connection lost?)")
            sender.result()
        finally:
            await cancel_and_wait(sender)
            await close_input(stream)  # ends awscrt's request-body writer, else pending until collected
            with contextlib.suppress(Exception):
                await client.close()
            if result is not None:
                # A read still waiting for the service (the stream was stopped, or the source failed) ends now
                # that the connection is closed. Cancelled, it would leave awscrt a cancelled future to resolve
                # from its own thread (InvalidStateError); it is cancelled only if it does not end.
                await asyncio.wait({result}, timeout=CLOSE_TIMEOUT)
                await cancel_and_wait(result)
            await receiver.aclose()

    async def _send(self, stream: Any, frames: AsyncIterator[AudioFrame], timeline: Timeline) -> None:
        """The frames as AudioEvents; silence when the source has nothing for ``keepalive`` seconds, because
        Transcribe ends a stream that receives no audio for 15 s."""
        from aws_sdk_transcribe_streaming.models import AudioEvent, AudioStreamAudioEvent

        async def send(pcm: bytes) -> None:
            await stream.input_stream.send(AudioStreamAudioEvent(value=AudioEvent(audio_chunk=pcm)))

        iterator = frames.__aiter__()
        bytes_per_second = self.input_rate * self.input_channels * 2
        silence = b"\0" * (bytes_per_second // 10 // (2 * self.input_channels) * (2 * self.input_channels))
        pending = asyncio.ensure_future(anext(iterator))
        try:
            while True:
                done, _ = await asyncio.wait({pending}, timeout=self.keepalive)
                if not done:
                    timeline.add_silence(len(silence) / bytes_per_second)
                    await send(silence)
                    continue
                try:
                    frame = pending.result()
                except StopAsyncIteration:
                    break
                timeline.add(frame.start, frame.duration)
                await send(frame.pcm)
                pending = asyncio.ensure_future(anext(iterator))
        finally:
            pending.cancel()
        await stream.input_stream.close()

    async def _receive(self, results: Any, timeline: Timeline) -> AsyncGenerator[Transcript, None]:
        from runner.engines.aws.errors import from_smithy

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
                    if not result.alternatives or (self.channel_id and result.channel_id != self.channel_id):
                        continue
                    seq = ids.setdefault(result.result_id or "", len(ids))
                    alternative = result.alternatives[0]
                    yield Transcript(seq, (alternative.transcript or "").strip(), not result.is_partial,
                                     timeline.stream_time(result.start_time), timeline.stream_time(result.end_time),
                                     result.language_code or None, stable_words(alternative.items or []))
        except Exception as exc:
            raise from_smithy(exc, SERVICE) from exc


def stable_words(items: list[Any]) -> int | None:
    """How many leading words of a partial's transcript its items mark stable (None: no item says, the stream
    has no stabilization). A word whose punctuation is not yet stable is not counted: its text may still change
    ("world" -> "world,")."""
    if not items or all(getattr(item, "stable", None) is None for item in items):
        return None
    count = 0
    for item in items:
        if not item.stable:
            if item.type == "punctuation" and count:
                count -= 1
            return count
        if item.type == "pronunciation":
            count += 1
    return count


class Timeline:
    """Maps times in a Transcribe stream (seconds of audio sent to it) to session stream time: a stream may
    start with audio replayed from before a reconnect, and keepalive silence takes no time in the session."""

    def __init__(self) -> None:
        self._sent = 0.0
        self._starts: list[float] = []  # sent seconds where each segment begins (sorted)
        self._segments: list[tuple[float, bool]] = []  # (session time at its start, is keepalive silence)
        self._expected: float | None = None  # session time the next frame starts at, if contiguous

    def add(self, start: float, duration: float) -> None:
        contiguous = self._segments and not self._segments[-1][1] and self._expected is not None \
            and abs(start - self._expected) < 1e-6
        if not contiguous:
            self._starts.append(self._sent)
            self._segments.append((start, False))
        self._sent += duration
        self._expected = start + duration

    def add_silence(self, duration: float) -> None:
        self._starts.append(self._sent)
        self._segments.append((self._expected or 0.0, True))
        self._sent += duration

    def stream_time(self, sent: float) -> float:
        index = bisect.bisect_right(self._starts, sent) - 1
        if index < 0:
            return round(sent, 3)
        session_start, silence = self._segments[index]
        return round(session_start if silence else session_start + sent - self._starts[index], 3)
