"""Every error the emulator can send, as the official service models define it: which operation may send
which error, with the HTTP status and the message member of its shape.

Nothing else can go on the wire: ``reply`` and ``event`` refuse an error an operation does not declare here, and
``Knobs.inject`` refuses such a fault. tests/aws/test_service_errors.py checks this table against botocore's
``service-2.json`` models (Polly, Translate, S3) and the smithy SDK's (Transcribe streaming), and drives every entry
through the real SDK clients.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from polyglot_emulator import eventstream

if TYPE_CHECKING:
    from polyglot_emulator.common import State
    from polyglot_emulator.http import Response

# HTTP status of each error shape, per service, as its model says (httpStatusCode / smithy.api#httpError).
STATUS: dict[str, dict[str, int]] = {
    "polly": {
        "EngineNotSupportedException": 400, "InvalidLexiconException": 400, "InvalidS3BucketException": 400,
        "InvalidSampleRateException": 400, "InvalidSnsTopicArnException": 400, "InvalidSsmlException": 400,
        "InvalidTaskIdException": 400, "LanguageNotSupportedException": 400, "LexiconNotFoundException": 404,
        "MarksNotSupportedForFormatException": 400,
        "ServiceFailureException": 500, "ServiceQuotaExceededException": 402,
        "SsmlMarksNotSupportedForTextTypeException": 400, "SynthesisTaskNotFoundException": 400,
        "TextLengthExceededException": 400, "ThrottlingException": 400, "UnsupportedPlsAlphabetException": 400,
        "ValidationException": 400,
    },
    "translate": {
        "InternalServerException": 500, "InvalidParameterValueException": 400, "InvalidRequestException": 400,
        "ResourceNotFoundException": 404, "ServiceUnavailableException": 503, "TextSizeLimitExceededException": 400,
        "TooManyRequestsException": 429, "UnsupportedLanguagePairException": 400,
    },
    "transcribe": {
        "BadRequestException": 400, "ConflictException": 409, "InternalFailureException": 500,
        "LimitExceededException": 429, "ServiceUnavailableException": 503,
    },
    "s3": {"InvalidRequest": 400, "NoSuchKey": 404, "InternalError": 500, "SlowDown": 503},
    "transcribe_control": {"BadRequestException": 400, "ConflictException": 409, "NotFoundException": 404},
}

# Errors a service sends that its model has no shape for: S3's model lists few of its errors, its error-code
# documentation many more. These are in botocore's retry configuration (_retry.json) as S3's transient errors;
# tests/aws/test_service_errors.py checks that they are, instead of checking the model.
UNMODELLED = {"s3": frozenset({"InternalError", "SlowDown"})}

# The member that carries the message: Polly's shapes say "message", the others "Message".
MESSAGE_MEMBER = {"polly": "message", "translate": "Message", "transcribe": "Message", "s3": "Message",
                  "transcribe_control": "Message"}

# Errors the AWS front end sends for operations whose model does not list them: input that breaks a model
# constraint (an enum, a pattern) and request throttling. Both shapes are in Polly's model.
FRAMEWORK = {"polly": frozenset({"ValidationException", "ThrottlingException"})}


@dataclass(frozen=True)
class Operation:
    service: str
    model_name: str | None  # the model's operation; None: a request the service has no operation for
    errors: frozenset[str]  # every error this operation can send, and nothing else
    failure: str = ""  # what an injected failure sends when it names no error (the service's 500)
    throttle: str = ""  # what throttling sends


_SYNTHESIS = frozenset({
    "EngineNotSupportedException", "InvalidSampleRateException", "InvalidSsmlException",
    "LanguageNotSupportedException", "LexiconNotFoundException", "MarksNotSupportedForFormatException",
    "ServiceFailureException", "SsmlMarksNotSupportedForTextTypeException", "TextLengthExceededException",
    "ThrottlingException", "ValidationException",
})
_POLLY = {"failure": "ServiceFailureException", "throttle": "ThrottlingException"}

OPERATIONS: dict[str, Operation] = {
    "polly.voices": Operation("polly", "DescribeVoices", frozenset({"ServiceFailureException", "ThrottlingException"}),
                              **_POLLY),
    "polly.put_lexicon": Operation("polly", "PutLexicon", frozenset({
        "InvalidLexiconException", "UnsupportedPlsAlphabetException", "ValidationException"})),
    "polly.get_lexicon": Operation("polly", "GetLexicon", frozenset({"LexiconNotFoundException"})),
    "polly.delete_lexicon": Operation("polly", "DeleteLexicon", frozenset({"LexiconNotFoundException"})),
    "polly.synthesize": Operation("polly", "SynthesizeSpeech", _SYNTHESIS, **_POLLY),
    "polly.task": Operation("polly", "StartSpeechSynthesisTask", _SYNTHESIS | {
        "InvalidS3BucketException", "InvalidSnsTopicArnException"}, **_POLLY),
    "polly.get_task": Operation("polly", "GetSpeechSynthesisTask", frozenset({
        "InvalidTaskIdException", "ServiceFailureException", "SynthesisTaskNotFoundException"}),
        failure="ServiceFailureException"),
    "polly.stream": Operation("polly", "StartSpeechSynthesisStream", frozenset({
        "ValidationException", "ServiceQuotaExceededException", "ServiceFailureException", "ThrottlingException"}),
        **_POLLY),
    "polly.unknown": Operation("polly", None, frozenset({"ValidationException"})),
    "translate": Operation("translate", "TranslateText", frozenset({
        "InternalServerException", "ResourceNotFoundException", "ServiceUnavailableException",
        "TextSizeLimitExceededException", "TooManyRequestsException", "UnsupportedLanguagePairException"}),
        failure="InternalServerException", throttle="TooManyRequestsException"),
    "translate.import_terminology": Operation("translate", "ImportTerminology", frozenset({
        "InvalidParameterValueException"})),
    "translate.unknown": Operation("translate", None, frozenset({"InvalidRequestException"})),
    "transcribe.stream": Operation("transcribe", "StartStreamTranscription", frozenset({
        "BadRequestException", "ConflictException", "InternalFailureException", "LimitExceededException",
        "ServiceUnavailableException"}), failure="InternalFailureException", throttle="LimitExceededException"),
    "translate.get_terminology": Operation("translate", "GetTerminology", frozenset({"ResourceNotFoundException"})),
    "translate.delete_terminology": Operation("translate", "DeleteTerminology",
                                              frozenset({"ResourceNotFoundException"})),
    # Transcribe's control plane (custom vocabularies): botocore's "transcribe" model.
    "transcribe_control.create": Operation("transcribe_control", "CreateVocabulary", frozenset({
        "BadRequestException", "ConflictException"})),
    "transcribe_control.update": Operation("transcribe_control", "UpdateVocabulary", frozenset({
        "BadRequestException", "NotFoundException"})),
    "transcribe_control.get": Operation("transcribe_control", "GetVocabulary", frozenset({"NotFoundException"})),
    "transcribe_control.delete": Operation("transcribe_control", "DeleteVocabulary",
                                           frozenset({"NotFoundException"})),
    "transcribe_control.unknown": Operation("transcribe_control", None, frozenset({"BadRequestException"})),
    "s3.get": Operation("s3", "GetObject", frozenset({"NoSuchKey"})),
    "s3.put": Operation("s3", "PutObject", frozenset({"InvalidRequest", "InternalError", "SlowDown"}),
                        failure="InternalError", throttle="SlowDown"),
    "s3.unknown": Operation("s3", None, frozenset({"InvalidRequest"})),
}


class UndeclaredError(ValueError):
    """An error the operation does not declare (a bug in the emulator, or a knob asking for a drift)."""


def declared(operation: str, error_type: str) -> Operation:
    op = OPERATIONS.get(operation)
    if op is None:
        raise UndeclaredError(f"the emulator has no operation {operation!r} (known: {', '.join(OPERATIONS)})")
    if error_type not in op.errors:
        raise UndeclaredError(f"{operation} ({op.model_name or 'no operation'}) cannot send {error_type} in the "
                              f"{op.service} model (it can send: {', '.join(sorted(op.errors))})")
    return op


def body_of(operation: str, error_type: str, message: str, members: dict[str, Any]) -> dict[str, Any]:
    op = declared(operation, error_type)
    return {MESSAGE_MEMBER[op.service]: message, **members}


async def reply(state: State, response: Response, operation: str, error_type: str, message: str,
                **members: Any) -> None:
    """An error response (rest-json / json-1.1): the type in x-amzn-ErrorType and the body's __type."""
    body = body_of(operation, error_type, message, members)
    status = STATUS[OPERATIONS[operation].service][error_type]
    state.record("error", call=operation, type=error_type, status=status, body=body)
    await response.respond(status, json.dumps({"__type": error_type, **body}).encode(),
                           headers=[("x-amzn-errortype", error_type), ("x-amzn-requestid", request_id())])


def event(state: State, operation: str, error_type: str, message: str, **members: Any) -> bytes:
    """An exception event that ends a stream."""
    body = body_of(operation, error_type, message, members)
    state.record("error", call=operation, type=error_type, status=None, body=body)
    return eventstream.exception(error_type, body)


async def s3_reply(state: State, response: Response, operation: str, error_type: str, message: str,
                   key: str = "") -> None:
    """An S3 error: its XML envelope."""
    body = body_of(operation, error_type, message, {})
    status = STATUS["s3"][error_type]
    state.record("error", call=operation, type=error_type, status=status, body=body)
    xml = (f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{error_type}</Code><Message>{escape(message)}</Message>"
           f"<Key>{escape(key)}</Key><RequestId>{request_id()}</RequestId></Error>")
    await response.respond(status, xml.encode(), content_type="application/xml")


def request_id() -> str:
    return str(uuid.uuid4())
