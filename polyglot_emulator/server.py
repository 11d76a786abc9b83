"""The emulator as one object: a TLS port serving Polly, Transcribe streaming, Translate and S3, run on its own
thread and event loop so that tests (and the ``polyglot emulator`` command) can drive any client at it."""

from __future__ import annotations

import asyncio
import tempfile
import threading
from pathlib import Path

from polyglot_emulator import polly_rest, polly_stream, s3, transcribe, transcribe_vocabularies, translate
from polyglot_emulator.backend import Backend
from polyglot_emulator.common import State
from polyglot_emulator.http import Request, Response, serve
from polyglot_emulator.knobs import Knobs
from polyglot_emulator.tls import TestCA

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "AKIAEMULATOR", "AWS_SECRET_ACCESS_KEY": "emulator-secret"}


class Emulator:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, knobs: Knobs | None = None,
                 folder: Path | None = None) -> None:
        self.host = host
        self.port = port
        self.knobs = knobs or Knobs()
        self._folder = folder or Path(tempfile.mkdtemp(prefix="polyglot-emulator-"))
        self.ca = TestCA(self._folder)
        self.state: State | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopped: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def endpoint(self) -> str:
        return f"https://localhost:{self.port}"

    def env(self) -> dict[str, str]:
        """Environment that points the AWS SDKs (boto3 and the smithy clients) at this emulator."""
        return {
            "AWS_ENDPOINT_URL_POLLY": self.endpoint,
            "AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING": self.endpoint,
            "AWS_ENDPOINT_URL_TRANSCRIBE": self.endpoint,  # the control plane: custom vocabularies
            "AWS_ENDPOINT_URL_TRANSLATE": self.endpoint,
            "AWS_ENDPOINT_URL_S3": self.endpoint,
            "AWS_CA_BUNDLE": str(self.ca.ca_file),  # boto3
            "SSL_CERT_FILE": str(self.ca.ca_file),  # awscrt (read when its client is created)
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            **CREDENTIALS,
        }

    async def _handle(self, request: Request, response: Response) -> None:
        state = self.state
        assert state is not None
        if request.headers.get("x-amz-target", "").startswith(translate.TARGET_PREFIX):
            await translate.handle(state, request, response)
        elif transcribe_vocabularies.serves(request):
            await transcribe_vocabularies.handle(state, request, response)
        elif request.path == "/stream-transcription":
            await transcribe.handle(state, request, response)
        elif request.path == "/v1/synthesisStream":
            await polly_stream.handle(state, request, response)
        elif request.path.startswith("/v1/"):
            await polly_rest.handle(state, request, response)
        else:
            await s3.handle(state, request, response)

    async def serve_forever(self) -> None:
        """Run in the current event loop until ``stop``."""
        self.state = State(self.knobs, Backend())
        self._stopped = asyncio.Event()
        server = await serve(self._handle, self.host, self.port, self.ca.server_context())
        self.port = server.port
        self._ready.set()
        try:
            await self._stopped.wait()
        finally:
            await server.close()
            await self.state.backend.aclose()

    def start(self) -> Emulator:
        def run() -> None:
            self._loop = asyncio.new_event_loop()
            try:
                self._loop.run_until_complete(self.serve_forever())
            except BaseException as exc:  # reported to start()'s caller
                self._error = exc
                self._ready.set()
            finally:
                self._loop.close()

        self._thread = threading.Thread(target=run, name="polyglot-emulator", daemon=True)
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None:
            raise self._error
        return self

    def stop_soon(self) -> None:
        """From the emulator's own event loop: end serve_forever."""
        if self._stopped is not None:
            self._stopped.set()

    def stop(self) -> None:
        if self._loop is not None and self._stopped is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._stopped.set)
            self._thread.join(10)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
