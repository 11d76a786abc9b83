"""AWS event-stream framing (application/vnd.amazon.eventstream), on the codec the AWS SDKs themselves use
(``smithy_aws_event_stream``): read the client's signed frames, write events and exceptions."""

from __future__ import annotations

import io
import json
import struct
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from smithy_aws_event_stream.events import Event, EventMessage

from polyglot_emulator.http import Request


@dataclass(frozen=True)
class InboundEvent:
    event_type: str
    headers: dict[str, Any]
    payload: bytes

    def json(self) -> Any:
        return json.loads(self.payload or b"{}")


async def inbound_events(request: Request) -> AsyncIterator[InboundEvent]:
    """The client's events. Each arrives wrapped in a signed outer frame (``:date``, ``:chunk-signature``) whose
    payload is the real message; an empty outer payload is the client's end of stream."""
    buffer = b""
    async for chunk in request.chunks():
        buffer += chunk
        while len(buffer) >= 4:
            (total,) = struct.unpack(">I", buffer[:4])
            if len(buffer) < total:
                break
            frame, buffer = buffer[:total], buffer[total:]
            outer = Event.decode(io.BytesIO(frame))
            if outer is None:
                continue
            message = outer.message
            if ":chunk-signature" in message.headers:  # signed envelope
                if not message.payload:
                    return
                inner = Event.decode(io.BytesIO(message.payload))
                if inner is None:
                    continue
                message = inner.message
            headers = dict(message.headers)
            yield InboundEvent(str(headers.get(":event-type", "")), headers, message.payload)


def event(event_type: str, payload: bytes, content_type: str = "application/json") -> bytes:
    return EventMessage(headers={":message-type": "event", ":event-type": event_type,
                                 ":content-type": content_type}, payload=payload).encode()


def json_event(event_type: str, body: Any) -> bytes:
    return event(event_type, json.dumps(body).encode())


def exception(exception_type: str, body: dict[str, Any]) -> bytes:
    return EventMessage(headers={":message-type": "exception", ":exception-type": exception_type,
                                 ":content-type": "application/json"}, payload=json.dumps(body).encode()).encode()
