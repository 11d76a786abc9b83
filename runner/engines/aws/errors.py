"""SDK errors, converted once at the boundary into polyglot's error tree (callers decide by type).

Throttling, service failures and broken connections are transient (worth retrying); validation, access and
not-found errors are permanent. A permanent error that belongs to the one request (its text too long, its SSML
malformed, a validation error of the Text field) is a RejectedRequest: it costs that utterance, not the target.
Each message names the service and says what happened in one line.
"""

from __future__ import annotations

from typing import Any

import botocore.exceptions

from runner.errors import (
    CredentialsError,
    EngineError,
    EngineUnavailable,
    PermanentEngineError,
    RejectedRequest,
    TransientEngineError,
)

POLLY_STREAM = "Amazon Polly stream"
TRANSIENT_CODES = {
    "ThrottlingException", "Throttling", "TooManyRequestsException", "ServiceUnavailable",
    "ServiceUnavailableException", "ServiceFailureException", "InternalServerException", "InternalFailureException",
    "InternalServerError", "LimitExceededException", "RequestTimeout", "RequestTimeoutException",
    "ServiceQuotaExceededException", "ConflictException",
}
# Errors about what one request carried (Polly's TextLengthExceeded and InvalidSsml, Translate's TextSizeLimitExceeded
# and DetectedLanguageLowConfidence): the next request, with other text, may succeed.
REQUEST_CODES = {
    "TextLengthExceededException", "InvalidSsmlException", "TextSizeLimitExceededException",
    "DetectedLanguageLowConfidenceException",
}
REQUEST_FIELDS = {"Text", "TextType"}  # a ValidationException about only these is about the request's text
ACCESS_CODES = {
    "AccessDeniedException", "AccessDenied", "UnrecognizedClientException", "InvalidSignatureException",
    "SignatureDoesNotMatch", "ExpiredTokenException", "ExpiredToken", "InvalidClientTokenId",
    "MissingAuthenticationTokenException",
}


def from_botocore(exc: Exception, service: str) -> Exception:
    """A botocore/boto3 exception as a polyglot error."""
    if isinstance(exc, botocore.exceptions.ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", "Unknown"))
        message = str(error.get("Message", "")) or code
        text = f"{service}: {code}: {message}"
        if code in ACCESS_CODES:
            return PermanentEngineError(f"{service}: access denied ({code}): {message}")
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        if code in TRANSIENT_CODES or status >= 500:
            return TransientEngineError(text)
        if code in REQUEST_CODES or (code == "ValidationException" and about_text(exc.response.get("fields"))):
            return RejectedRequest(text)
        return PermanentEngineError(text)
    if isinstance(exc, botocore.exceptions.ParamValidationError):  # refused by the client before it was sent
        return RejectedRequest(f"{service}: {_short(exc)}")
    if isinstance(exc, botocore.exceptions.NoCredentialsError | botocore.exceptions.PartialCredentialsError):
        return CredentialsError(f"{service}: no usable AWS credentials ({exc})")
    if isinstance(exc, botocore.exceptions.SSLError):
        return TransientEngineError(f"{service}: TLS failed ({_short(exc)}); is AWS_CA_BUNDLE right?")
    if isinstance(exc, botocore.exceptions.EndpointConnectionError | botocore.exceptions.ConnectionClosedError):
        return TransientEngineError(f"{service}: cannot reach the endpoint ({_short(exc)})")
    if isinstance(exc, botocore.exceptions.ConnectTimeoutError | botocore.exceptions.ReadTimeoutError):
        return TransientEngineError(f"{service}: timed out ({_short(exc)})")
    if isinstance(exc, botocore.exceptions.BotoCoreError):
        return TransientEngineError(f"{service}: {_short(exc)}")
    return exc


def at_startup(exc: Exception, service: str) -> Exception:
    """A botocore error met on the first call, which proves the endpoint, the credentials and the network: a
    transient one means the service cannot be reached now, which stops the run before audio flows."""
    error = from_botocore(exc, service)
    return EngineUnavailable(str(error)) if isinstance(error, TransientEngineError) else error


def from_smithy(exc: BaseException, service: str) -> Exception:
    """An exception from a smithy-based client (modeled service error, transport failure) as a polyglot error."""
    if isinstance(exc, EngineError | CredentialsError):
        return exc
    name = type(exc).__name__
    message = str(getattr(exc, "message", "") or exc) or name
    if name in ACCESS_CODES:
        return PermanentEngineError(f"{service}: access denied ({name}): {message}")
    if name in TRANSIENT_CODES:
        return TransientEngineError(f"{service}: {name}: {message}")
    if name in REQUEST_CODES:
        return RejectedRequest(f"{service}: {name}: {message}")
    if is_modeled(exc):
        return PermanentEngineError(f"{service}: {name}: {message}")
    # transport: awscrt errors, closed connections, TLS failures. The event-stream reader wraps the awscrt error
    # (e.g. AWS_ERROR_HTTP_CONNECTION_CLOSED) in a bare OSError: name the cause, which says what happened.
    cause = exc.__cause__
    if isinstance(exc, OSError) and cause is not None:
        code = getattr(cause, "name", "") or type(cause).__name__
        detail = getattr(cause, "message", "") or _short(cause)
        return TransientEngineError(f"{service}: connection lost ({code}: {detail})")
    return TransientEngineError(f"{service}: connection failed ({name}: {_short(exc)})")


def is_modeled(exc: BaseException) -> bool:
    """An error the service sent, as its model describes it (a smithy-generated exception), rather than a
    failure of the transport."""
    return type(exc).__name__.endswith("Exception") and hasattr(exc, "fault")


def from_polly_stream(exc: BaseException) -> Exception:
    """An error of Polly's StartSpeechSynthesisStream: the exceptions its model names, read with their details
    (the validation reason and fields, the quota, the throttling reasons); transport failures as from_smithy."""
    if not is_modeled(exc):
        return from_smithy(getattr(exc, "value", None) or exc, POLLY_STREAM)
    name = type(exc).__name__
    message = getattr(exc, "message", "") or name
    if name == "ValidationException":
        reason = getattr(exc, "reason", "") or ""
        fields = describe_fields(getattr(exc, "fields", None))
        text = f"Polly rejected the request ({reason}): {message}" + (f" [{fields}]" if fields else "")
        # its text (or the event that carried it) was at fault, not the stream's voice, engine or lexicons
        if reason == "invalidInboundEvent" or about_text(getattr(exc, "fields", None)):
            return RejectedRequest(text)
        return PermanentEngineError(text)
    if name == "ServiceQuotaExceededException":
        return TransientEngineError(f"Polly quota exceeded ({getattr(exc, 'quota_code', '?')}): {message}")
    if name == "ThrottlingException":
        reasons = ", ".join(r.reason or "" for r in getattr(exc, "throttling_reasons", None) or [])
        return TransientEngineError(f"Polly throttled the stream ({reasons or 'no reason given'}): {message}")
    if name == "ServiceFailureException":
        return TransientEngineError(f"Polly failed: {message}")
    if name in ACCESS_CODES:
        return PermanentEngineError(f"{POLLY_STREAM}: access denied ({name}): {message}")
    return PermanentEngineError(f"{POLLY_STREAM}: {name}: {message}")


def about_text(fields: list[Any] | None) -> bool:
    """Whether a ValidationException's fields (dicts from botocore, objects from smithy) name only the text."""
    names = {f.get("name") if isinstance(f, dict) else getattr(f, "name", None) for f in fields or []}
    return bool(names) and names <= REQUEST_FIELDS


def describe_fields(fields: list[Any] | None) -> str:
    return "; ".join(f"{f.name}: {f.message}" for f in fields or [])


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]
