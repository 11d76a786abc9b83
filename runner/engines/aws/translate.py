"""Amazon Translate through boto3 ``translate_text``: custom terminologies, formality and profanity per target."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Self

from runner.engines.aws.language_codes import translate_code
from runner.engines.base import EngineRequest, Problem, Translator
from runner.errors import EngineUnavailable, RejectedRequest, TransientEngineError
from runner.options import option
from runner.registry import register
from runner.text import fit, joiner

if TYPE_CHECKING:
    from runner.engines.aws.context import AwsContext

SERVICE = "Amazon Translate"
MAX_BYTES = 10_000  # TranslateText's Text, in UTF-8: longer transcripts are sent in pieces


@dataclass(frozen=True)
class TranslateOptions:
    terminology_names: tuple[str, ...] = option((), doc="A custom terminology to apply (at most one).",
                                                maxItems=1, uniqueItems=True)
    formality: Literal["FORMAL", "INFORMAL"] | None = option(None, doc="For languages that have it.")
    profanity: Literal["MASK"] | None = option(None, doc="Mask profane words.")
    endpoint_url: str | None = option(None, doc="Another endpoint (default: the SDK's, or "
                                      "AWS_ENDPOINT_URL_TRANSLATE).", pattern="^https?://")
    timeout: float = option(10.0, doc="Seconds to wait for a translation.", exclusiveMinimum=0)


@register("translation", "translate", family="aws", options=TranslateOptions,
          summary="Amazon Translate (boto3 translate_text)")
class AmazonTranslate(Translator):
    def __init__(self, context: AwsContext, source: str, target: str, options: TranslateOptions) -> None:
        self.context = context
        self.source = source
        self.target = target
        self.endpoint_url = options.endpoint_url
        self.timeout = options.timeout
        self.extra: dict[str, Any] = {}
        if options.terminology_names:
            self.extra["TerminologyNames"] = list(options.terminology_names)
        settings = {k: v for k, v in (("Formality", options.formality), ("Profanity", options.profanity)) if v}
        if settings:
            self.extra["Settings"] = settings
        self._client: Any = None

    @classmethod
    def check(cls, request: EngineRequest) -> Iterable[Problem]:
        from runner.engines.aws.rules import translate_language_problem

        assert request.target is not None
        if translate_code(request.source_language) == translate_code(request.target.language):
            yield Problem(f"{request.target.pointer}/language", "the target language is the speaker's language",
                          code="language-pair")
        if (problem := translate_language_problem(translate_code(request.target.language))) is not None:
            yield Problem(f"{request.target.pointer}/language", problem, code="language-pair")
        if request.target.index == 0:  # the languages heard, once for the pipeline (not once per target)
            for tag in request.source_languages:
                if (problem := translate_language_problem(translate_code(tag))) is not None:
                    where = "/language" if tag == request.source_language else "/speech_to_text/language_options"
                    yield Problem(where, problem, code="language-pair")

    @classmethod
    def create(cls, request: EngineRequest) -> Self:
        from runner.engines.aws.context import context_for

        assert request.target is not None
        from runner.engines.aws.glossary import translate_terminology

        options: TranslateOptions = request.options
        terminology = translate_terminology(request.pipeline)
        if terminology is not None and not options.terminology_names:  # at most one: the config's wins
            options = dataclasses.replace(options, terminology_names=(terminology,))
        return cls(context_for(request.pipeline.aws), translate_code(request.source_language),
                   translate_code(request.target.language), options)

    async def start(self) -> None:
        from runner.engines.aws.errors import at_startup

        self._client = await asyncio.to_thread(self.context.client, "translate", self.endpoint_url, self.timeout)
        try:  # a cheap call that proves the endpoint, the credentials and the network
            await asyncio.wait_for(asyncio.to_thread(self._client.list_languages, MaxResults=1), self.timeout)
        except TimeoutError as exc:
            raise EngineUnavailable(f"{SERVICE}: no answer from {self._client.meta.endpoint_url} in "
                                    f"{self.timeout:g}s") from exc
        except Exception as exc:
            raise at_startup(exc, SERVICE) from exc

    def sharing_key(self) -> Hashable:
        return ("translate", id(self.context), self.endpoint_url, self.timeout, self.source, self.target,
                json.dumps(self.extra, sort_keys=True))

    async def translate(self, text: str, source: str | None = None) -> str:
        if not text.strip():
            return ""
        if self._client is None:
            await self.start()
        source_code = translate_code(source) if source else self.source
        pieces = fit(text, lambda piece: len(piece.encode()) <= MAX_BYTES, source_code)
        if len(pieces) > 1:  # a long transcript: in pieces cut at sentences, clauses or words, in order
            return joiner(self.target).join([await self._translate(piece, source_code) for piece in pieces])
        return await self._translate(text, source_code)

    async def _translate(self, text: str, source_code: str) -> str:
        from runner.engines.aws.errors import from_botocore

        try:
            reply = await asyncio.wait_for(asyncio.to_thread(
                self._client.translate_text, Text=text, SourceLanguageCode=source_code,
                TargetLanguageCode=self.target, **self.extra), self.timeout)
        except TimeoutError as exc:
            raise TransientEngineError(f"{SERVICE}: no answer in {self.timeout:g}s") from exc
        except Exception as exc:
            error = from_botocore(exc, SERVICE)
            if source_code != self.source and "UnsupportedLanguagePair" in str(error):
                # a language speech-to-text identified in this utterance: the next one may be in another
                raise RejectedRequest(str(error)) from exc
            raise error from exc
        return str(reply["TranslatedText"])
