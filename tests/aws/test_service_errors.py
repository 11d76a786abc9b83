"""Every error the emulator can send is one the real service can: the emulator's table (polyglot_emulator/errors.py)
against the official models, then each entry sent for real, through the real SDK clients, and checked on the
wire (HTTP status, body members) and in polyglot's own classification (transient or permanent)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import botocore.exceptions
import pytest

from polyglot_emulator import Emulator, Fault
from polyglot_emulator import errors as emulated
from runner.config.model import AwsConfig
from runner.engines.aws.context import context_for
from runner.engines.aws.errors import from_botocore, from_polly_stream, from_smithy
from runner.errors import PermanentEngineError, RejectedRequest, TransientEngineError
from tests.aws.service_models import (
    ModelError,
    body_problems,
    has_operation,
    operation_errors,
    service_errors,
    stream_events,
)

PLS = ('<?xml version="1.0" encoding="UTF-8"?><lexicon version="1.0" '
       'xmlns="http://www.w3.org/2005/01/pronunciation-lexicon" alphabet="{alphabet}" xml:lang="es-ES">'
       '<lexeme><grapheme>W3C</grapheme><alias>World Wide Web Consortium</alias></lexeme></lexicon>')


def declared_pairs() -> set[tuple[str, str]]:
    return {(name, error) for name, op in emulated.OPERATIONS.items() for error in op.errors}


def test_every_declared_error_is_the_models() -> None:
    problems = []
    for name, op in emulated.OPERATIONS.items():
        model = service_errors(op.service)
        if op.model_name is not None and not has_operation(op.service, op.model_name):
            problems.append(f"{name}: {op.service} has no operation {op.model_name}")
            continue
        listed = operation_errors(op.service, op.model_name) if op.model_name else set(model)
        for error in sorted(op.errors):
            if error in emulated.UNMODELLED.get(op.service, frozenset()):
                if not botocore_retries(error, emulated.STATUS[op.service][error]):
                    problems.append(f"{name}: {error} is neither in the {op.service} model nor a transient error "
                                    "in botocore's retry configuration")
                continue
            if error not in model:
                problems.append(f"{name}: {error} is not an exception of the {op.service} model")
                continue
            if error not in listed | emulated.FRAMEWORK.get(op.service, frozenset()):
                problems.append(f"{name}: {op.model_name} does not list {error}")
            if emulated.STATUS[op.service][error] != model[error].status:
                problems.append(f"{name}: {error} is HTTP {model[error].status} in the model, "
                                f"{emulated.STATUS[op.service][error]} in the emulator")
            if op.service != "s3" and emulated.MESSAGE_MEMBER[op.service] not in model[error].members:
                problems.append(f"{name}: {error} has no member {emulated.MESSAGE_MEMBER[op.service]}")
        for default in (op.failure, op.throttle):
            if default and default not in op.errors:
                problems.append(f"{name}: its default error {default} is not declared")
    assert problems == []


def test_a_fault_the_model_does_not_have_is_refused() -> None:
    knobs = Emulator().knobs
    with pytest.raises(ValueError, match="translate .TranslateText. cannot send ThrottlingException"):
        knobs.inject("translate", Fault("http", "ThrottlingException"))
    with pytest.raises(ValueError, match="cannot send InvalidParameterValue in the polly model"):
        knobs.inject("polly.synthesize", Fault("http", "InvalidParameterValue"))
    with pytest.raises(ValueError, match="no faults for 'polly.get_lexicon'"):
        knobs.inject("polly.get_lexicon", Fault("http"))


# ---- every declared error, sent for real ------------------------------------------------------------------------

def polly() -> Any:
    return context_for(AwsConfig()).client("polly")


def translate() -> Any:
    return context_for(AwsConfig()).client("translate")


def transcribe() -> Any:
    return context_for(AwsConfig()).client("transcribe")


def speak(**params: Any) -> None:
    polly().synthesize_speech(**{"VoiceId": "Lucia", "Engine": "neural", "OutputFormat": "pcm", "Text": "hola",
                                 **params})


def task(**params: Any) -> None:
    polly().start_speech_synthesis_task(**{"VoiceId": "Danielle", "Engine": "long-form", "OutputFormat": "mp3",
                                           "Text": "hello", "OutputS3BucketName": "polly-out", **params})


def get_task() -> None:
    """GetSpeechSynthesisTask of a task that exists (an injected fault is then the only error it can meet)."""
    started = polly().start_speech_synthesis_task(VoiceId="Danielle", Engine="long-form", OutputFormat="mp3",
                                                  Text="hello", OutputS3BucketName="polly-out")
    polly().get_speech_synthesis_task(TaskId=started["SynthesisTask"]["TaskId"])


def translate_text(**params: Any) -> None:
    translate().translate_text(**{"Text": "hello", "SourceLanguageCode": "en", "TargetLanguageCode": "es", **params})


async def _polly_stream(**params: Any) -> BaseException:
    from aws_sdk_polly.client import AsyncPollyClient
    from aws_sdk_polly.config import AsyncPollyConfig
    from aws_sdk_polly.models import (
        CloseStreamEvent,
        FlushStreamConfiguration,
        StartSpeechSynthesisStreamActionStreamCloseStreamEvent,
        StartSpeechSynthesisStreamActionStreamTextEvent,
        StartSpeechSynthesisStreamInput,
        TextEvent,
    )

    config = await context_for(AwsConfig()).smithy_config(AsyncPollyConfig, None)
    client = AsyncPollyClient(config=config)
    request = {"engine": "generative", "voice_id": "Lucia", "output_format": "pcm", "sample_rate": "16000", **params}
    stream = None
    try:
        stream = await asyncio.wait_for(client.start_speech_synthesis_stream(
            StartSpeechSynthesisStreamInput(**request)), 15)
        _, output = await asyncio.wait_for(stream.await_output(), 15)
        await stream.input_stream.send(StartSpeechSynthesisStreamActionStreamTextEvent(value=TextEvent(
            text="hola", flush_stream_configuration=FlushStreamConfiguration(force=True))))
        await stream.input_stream.send(StartSpeechSynthesisStreamActionStreamCloseStreamEvent(
            value=CloseStreamEvent()))
        async for event in output:
            if isinstance(getattr(event, "value", None), Exception):
                return event.value
    except Exception as exc:
        return exc
    finally:
        await _close(stream, client)
    raise AssertionError("the stream ended without an error")


async def _close(stream: Any, client: Any) -> None:
    """As the engines do: close the input (ending awscrt's request-body writer), then the client."""
    with contextlib.suppress(Exception):
        await asyncio.wait_for(stream.input_stream.close(), 2)
    with contextlib.suppress(Exception):
        await client.close()


async def _transcribe_stream(**params: Any) -> BaseException:
    from aws_sdk_transcribe_streaming.client import AsyncTranscribeStreamingClient
    from aws_sdk_transcribe_streaming.config import AsyncTranscribeStreamingConfig
    from aws_sdk_transcribe_streaming.models import (
        AudioEvent,
        AudioStreamAudioEvent,
        StartStreamTranscriptionInput,
    )

    config = await context_for(AwsConfig()).smithy_config(AsyncTranscribeStreamingConfig, None)
    client = AsyncTranscribeStreamingClient(config=config)
    request = {"language_code": "en-US", "media_sample_rate_hertz": 16000, "media_encoding": "pcm", **params}
    stream = None
    try:
        stream = await asyncio.wait_for(client.start_stream_transcription(
            StartStreamTranscriptionInput(**request)), 15)
        _, results = await asyncio.wait_for(stream.await_output(), 15)
        await stream.input_stream.send(AudioStreamAudioEvent(value=AudioEvent(audio_chunk=b"\0" * 3200)))
        await stream.input_stream.close()
        async for event in results:
            if isinstance(getattr(event, "value", None), Exception):
                return event.value
    except Exception as exc:
        return exc
    finally:
        await _close(stream, client)
    raise AssertionError("the stream ended without an error")


def polly_stream(**params: Any) -> BaseException:
    return asyncio.run(_polly_stream(**params))


def transcribe_stream(**params: Any) -> BaseException:
    return asyncio.run(_transcribe_stream(**params))


@dataclass(frozen=True)
class Case:
    operation: str
    error: str
    send: Callable[[Emulator], object]  # makes the real client meet the error (raising it, or returning it)
    transient: bool | None = None  # how polyglot classifies it (None: polyglot never meets it)
    rejected: bool = False  # permanent, but only for the request that carried it: it costs one utterance


def fault(operation: str, kind: str, error: str = "", call: Callable[[], object] = lambda: None, **fields: Any) \
        -> Callable[[Emulator], object]:
    def send(emulator: Emulator) -> object:
        emulator.knobs.inject(operation, Fault(kind, error, fields=fields))  # type: ignore[arg-type]
        return call()
    return send


def put_object() -> object:
    return context_for(AwsConfig()).client("s3").put_object(Bucket="hls", Key="live/es.m3u8", Body=b"#EXTM3U\n")


def botocore_retries(error: str, status: int) -> bool:
    """Whether botocore's standard retry mode takes this error for a transient or a throttling one."""
    from botocore.retries.standard import ThrottledRetryableChecker, TransientRetryableChecker

    return (error in ThrottledRetryableChecker._THROTTLED_ERROR_CODES
            or error in TransientRetryableChecker._TRANSIENT_ERROR_CODES
            or status in TransientRetryableChecker._TRANSIENT_STATUS_CODES)


def just(call: Callable[[], object]) -> Callable[[Emulator], object]:
    return lambda emulator: call()


QUOTA = {"quotaCode": "input-stream-timeout", "serviceCode": "polly"}
CASES = [
    Case("polly.voices", "ServiceFailureException", fault("polly.voices", "http", call=lambda: polly()
                                                          .describe_voices()), True),
    Case("polly.voices", "ThrottlingException", fault("polly.voices", "throttle", call=lambda: polly()
                                                      .describe_voices()), True),
    Case("polly.put_lexicon", "InvalidLexiconException", just(lambda: polly().put_lexicon(Name="x", Content="no"))),
    Case("polly.put_lexicon", "UnsupportedPlsAlphabetException", just(lambda: polly().put_lexicon(
        Name="x", Content=PLS.format(alphabet="klingon")))),
    Case("polly.put_lexicon", "ValidationException", just(lambda: polly().put_lexicon(
        Name="not-a-name", Content=PLS.format(alphabet="ipa")))),
    Case("polly.get_lexicon", "LexiconNotFoundException", just(lambda: polly().get_lexicon(Name="nosuch"))),
    Case("polly.delete_lexicon", "LexiconNotFoundException", just(lambda: polly().delete_lexicon(Name="nosuch"))),
    Case("polly.get_task", "InvalidTaskIdException", just(lambda: polly().get_speech_synthesis_task(TaskId="a b"))),
    Case("polly.get_task", "SynthesisTaskNotFoundException", just(lambda: polly().get_speech_synthesis_task(
        TaskId="nosuch"))),
    Case("polly.get_task", "ServiceFailureException", fault("polly.get_task", "http", call=get_task), True),
    Case("polly.unknown", "ValidationException", just(lambda: polly().list_speech_synthesis_tasks())),
    *[Case(op, error, send, transient, rejected=error in ("InvalidSsmlException", "TextLengthExceededException"))
      for op, call in (("polly.synthesize", speak), ("polly.task", task))
      for error, send, transient in (
          ("EngineNotSupportedException", just(lambda call=call: call(VoiceId="Conchita")), False),
          ("InvalidSampleRateException", just(lambda call=call: call(OutputFormat="pcm", SampleRate="22050")), False),
          ("InvalidSsmlException", just(lambda call=call: call(TextType="ssml", Text="<speak>hola")), False),
          ("LanguageNotSupportedException", just(lambda call=call: call(VoiceId="Lucia", Engine="neural",
                                                                        LanguageCode="fr-FR")), False),
          ("LexiconNotFoundException", just(lambda call=call: call(LexiconNames=["nosuch"])), False),
          ("MarksNotSupportedForFormatException", just(lambda call=call: call(SpeechMarkTypes=["word"])), False),
          ("ServiceFailureException", fault(op, "http", call=call), True),
          ("SsmlMarksNotSupportedForTextTypeException", just(lambda call=call: call(
              OutputFormat="json", SpeechMarkTypes=["ssml"])), False),
          ("TextLengthExceededException", just(lambda call=call, op=op: call(
              Text="a" * (3001 if op == "polly.synthesize" else 100_001))), False),
          ("ThrottlingException", fault(op, "throttle", call=call), True),
          ("ValidationException", just(lambda call=call: call(VoiceId="Hannelore")), False))],
    Case("polly.task", "InvalidS3BucketException", just(lambda: task(OutputS3BucketName="No_Such")), False),
    Case("polly.task", "InvalidSnsTopicArnException", just(lambda: task(SnsTopicArn="arn:aws:sns:nowhere")), False),
    Case("polly.stream", "ValidationException", just(lambda: polly_stream(lexicon_names=["nosuch"])), False),
    Case("polly.stream", "ServiceQuotaExceededException", fault("polly.stream", "http",
                                                                "ServiceQuotaExceededException", polly_stream,
                                                                **QUOTA), True),
    Case("polly.stream", "ServiceFailureException", fault("polly.stream", "exception", call=polly_stream), True),
    Case("polly.stream", "ThrottlingException", fault("polly.stream", "throttle", call=polly_stream), True),
    Case("translate", "InternalServerException", fault("translate", "http", call=translate_text), True),
    Case("translate", "ResourceNotFoundException", just(lambda: translate_text(TerminologyNames=["nosuch"])), False),
    Case("translate", "ServiceUnavailableException", fault("translate", "http", "ServiceUnavailableException",
                                                           translate_text), True),
    Case("translate", "TextSizeLimitExceededException", just(lambda: translate_text(Text="é" * 5001)), False,
         rejected=True),
    Case("translate", "TooManyRequestsException", fault("translate", "throttle", call=translate_text), True),
    Case("translate", "UnsupportedLanguagePairException", just(lambda: translate_text(TargetLanguageCode="eo")),
         False),
    Case("translate.import_terminology", "InvalidParameterValueException", just(lambda: translate()
         .import_terminology(Name="t", MergeStrategy="OVERWRITE",
                             TerminologyData={"File": b"en,xx\nhello,hi\n", "Format": "CSV"}))),
    Case("translate.get_terminology", "ResourceNotFoundException", just(lambda: translate().get_terminology(
        Name="nosuch", TerminologyDataFormat="CSV"))),
    Case("translate.delete_terminology", "ResourceNotFoundException", just(lambda: translate().delete_terminology(
        Name="nosuch"))),
    Case("translate.unknown", "InvalidRequestException", just(lambda: translate().list_parallel_data())),
    Case("transcribe_control.create", "BadRequestException", just(lambda: transcribe().create_vocabulary(
        VocabularyName="v", LanguageCode="en-US"))),
    Case("transcribe_control.create", "ConflictException", just(lambda: [transcribe().create_vocabulary(
        VocabularyName="v", LanguageCode="en-US", Phrases=["Siobhan"]) for _ in range(2)])),
    Case("transcribe_control.update", "BadRequestException", just(lambda: [
        transcribe().create_vocabulary(VocabularyName="v", LanguageCode="en-US", Phrases=["Siobhan"]),
        transcribe().update_vocabulary(VocabularyName="v", LanguageCode="xx-XX", Phrases=["Siobhan"])])),
    Case("transcribe_control.update", "NotFoundException", just(lambda: transcribe().update_vocabulary(
        VocabularyName="nosuch", LanguageCode="en-US", Phrases=["Siobhan"]))),
    Case("transcribe_control.get", "NotFoundException", just(lambda: transcribe().get_vocabulary(
        VocabularyName="nosuch"))),
    Case("transcribe_control.delete", "NotFoundException", just(lambda: transcribe().delete_vocabulary(
        VocabularyName="nosuch"))),
    Case("transcribe_control.unknown", "BadRequestException", just(lambda: transcribe().list_medical_vocabularies())),
    Case("transcribe.stream", "BadRequestException", just(lambda: transcribe_stream(language_code="eo-EO")), False),
    Case("transcribe.stream", "ConflictException", fault("transcribe.stream", "http", "ConflictException",
                                                         transcribe_stream), True),
    Case("transcribe.stream", "InternalFailureException", fault("transcribe.stream", "exception",
                                                                call=transcribe_stream), True),
    Case("transcribe.stream", "LimitExceededException", fault("transcribe.stream", "throttle",
                                                              call=transcribe_stream), True),
    Case("transcribe.stream", "ServiceUnavailableException", fault("transcribe.stream", "http",
                                                                   "ServiceUnavailableException",
                                                                   transcribe_stream), True),
    Case("s3.get", "NoSuchKey", just(lambda: context_for(AwsConfig()).client("s3").get_object(
        Bucket="polly-out", Key="nosuch"))),
    Case("s3.unknown", "InvalidRequest", just(lambda: context_for(AwsConfig()).client("s3").get_bucket_location(
        Bucket="polly-out"))),
    Case("s3.put", "InvalidRequest", fault("s3.put", "http", "InvalidRequest", lambda: put_object()), False),
    Case("s3.put", "InternalError", fault("s3.put", "http", call=lambda: put_object()), True),
    Case("s3.put", "SlowDown", fault("s3.put", "throttle", call=lambda: put_object()), True),
]


def test_every_declared_error_has_a_case() -> None:
    assert {(c.operation, c.error) for c in CASES} == declared_pairs()


def met(case: Case, emulator: Emulator) -> BaseException:
    """The error the client met."""
    try:
        returned = case.send(emulator)
    except botocore.exceptions.ClientError as exc:
        return exc
    assert isinstance(returned, BaseException), f"no error: {returned!r}"
    return returned


def classified(case: Case, exc: BaseException, service: str) -> Exception:
    if isinstance(exc, botocore.exceptions.ClientError):
        return from_botocore(exc, service)
    if case.operation == "polly.stream":
        return from_polly_stream(exc)
    return from_smithy(exc, service)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.operation}:{c.error}" for c in CASES])
def test_each_error_as_the_service_sends_it(emulator: Emulator, case: Case) -> None:
    op = emulated.OPERATIONS[case.operation]
    exc = met(case, emulator)
    assert emulator.state is not None
    [sent] = emulator.state.calls("error")
    assert (sent["call"], sent["type"]) == (case.operation, case.error)
    unmodelled = case.error in emulated.UNMODELLED.get(op.service, frozenset())
    model = ModelError(emulated.STATUS[op.service][case.error], (), None) if unmodelled \
        else service_errors(op.service)[case.error]
    if sent["status"] is None:  # an exception event: one the stream's event union carries
        assert case.error in stream_events(op.service, str(op.model_name))
    else:
        assert sent["status"] == model.status
    if op.service != "s3":
        assert body_problems(op.service, case.error, sent["body"]) == []
    if isinstance(exc, botocore.exceptions.ClientError):  # what the client parsed from the wire
        assert exc.response["Error"]["Code"] == case.error
        assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == model.status
    else:  # the smithy clients raise the modeled exception class
        assert type(exc).__name__ == case.error, repr(exc)
    if case.transient is not None:
        error = classified(case, exc, op.service)
        assert isinstance(error, TransientEngineError if case.transient else PermanentEngineError), error
        assert isinstance(error, RejectedRequest) == case.rejected, error


def test_unknown_terminology_is_refused_and_an_imported_one_applied(emulator: Emulator) -> None:
    client = translate()
    csv = b"en,es\nWorld Wide Web Consortium,Consorcio World Wide Web\n"
    client.import_terminology(Name="w3c", MergeStrategy="OVERWRITE", TerminologyData={"File": csv, "Format": "CSV"})
    reply = client.translate_text(Text="the World Wide Web Consortium", SourceLanguageCode="en",
                                  TargetLanguageCode="es", TerminologyNames=["w3c"])
    assert reply["AppliedTerminologies"] == [{"Name": "w3c", "Terms": [
        {"SourceText": "World Wide Web Consortium", "TargetText": "Consorcio World Wide Web"}]}]
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.translate_text(Text="hello", SourceLanguageCode="en", TargetLanguageCode="es",
                              TerminologyNames=["other"])
