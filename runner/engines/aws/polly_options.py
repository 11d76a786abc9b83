"""What a config may set for Amazon Polly (``text_to_speech`` and, per target, the same keys): the options
polly.py reads and polly_batch's synthesis tasks take, in a module of their own so that neither imports the
other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from runner.engines.aws.polly_ssml import PollyProsody
from runner.options import LanguageTag, option


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
    language_code: LanguageTag | None = option(None, doc="For bilingual voices only (default: the target's "
                                               "language, sent wherever the voice speaks more than one).")
    task: PollyTaskOptions | None = option(None, doc="Where mode task writes.")
    endpoint_url: str | None = option(None, doc="Another endpoint (default: the SDK's, or AWS_ENDPOINT_URL_POLLY).",
                                      pattern="^https?://")
    timeout: float = option(30.0, doc="Seconds to wait for audio.", exclusiveMinimum=0)
    prosody: PollyProsody | None = option(None, doc="Rate, pitch and volume of the voice (SSML <prosody>); set "
                                          "per target to give each language its own.")
    style: Literal["newscaster"] | None = option(None, doc="Polly's newscaster speaking style (neural Joanna, "
                                                 "Matthew, Lupe).")
    stream_idle_close: float = option(8.0, doc="Seconds the next sentence's stream, opened ahead, is kept open "
                                      "(with keep-alive events) waiting for it; then it is closed, and the next "
                                      "sentence opens its own.", exclusiveMinimum=0, maximum=300)
