"""Amazon Polly as a target's voice. Three ways to ask it, chosen per target by ``text_to_speech.mode``:

- ``stream`` (the default for generative voices): one long-lived StartSpeechSynthesisStream (polly_stream);
- ``synthesize`` (the default otherwise): SynthesizeSpeech per utterance (polly_batch);
- ``task``: StartSpeechSynthesisTask to S3 for long-form batch work (polly_batch).

Text is plain or SSML; with SSML the transcript is escaped, so that nobody's speech can inject markup.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Self
from xml.sax.saxutils import escape

from runner.config.model import AwsConfig
from runner.engines.base import EngineRequest, Problem, Synthesizer, Voice, VoiceQuery
from runner.engines.languages import same_language
from runner.errors import EngineUnavailable
from runner.formats import SAMPLE_RATES, TASK_SAMPLE_RATES, default_sample_rate
from runner.frames import AudioFormat
from runner.options import LanguageTag, option
from runner.registry import register

if TYPE_CHECKING:
    from runner.engines.aws.context import AwsContext
    from runner.engines.aws.polly_batch import PollySpeech, PollyTask
    from runner.engines.aws.polly_stream import PollyStream

STREAM_GAP = 0.35  # seconds of quiet after a flush's audio that end an utterance on a stream


def mode_of(engine: str, mode: str) -> str:
    if mode != "auto":
        return mode
    return "stream" if engine == "generative" else "synthesize"


def as_ssml(text: str, rate: float = 1.0) -> str:
    """Wrap transcript text as SSML, escaped: '<break time="10s"/>' said aloud is spoken as words. A ``rate``
    other than 1 speaks it faster (or slower) through ``<prosody rate="120%">``."""
    if rate == 1.0:
        return f"<speak>{escape(text)}</speak>"
    return f'<speak><prosody rate="{round(rate * 100)}%">{escape(text)}</prosody></speak>'


async def describe_voices(context: AwsContext, engine: str | None = None, language: str | None = None,
                          endpoint_url: str | None = None) -> list[dict[str, Any]]:
    from runner.engines.aws.errors import at_startup

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
        raise at_startup(exc, "Amazon Polly") from exc


@dataclass(frozen=True)
class PollyTaskOptions:
    bucket: str = option(doc="The S3 bucket the task writes to.", minLength=3)
    prefix: str = option("", doc="Key prefix of the outputs.")
    sns_topic_arn: str | None = option(None, doc="An SNS topic told of the task's status.", pattern="^arn:")
    speech_mark_types: tuple[Literal["sentence", "ssml", "viseme", "word"], ...] = option(
        (), doc="Speech marks written beside the audio by a companion task.", uniqueItems=True)
    poll_interval: float = option(1.0, doc="Seconds between status polls at first (it backs off).",
                                  exclusiveMinimum=0)
    timeout: float = option(600.0, doc="Seconds a task may take.", exclusiveMinimum=0)


@dataclass(frozen=True)
class PollyOptions:
    mode: Literal["auto", "stream", "synthesize", "task"] = option(
        "auto", doc="auto: StartSpeechSynthesisStream for generative voices, SynthesizeSpeech otherwise; task: "
        "StartSpeechSynthesisTask to S3.")
    text_type: Literal["text", "ssml"] = option("text", doc="ssml: each sentence is wrapped in <speak>, escaped.")
    language_code: LanguageTag | None = option(None, doc="For bilingual voices only.")
    task: PollyTaskOptions | None = option(None, doc="Where mode task writes.")
    endpoint_url: str | None = option(None, doc="Another endpoint (default: the SDK's, or AWS_ENDPOINT_URL_POLLY).",
                                      pattern="^https?://")
    timeout: float = option(30.0, doc="Seconds to wait for audio.", exclusiveMinimum=0)
    stream_idle_close: float = option(8.0, doc="Seconds a stream may stay unused before it is closed (and reopened "
                                      "lazily), ahead of Polly's inbound-event timeout.", exclusiveMinimum=0)
    stream_gap: float = option(STREAM_GAP, doc="Seconds of quiet after a sentence's audio that mark its end on a "
                               "stream (Polly does not mark it).", exclusiveMinimum=0, maximum=5)


@dataclass(frozen=True)
class PollyTargetFields:
    """What Polly reads on each target, besides its voice, format and sample rate."""

    engine: Literal["standard", "neural", "long-form", "generative"] = option("standard", doc="Polly voice engine.")
    lexicons: tuple[str, ...] = option((), doc="Names of pronunciation lexicons applied to this voice (at most 5): "
                                       "defined under the top-level 'lexicons' or already stored in the account.",
                                       maxItems=5, uniqueItems=True,
                                       items={"type": "string", "pattern": "^[0-9A-Za-z]{1,20}$"})


def _check_task(o: PollyOptions, where: str) -> Iterable[Problem]:
    """What StartSpeechSynthesisTask refuses, before the first task: its bucket, prefix and topic, and speech
    marks it cannot make."""
    from runner.engines.aws.rules import polly_pattern_problem, s3_bucket_problem

    task = o.task
    assert task is not None
    if (problem := s3_bucket_problem(task.bucket)) is not None:
        yield Problem(f"{where}/bucket", problem, code="polly-task")
    if (problem := polly_pattern_problem("OutputS3KeyPrefix", task.prefix, "an S3 key prefix Polly takes")):
        yield Problem(f"{where}/prefix", problem, code="polly-task")
    if task.sns_topic_arn and (problem := polly_pattern_problem("SnsTopicArn", task.sns_topic_arn,
                                                                 "an SNS topic ARN")):
        yield Problem(f"{where}/sns_topic_arn", problem, code="polly-task")
    if "ssml" in task.speech_mark_types and o.text_type != "ssml":
        yield Problem(f"{where}/speech_mark_types", "ssml speech marks need SSML input: set text_type: ssml, or "
                      "leave ssml out", code="polly-task")


@register("text_to_speech", "polly", family="aws", options=PollyOptions, target_fields=PollyTargetFields,
          summary="Amazon Polly: generative streams (aws-sdk-polly), SynthesizeSpeech and synthesis tasks (boto3)")
class AmazonPolly(Synthesizer):
    supports_rate = True
    def __init__(self, output: AudioFormat, backend: PollyStream | PollySpeech | PollyTask, text_type: str) -> None:
        self.output = output
        self.backend = backend
        self.text_type = text_type

    @classmethod
    def check(cls, request: EngineRequest) -> Iterable[Problem]:
        t = request.target
        assert t is not None
        o: PollyOptions = request.options
        if not t.voice:
            yield Problem(f"{t.pointer}/language", f"Polly needs a voice for {t.language}: set voice to a Polly "
                          f"VoiceId ('polyglot voices --language {t.language}' lists them)", code="voice")
        mode = mode_of(t.engine, o.mode)
        if mode == "stream" and t.engine != "generative":
            yield Problem(f"{t.pointer}/engine", f"StartSpeechSynthesisStream needs a generative voice engine, not "
                          f"{t.engine}", code="engine")
        if mode == "task" and o.task is None:
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
        if o.task is not None:
            yield from _check_task(o, f"{request.choice.pointer}/task")

    @classmethod
    async def verify(cls, request: EngineRequest) -> list[Problem]:
        from runner.engines.aws.context import context_for

        t = request.target
        assert t is not None
        o: PollyOptions = request.options
        if not t.voice:
            return []
        voices = await describe_voices(context_for(request.pipeline.aws), endpoint_url=o.endpoint_url)
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
        if o.language_code and o.language_code not in languages:  # Polly would refuse every request
            problems.append(Problem(f"{request.choice.pointer}/language_code", f"Polly voice {t.voice} does not "
                                    f"speak {o.language_code} (it speaks {', '.join(languages)})", code="voice"))
        return problems

    @classmethod
    async def voices(cls, query: VoiceQuery) -> list[Voice]:
        from runner.engines.aws.context import context_for

        found = await describe_voices(context_for(query.aws or AwsConfig()), query.engine, query.language)
        return [Voice(v["Id"], v.get("Name", v["Id"]), (v["LanguageCode"], *v.get("AdditionalLanguageCodes", [])),
                      v.get("Gender", ""), tuple(v.get("SupportedEngines", []))) for v in found]

    @classmethod
    def create(cls, request: EngineRequest) -> Self:
        from runner.engines.aws.context import context_for
        from runner.engines.aws.polly_batch import PollySpeech, PollyTask, SpeechRequest
        from runner.engines.aws.polly_stream import PollyStream, StreamRequest

        t = request.target
        assert t is not None and t.voice is not None
        o: PollyOptions = request.options
        rate = t.sample_rate or default_sample_rate(t.format, t.engine)
        context = context_for(request.pipeline.aws)
        request_fields = SpeechRequest(voice=t.voice, engine=t.engine, output_format=t.format, sample_rate=rate,
                                       language_code=o.language_code, lexicons=_with_glossary(request),
                                       text_type=o.text_type,
                                       endpoint_url=o.endpoint_url, timeout=o.timeout)
        mode = mode_of(t.engine, o.mode)
        backend: PollyStream | PollySpeech | PollyTask
        if mode == "stream":
            backend = PollyStream(context, StreamRequest(**vars(request_fields), gap=o.stream_gap,
                                                         idle_close=o.stream_idle_close))
        elif mode == "task":
            assert o.task is not None
            backend = PollyTask(context, request_fields, o.task)
        else:
            backend = PollySpeech(context, request_fields)
        engine = cls(AudioFormat(t.format, rate), backend, o.text_type)
        if isinstance(backend, PollyTask):
            backend.on_status = lambda task_id, status: engine.notice("synthesis-task", f"task {task_id}: {status}")
        elif isinstance(backend, PollyStream):
            backend.notice = engine.notice
        return engine

    async def start(self) -> None:
        await self.backend.start()

    async def synthesize(self, text: str) -> AsyncGenerator[bytes, None]:
        if self.rate != 1.0:  # catching up (simultaneous mode): faster, through SSML whatever text_type says
            payload, text_type = as_ssml(text, self.rate), "ssml"
        else:
            payload, text_type = (as_ssml(text) if self.text_type == "ssml" else text), self.text_type
        async for chunk in self.backend.synthesize(payload, text_type):
            yield chunk

    def metrics(self) -> dict[str, float]:
        out: dict[str, float] = {"request_characters": self.backend.request_characters}
        streams = getattr(self.backend, "streams_opened", None)  # a stream backend's
        if streams is not None:
            out["streams_opened"] = streams
        return out

    async def aclose(self) -> None:
        await self.backend.close()


def _with_glossary(request: EngineRequest) -> tuple[str, ...]:
    """The target's lexicons, and the glossary's for its language (uploaded by `polyglot glossary sync`) when
    there is room: Polly applies at most 5."""
    from runner.glossary.use import polly_lexicon

    assert request.target is not None
    lexicons = request.target.lexicons
    name = polly_lexicon(request.pipeline, request.target.language)
    return (*lexicons, name) if name is not None and name not in lexicons and len(lexicons) < 5 else lexicons
