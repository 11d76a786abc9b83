"""Amazon Polly as a target's voice. Three ways to ask it, chosen per target by ``text_to_speech.mode``:

- ``stream`` (the default for generative voices): StartSpeechSynthesisStream, a stream per sentence, the next one
  opened ahead (polly_stream);
- ``synthesize`` (the default otherwise): SynthesizeSpeech per utterance (polly_batch);
- ``task``: StartSpeechSynthesisTask to S3 for long-form batch work (polly_batch).

Text is plain or SSML; with SSML the transcript is escaped, so that nobody's speech can inject markup.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncGenerator, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Self

from runner.config.model import AwsConfig
from runner.engines.aws.polly_options import PollyOptions
from runner.engines.aws.polly_ssml import PLAIN, Speech, as_ssml, speech_problems
from runner.engines.base import EngineRequest, Problem, Synthesizer, Voice, VoiceQuery
from runner.engines.languages import same_language
from runner.errors import EngineUnavailable
from runner.formats import SAMPLE_RATES, TASK_SAMPLE_RATES, default_sample_rate
from runner.frames import AudioFormat
from runner.options import option
from runner.registry import register

if TYPE_CHECKING:
    from runner.engines.aws.context import AwsContext
    from runner.engines.aws.polly_batch import PollySpeech, PollyTask
    from runner.engines.aws.polly_stream import PollyStream

# Characters one request may carry, (billed, in all: SSML tags are not billed), by mode: SynthesizeSpeech's
# documented limit, StartSpeechSynthesisTask's; a stream has no text limit but lasts at most 10 minutes, so each
# sentence's stream is held to SynthesizeSpeech's (about 3 minutes of speech).
MAX_CHARACTERS = {"synthesize": (3000, 6000), "stream": (3000, 6000), "task": (100_000, 200_000)}


def mode_of(engine: str, mode: str) -> str:
    if mode != "auto":
        return mode
    return "stream" if engine == "generative" else "synthesize"


async def describe_voices(context: AwsContext, engine: str | None = None, language: str | None = None,
                          endpoint_url: str | None = None, client: Any = None) -> list[dict[str, Any]]:
    from runner.engines.aws.errors import at_startup

    if client is None:
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


def synthesis_language(voice: dict[str, Any], language: str, language_code: str | None = None) -> str:
    """The language a voice (DescribeVoices' entry) speaks for a target of ``language``: ``language_code`` if
    set, else the one of its languages that is the target's (exactly, or the same language), else its own."""
    languages = [voice["LanguageCode"], *voice.get("AdditionalLanguageCodes", [])]
    if language_code:
        return language_code
    if language in languages:
        return language
    return next((lang for lang in languages if same_language(lang, language)), voice["LanguageCode"])


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
    def __init__(self, output: AudioFormat, backend: PollyStream | PollySpeech | PollyTask, text_type: str,
                 mode: str = "synthesize", language: str | None = None, speech: Speech = PLAIN) -> None:
        self.output = output
        self.backend = backend
        self.text_type = text_type
        self.speech = speech
        self.max_characters = MAX_CHARACTERS[mode]
        self.language = language  # the target's, to send as LanguageCode if its voice is bilingual

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
        yield from speech_problems(Speech(o.prosody, o.style), t.voice, t.engine, request.choice.pointer)
        unknown = [n for n in t.lexicons if n not in request.pipeline.lexicons]
        if unknown and request.pipeline.lexicons:
            yield Problem(f"{t.pointer}/lexicons", f"lexicon(s) {', '.join(unknown)} are not defined under "
                          "lexicons; they must already exist in the account", code="lexicons", severity="warning")
        if o.task is not None:
            yield from _check_task(o, f"{request.choice.pointer}/task")

    @classmethod
    async def verify(cls, request: EngineRequest) -> list[Problem]:
        from runner.engines.aws.context import context_for
        from runner.engines.aws.polly_lexicons import lexicon_problems

        t = request.target
        assert t is not None
        o: PollyOptions = request.options
        if not t.voice:
            return []
        context = context_for(request.pipeline.aws)
        voices = await describe_voices(context, endpoint_url=o.endpoint_url)
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
        if problems:
            return problems
        local = dict(request.pipeline.lexicons)
        return await lexicon_problems(context, t.lexicons, synthesis_language(voice, t.language, o.language_code),
                                      t.voice, f"{t.pointer}/lexicons", local, request.pipeline.file,
                                      o.endpoint_url)

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
            backend = PollyStream(context, StreamRequest(**vars(request_fields), idle_close=o.stream_idle_close))
        elif mode == "task":
            assert o.task is not None
            backend = PollyTask(context, request_fields, o.task)
        else:
            backend = PollySpeech(context, request_fields)
        engine = cls(AudioFormat(t.format, rate), backend, o.text_type, mode,
                     language=None if o.language_code else t.language, speech=Speech(o.prosody, o.style))
        if isinstance(backend, PollyTask):
            backend.on_status = lambda task_id, status: engine.notice("synthesis-task", f"task {task_id}: {status}")
        elif isinstance(backend, PollyStream):
            backend.notice = engine.notice
        return engine

    async def start(self) -> None:
        if self.language is not None:
            await self._choose_language(self.language)
        await self.backend.start()

    async def _choose_language(self, language: str) -> None:
        """A bilingual voice (Aditi, Kajal: en-IN and hi-IN) speaks its first language unless told otherwise,
        so a hi-IN target would hear Hindi read as Indian English: send the target's language with each
        request, wherever the voice has more than one."""
        r = self.backend.request
        context = self.backend.context
        client = await asyncio.to_thread(context.own_client, "polly", r.endpoint_url, 15)
        try:  # a client of its own: a stream-only target keeps no connection of the shared one open
            voices = await describe_voices(context, endpoint_url=r.endpoint_url, client=client)
        finally:
            client.close()
        voice = next((v for v in voices if v["Id"] == r.voice), None)
        if voice is not None and voice.get("AdditionalLanguageCodes"):
            self.backend.request = dataclasses.replace(r, language_code=synthesis_language(voice, language))

    def payload(self, text: str) -> tuple[str, str]:
        """What is sent for ``text``, and its TextType."""
        if self.rate != 1.0 or not self.speech.plain:  # catching up (simultaneous mode: faster), or the target's
            return as_ssml(text, self.rate, self.speech), "ssml"  # prosody or style: SSML whatever text_type says
        return (as_ssml(text) if self.text_type == "ssml" else text), self.text_type

    def fits(self, text: str) -> bool:
        billed, total = self.max_characters
        return len(text) <= billed and len(self.payload(text)[0]) <= total

    async def synthesize(self, text: str) -> AsyncGenerator[bytes, None]:
        payload, text_type = self.payload(text)
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
    from runner.engines.aws.glossary import polly_lexicon

    assert request.target is not None
    lexicons = request.target.lexicons
    name = polly_lexicon(request.pipeline, request.target.language)
    return (*lexicons, name) if name is not None and name not in lexicons and len(lexicons) < 5 else lexicons
