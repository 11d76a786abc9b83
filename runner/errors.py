"""One error tree for polyglot.

Every failure a user can cause or meet is one of these; foreign exceptions (YAML, jsonschema, PortAudio,
subprocesses, SDKs) are converted where they enter, with ``raise ... from exc``, so callers decide by type and
the CLI turns each into one line and an exit code, never a traceback::

    PolyglotError
    ├── ConfigError            the config is invalid (carries every Diagnostic)        exit 78 (EX_CONFIG)
    │   └── NotInstalledHere       ...only because an engine it names is not installed here exit 69
    ├── InputError             a file or audio input is missing, unreadable or malformed exit 66 (EX_NOINPUT)
    ├── EngineUnavailable      an engine is not installed / its resources are missing  exit 69 (EX_UNAVAILABLE)
    ├── CredentialsError       no usable AWS credentials, profile or region            exit 77 (EX_NOPERM)
    ├── DeviceError            an audio device is missing or failed                    exit 69
    ├── EngineError            an engine failed while running (reported per target)
    │   ├── TransientEngineError   worth retrying (throttling, dropped connection)
    │   └── PermanentEngineError   retrying cannot help (access denied, no such voice): stops the target
    │       └── RejectedRequest        ...but only this request was at fault (too long, malformed text):
    │                                  it costs its utterance, never the target
    └── SinkError              a sink could not be opened or written               exit 74 (EX_IOERR)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from runner.diagnostics import Diagnostic

EX_CONFIG = 78
EX_NOINPUT = 66
EX_UNAVAILABLE = 69
EX_IOERR = 74
EX_SOFTWARE = 70
EX_NOPERM = 77


class PolyglotError(Exception):
    """Base of every error polyglot reports to a user."""

    exit_code: int = 1


class ConfigError(PolyglotError):
    """The pipeline config is invalid; ``diagnostics`` holds every problem, located."""

    exit_code = EX_CONFIG

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(diagnostics)
        super().__init__("\n".join(d.format() for d in self.diagnostics))


class NotInstalledHere(ConfigError):
    """The config's only errors are engines this installation cannot run (an install extra, Apertium): the
    config is fine, the machine lacks something, and the exit code says so."""

    exit_code = EX_UNAVAILABLE


class InputError(PolyglotError):
    exit_code = EX_NOINPUT


class EngineUnavailable(PolyglotError):
    exit_code = EX_UNAVAILABLE


class CredentialsError(PolyglotError):
    exit_code = EX_NOPERM


class DeviceError(PolyglotError):
    exit_code = EX_UNAVAILABLE


class EngineError(PolyglotError):
    """An engine failed on a request. ``retryable`` says whether trying again may succeed."""

    retryable = False


class TransientEngineError(EngineError):
    retryable = True


class PermanentEngineError(EngineError):
    retryable = False


class RejectedRequest(PermanentEngineError):
    """The service refused this one request for what it carried (text over a limit, malformed SSML, a language it
    cannot tell): the same request would fail again, the next one may well succeed."""


class SinkError(PolyglotError):
    exit_code = EX_IOERR
