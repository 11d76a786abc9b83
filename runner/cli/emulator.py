"""``polyglot emulator``: the local AWS emulator in the foreground, with its environment printed."""

from __future__ import annotations

import asyncio
import shlex
import signal
from pathlib import Path
from typing import TYPE_CHECKING

from runner.bounded_read import TooLarge, read_at_most
from runner.cli.console import stderr
from runner.config.yaml12 import parse
from runner.errors import EngineUnavailable, InputError
from runner.registry import Family

if TYPE_CHECKING:
    from polyglot_emulator import Knobs

MAX_KNOBS_BYTES = 1 << 20
# What polyglot_emulator imports beyond the base install: the 'emulator' extra. Looked up before the emulator is
# imported, so that a missing one is one line; tests/test_packaging.py keeps this list, the emulator's
# imports and pyproject's extra in step.
# (h11 is not among them: the base brings it, through faster-whisper -> huggingface_hub -> httpx.)
NEEDS = Family("emulator", extra="emulator", modules=("h2", "trustme", "botocore", "smithy_aws_event_stream"))


def require_installed() -> None:
    if missing := NEEDS.missing():
        raise EngineUnavailable(f"the emulator is not installed: {NEEDS.install_command()} "
                                f"(missing: {', '.join(missing)})")


def load_knobs(path: Path | None) -> Knobs:
    from polyglot_emulator import Knobs

    if path is None:
        return Knobs()
    try:
        doc = parse(read_at_most(path, MAX_KNOBS_BYTES).decode("utf-8"), str(path))
        if doc.problems:  # the config's strict loader: bounded depth and size, located problems
            first = doc.problems[0]
            raise InputError(f"{path}:{first.line}:{first.column}: not a knobs file: {first.message}")
        data = doc.data or {}
        if not isinstance(data, dict):
            raise InputError(f"{path}: not a knobs file: the top level must be a mapping")
        return Knobs.from_dict(data)
    except (OSError, TooLarge, AttributeError, TypeError, ValueError) as exc:  # ValueError: not UTF-8, too large
        raise InputError(f"{path}: not a knobs file: {' '.join(str(exc).split())}") from exc


def serve_emulator(port: int, knobs_file: Path | None, env_file: Path | None) -> None:
    require_installed()
    from polyglot_emulator import Emulator

    emulator = Emulator(port=port, knobs=load_knobs(knobs_file))

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = asyncio.create_task(emulator.serve_forever())
        while not emulator._ready.is_set() and not server.done():
            await asyncio.sleep(0.01)
        if server.done():
            await server  # raises why it could not listen
        lines = [f"export {k}={shlex.quote(v)}" for k, v in emulator.env().items()]
        print("\n".join(lines), flush=True)
        if env_file is not None:
            env_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
        stderr.print(f"polyglot emulator: listening on {emulator.endpoint} (Ctrl-C to stop)", markup=False)
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        emulator.stop_soon()
        await server

    try:
        asyncio.run(main())
    except OSError as exc:
        raise InputError(f"emulator: cannot listen on port {port}: {exc.strerror or exc}") from exc
