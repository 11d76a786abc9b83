"""What every emulated service shares: its state, error replies, and the fault and latency knobs."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from runner.emulator.backend import Backend
from runner.emulator.http import Response
from runner.emulator.knobs import Fault, Knobs


@dataclass
class State:
    """Everything the emulated account holds, and what it saw (tests read ``log``)."""

    knobs: Knobs
    backend: Backend
    region: str = "us-east-1"
    lexicons: dict[str, dict[str, Any]] = field(default_factory=dict)
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    objects: dict[tuple[str, str], tuple[bytes, str]] = field(default_factory=dict)
    log: list[dict[str, Any]] = field(default_factory=list)

    def reset(self) -> None:
        self.backend.script_memory.clear()
        self.lexicons.clear()
        self.tasks.clear()
        self.objects.clear()
        self.log.clear()

    def record(self, operation: str, **details: Any) -> None:
        self.log.append({"operation": operation, **details})

    def calls(self, operation: str) -> list[dict[str, Any]]:
        return [entry for entry in self.log if entry["operation"] == operation]


def request_id() -> str:
    return str(uuid.uuid4())


async def error(response: Response, status: int, error_type: str, message: str, **members: Any) -> None:
    """A rest-json / json-1.1 error: the type in x-amzn-ErrorType and in the body's __type."""
    # Polly's model names the member "message", Transcribe's and Translate's "Message": send both.
    body = json.dumps({"__type": error_type, "message": message, "Message": message, **members}).encode()
    await response.respond(status, body, headers=[("x-amzn-errortype", error_type),
                                                  ("x-amzn-requestid", request_id())])


async def http_fault(response: Response, fault: Fault) -> bool:
    """Answer a request-level fault (http or throttle). False if the fault is for later in a stream."""
    if fault.kind == "http":
        await error(response, fault.status, fault.error or "ServiceFailureException", fault.message, **fault.fields)
        return True
    if fault.kind == "throttle" and fault.after == 0:  # later on a stream: a ThrottlingException event
        await error(response, 400, "ThrottlingException", fault.message,
                    throttlingReasons=[{"reason": "RequestRateExceeded", "resource": "emulator"}])
        return True
    if fault.kind == "drop" and fault.after == 0:
        await response.drop()
    return False


async def pause(seconds: float) -> None:
    if seconds > 0:
        await asyncio.sleep(seconds)


async def pause_until(began: float, seconds: float) -> None:
    """Wait until ``seconds`` after ``began`` (loop time): a latency knob is the time the client sees, however
    long the emulator's own work (Apertium, espeak-ng) took."""
    loop = asyncio.get_running_loop()
    await pause(began + seconds - loop.time())
