"""Amazon Polly as a target's voice. Three ways to ask it, chosen per target by ``text_to_speech.mode``:

- ``stream`` (the default for generative voices): one long-lived StartSpeechSynthesisStream (polly_stream);
- ``synthesize`` (the default otherwise): SynthesizeSpeech per utterance (polly_batch);
- ``task``: StartSpeechSynthesisTask to S3 for long-form batch work (polly_batch).

Text is plain or SSML; with SSML the transcript is escaped, so that nobody's speech can inject markup.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Iterable
from typing import Any, Self
from xml.sax.saxutils import escape

from runner.engines.aws.context import AwsContext, context_for
from runner.engines.aws.errors import from_botocore
from runner.engines.aws.polly_batch import PollySpeech, PollyTask, SpeechRequest, TaskSettings
from runner.engines.aws.polly_stream import PollyStream, StreamRequest
from runner.engines.base import EngineRequest, Problem, Synthesizer
from runner.engines.languages import same_language
from runner.engines.registry import register
from runner.errors import EngineUnavailable, TransientEngineError
from runner.formats import SAMPLE_RATES, TASK_SAMPLE_RATES, default_sample_rate
from runner.frames import AudioFormat

STREAM_GAP = 0.35  # seconds of quiet after a flush's audio that end an utterance on a stream


def mode_of(engine: str, mode: str) -> str:
    if mode != "auto":
        return mode
    return "stream" if engine == "generative" else "synthesize"


def as_ssml(text: str) -> str:
    """Wrap transcript text as SSML, escaped: '<break time="10s"/>' said aloud is spoken as words."""
    return f"<speak>{escape(text)}</speak>"


async def describe_voices(context: AwsContext, engine: str | None = None, language: str | None = None,
                          endpoint_url: str | None = None) -> list[dict[str, Any]]:
    client = await asyncio.to_thread(context.client, "polly", endpoint_url, 15)
    params: dict[str, Any] = {"IncludeAdditionalLanguageCodes": True}
    if engine:
        params["Engine"] = engine
    if language:
        params["LanguageCode"] = language
    voices: list[dict[str, Any]] = []
    try:
        while True:
            page = await asyncio.wait_for(asyncio.to_thread(client.describe_voices, **params), 15)
            voices += page.get("Voices", [])
            if not page.get("NextToken"):
                return voices
            params["NextToken"] = page["NextToken"]
    except TimeoutError as exc:
        raise EngineUnavailable("Amazon Polly: DescribeVoices did not answer in 15s") from exc
    except Exception as exc:
        error = from_botocore(exc, "Amazon Polly")
        raise (EngineUnavailable(str(error)) if isinstance(error, TransientEngineError) else error) from exc


@register("text_to_speech", "polly", family="aws",
          summary="Amazon Polly: generative streams (aws-sdk-polly), SynthesizeSpeech and synthesis tasks (boto3)")
class AmazonPolly(Synthesizer):
    def __init__(self, output: AudioFormat, backend: PollyStream | PollySpeech | PollyTask, text_type: str) -> None:
        self.output = output
        self.backend = backend
        self.text_type = text_type

    @classmethod
    def check(cls, request: EngineRequest) -> Iterable[Problem]:
        t = request.target
        assert t is not None
        if not t.voice:
            yield Problem(f"{t.pointer}/language", f"Polly needs a voice for {t.language}: set voice to a Polly "
                          f"VoiceId ('polyglot voices --language {t.language}' lists them)", code="voice")
        mode = mode_of(t.engine, request.choice.get("mode", "auto"))
        if mode == "stream" and t.engine != "generative":
            yield Problem(f"{t.pointer}/engine", f"StartSpeechSynthesisStream needs a generative voice engine, not "
                          f"{t.engine}", code="engine")
        if mode == "task" and not request.choice.get("task"):
            yield Problem(f"{request.choice.pointer}/mode", "mode task needs task.bucket (the S3 output)",
                          code="task")
        rate = t.sample_rate
        if mode == "task" and rate in SAMPLE_RATES[t.format] and rate not in TASK_SAMPLE_RATES[t.format]:
            allowed = ", ".join(str(r) for r in TASK_SAMPLE_RATES[t.format])
            yield Problem(f"{t.pointer}/sample_rate", f"{rate} Hz is not available for {t.format} in a synthesis "
                          f"task (StartSpeechSynthesisTask allows: {allowed})", code="sample-rate")
        unknown = [n for n in t.lexicons if n not in request.pipeline.lexicons]
        if unknown and request.pipeline.lexicons:
            yield Problem(f"{t.pointer}/lexicons", f"lexicon(s) {', '.join(unknown)} are not defined under "
                          "lexicons; they must already exist in the account", code="lexicons", severity="warning")

    @classmethod
    async def verify(cls, request: EngineRequest) -> list[Problem]:
        t = request.target
        assert t is not None
        if not t.voice:
            return []
        voices = await describe_voices(context_for(request.pipeline.aws),
                                       endpoint_url=request.choice.get("endpoint_url"))
        voice = next((v for v in voices if v["Id"] == t.voice), None)
        where = f"{t.pointer}/voice"
        if voice is None:
            near = sorted(v["Id"] for v in voices if same_language(v["LanguageCode"], t.language))
            return [Problem(where, f"Polly has no voice {t.voice!r}" + (f" (for {t.language}: {', '.join(near)})"
                                                                         if near else ""), code="voice")]
        problems = []
        engines = voice.get("SupportedEngines", [])
        if t.engine not in engines:
            problems.append(Problem(f"{t.pointer}/engine", f"Polly voice {t.voice} does not support the {t.engine} "
                                    f"engine (it supports: {', '.join(engines)})", code="voice"))
        languages = [voice["LanguageCode"], *voice.get("AdditionalLanguageCodes", [])]
        if not any(same_language(lang, t.language) for lang in languages):
            problems.append(Problem(where, f"Polly voice {t.voice} speaks {', '.join(languages)}, not "
                                    f"{t.language}", code="voice"))
        language_code = request.choice.get("language_code")
        if language_code and language_code not in languages:  # Polly would refuse every request
            problems.append(Problem(f"{request.choice.pointer}/language_code", f"Polly voice {t.voice} does not "
                                    f"speak {language_code} (it speaks {', '.join(languages)})", code="voice"))
        return problems

    @classmethod
    def create(cls, request: EngineRequest) -> Self:
        t = request.target
        assert t is not None and t.voice is not None
        o = request.choice
        rate = t.sample_rate or default_sample_rate(t.format, t.engine)
        context = context_for(request.pipeline.aws)
        text_type = "ssml" if o.get("text_type") == "ssml" else "text"
        common = dict(voice=t.voice, engine=t.engine, output_format=t.format, sample_rate=rate,
                      language_code=o.get("language_code"), lexicons=t.lexicons, text_type=text_type,
                      endpoint_url=o.get("endpoint_url"), timeout=float(o.get("timeout", 30)))
        mode = mode_of(t.engine, o.get("mode", "auto"))
        backend: PollyStream | PollySpeech | PollyTask
        if mode == "stream":
            backend = PollyStream(context, StreamRequest(  # type: ignore[arg-type]
                **common, gap=float(o.get("stream_gap", STREAM_GAP)),
                idle_close=float(o.get("stream_idle_close", 8))))
        elif mode == "task":
            task = o.get("task") or {}
            backend = PollyTask(context, SpeechRequest(**common), TaskSettings(  # type: ignore[arg-type]
                bucket=task["bucket"], prefix=task.get("prefix", ""), sns_topic_arn=task.get("sns_topic_arn"),
                speech_mark_types=tuple(task.get("speech_mark_types", ())),
                poll_interval=float(task.get("poll_interval", 1)), timeout=float(task.get("timeout", 600))))
        else:
            backend = PollySpeech(context, SpeechRequest(**common))  # type: ignore[arg-type]
        engine = cls(AudioFormat(t.format, rate), backend, text_type)
        if isinstance(backend, PollyTask):
            backend.on_status = lambda task_id, status: engine.notice("synthesis-task", f"task {task_id}: {status}")
        elif isinstance(backend, PollyStream):
            backend.notice = engine.notice
        return engine

    async def start(self) -> None:
        await self.backend.start()

    async def synthesize(self, text: str) -> AsyncGenerator[bytes, None]:
        payload = as_ssml(text) if self.text_type == "ssml" else text
        async for chunk in self.backend.synthesize(payload):
            yield chunk

    def metrics(self) -> dict[str, float]:
        out: dict[str, float] = {"request_characters": self.backend.request_characters}
        if isinstance(self.backend, PollyStream):
            out["streams_opened"] = self.backend.streams_opened
        return out

    async def aclose(self) -> None:
        await self.backend.close()
