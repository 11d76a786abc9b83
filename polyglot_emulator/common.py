"""What every emulated service shares: its state, and the fault and latency knobs."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from polyglot_emulator import errors
from polyglot_emulator.backend import Backend
from polyglot_emulator.errors import request_id
from polyglot_emulator.http import Response
from polyglot_emulator.knobs import Fault, Knobs

__all__ = ["State", "http_fault", "pause", "pause_until", "request_id"]


@dataclass
class State:
    """Everything the emulated account holds, and what it saw (tests read ``log``)."""

    knobs: Knobs
    backend: Backend
    region: str = "us-east-1"
    lexicons: dict[str, dict[str, Any]] = field(default_factory=dict)
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    terminologies: dict[str, dict[str, Any]] = field(default_factory=dict)
    vocabularies: dict[str, dict[str, Any]] = field(default_factory=dict)  # Transcribe custom vocabularies
    objects: dict[tuple[str, str], tuple[bytes, str]] = field(default_factory=dict)
    log: list[dict[str, Any]] = field(default_factory=list)

    def reset(self) -> None:
        self.backend.script_memory.clear()
        self.lexicons.clear()
        self.tasks.clear()
        self.terminologies.clear()
        self.vocabularies.clear()
        self.objects.clear()
        self.log.clear()

    def record(self, operation: str, **details: Any) -> None:
        self.log.append({"operation": operation, **details})

    def calls(self, operation: str) -> list[dict[str, Any]]:
        return [entry for entry in self.log if entry["operation"] == operation]


async def http_fault(state: State, response: Response, operation: str, fault: Fault) -> bool:
    """Answer a request-level fault (http or throttle) as the service's model has it. False if the fault is for
    later in a stream."""
    op = errors.OPERATIONS[operation]
    if fault.kind == "http":
        error = fault.error or op.failure
        if op.service == "s3":
            await errors.s3_reply(state, response, operation, error, fault.message)
        else:
            await errors.reply(state, response, operation, error, fault.message, **fault.fields)
        return True
    if fault.kind == "throttle" and fault.after == 0:  # later on a stream: an exception event
        if op.service == "s3":
            await errors.s3_reply(state, response, operation, op.throttle, fault.message)
        else:
            await errors.reply(state, response, operation, op.throttle, fault.message,
                               **throttle_members(op.service))
        return True
    if fault.kind == "drop" and fault.after == 0:
        await response.drop()
    return False


def throttle_members(service: str) -> dict[str, Any]:
    """Polly's ThrottlingException says why; Translate's TooManyRequests and Transcribe's LimitExceeded do not."""
    if service == "polly":
        return {"throttlingReasons": [{"reason": "RequestRateExceeded", "resource": "emulator"}]}
    return {}


async def pause(seconds: float) -> None:
    if seconds > 0:
        await asyncio.sleep(seconds)


async def pause_until(began: float, seconds: float) -> None:
    """Wait until ``seconds`` after ``began`` (loop time): a latency knob is the time the client sees, however
    long the emulator's own work (Apertium, espeak-ng) took."""
    loop = asyncio.get_running_loop()
    await pause(began + seconds - loop.time())
