"""The official service models, read where the SDKs keep them: botocore's ``service-2.json`` (Polly, Translate, S3,
Transcribe's control plane) and the smithy SDK's generated schemas (Transcribe streaming, which botocore does not
have)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import botocore.session
from botocore.validate import ParamValidator


@dataclass(frozen=True)
class ModelError:
    status: int
    members: tuple[str, ...]
    shape: Any  # botocore Shape or smithy Schema


# The emulator's name of a service -> botocore's: Transcribe's control plane (vocabularies) is botocore's
# "transcribe"; the emulator's "transcribe" is the streaming API, which botocore does not have.
BOTOCORE_NAMES = {"transcribe_control": "transcribe"}


@cache
def _botocore_model(service: str) -> Any:
    return botocore.session.get_session().get_service_model(BOTOCORE_NAMES.get(service, service))


def _transcribe_operations() -> dict[str, Any]:
    from aws_sdk_transcribe_streaming.models import START_STREAM_TRANSCRIPTION

    return {"StartStreamTranscription": START_STREAM_TRANSCRIPTION}


def _smithy_error(schema: Any) -> ModelError:
    from smithy_core.traits import HTTPErrorTrait

    return ModelError(schema.expect_trait(HTTPErrorTrait).code, tuple(schema.members), schema)


def service_errors(service: str) -> dict[str, ModelError]:
    """Every exception shape of the service's model."""
    if service == "transcribe":
        return {s.id.name: _smithy_error(s) for op in _transcribe_operations().values() for s in op.error_schemas}
    model = _botocore_model(service)
    out = {}
    for name in model.shape_names:
        shape = model.shape_for(name)
        if shape.metadata.get("exception"):
            out[name] = ModelError(shape.metadata["error"]["httpStatusCode"], tuple(shape.members), shape)
    return out


def has_operation(service: str, operation: str) -> bool:
    if service == "transcribe":
        return operation in _transcribe_operations()
    return operation in _botocore_model(service).operation_names


def operation_errors(service: str, operation: str) -> set[str]:
    """The errors the model lists for an operation."""
    if service == "transcribe":
        return {s.id.name for s in _transcribe_operations()[operation].error_schemas}
    return {s.name for s in _botocore_model(service).operation_model(operation).error_shapes}


def stream_events(service: str, operation: str) -> set[str]:
    """The members of an operation's output event stream (its events and the exceptions it may carry)."""
    if service == "transcribe":
        from smithy_core.traits import StreamingTrait

        output = _transcribe_operations()[operation].output_schema
        [stream] = [m.expect_member_target() for m in output.members.values()
                    if m.expect_member_target().get_trait(StreamingTrait) is not None]
        return set(stream.members)
    output = _botocore_model(service).operation_model(operation).output_shape
    [stream] = [m for m in output.members.values() if m.serialization.get("eventstream")]
    return set(stream.members)


def body_problems(service: str, error: str, body: dict[str, Any]) -> list[str]:
    """Why an error body does not fit its shape: members it does not have, wrong types, missing required ones."""
    model_error = service_errors(service)[error]
    if service == "transcribe":
        return [f"{error} has no member {key}" for key in body if key not in model_error.members]
    report = ParamValidator().validate(body, model_error.shape)
    return [report.generate_report()] if report.has_errors() else []
