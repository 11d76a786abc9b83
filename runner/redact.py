"""Secrets never leave the process: values that came from secret-looking environment variables (and the AWS
credentials in the environment) are replaced by ``***`` wherever polyglot writes text for people or logs:
diagnostics, error lines, notices (and so the event log and the status), ``graph`` and ``config`` output.

Mask before encoding. JSON, YAML, DOT and ``repr()`` escape backslashes, quotes and control characters, and
rich expands tabs: once encoded, a secret holding one of them no longer appears as is, and masking the encoded
text misses it. Structured output masks its values first (:func:`masked`), then encodes; free text is masked
before it goes to rich. Messages that other code built with ``repr()`` of a secret are covered too: the
redactor also knows each secret's repr spelling, and its URL-encoded one (the listener link's ``?key=``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import threading
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TextIO

SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|PASSWD|PASSPHRASE|CREDENTIAL|API_?KEY|ACCESS_KEY|PRIVATE_KEY", re.I)
AWS_CREDENTIALS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
MASK = "***"
MIN_LENGTH = 4  # shorter values would mask ordinary words


class Redactor:
    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._lock = threading.Lock()

    def add(self, value: str) -> None:
        if len(value) >= MIN_LENGTH and value not in self._secrets:
            with self._lock:
                # as is, as repr() spells it in messages, and as a link's query carries it (a listener key: +/=)
                self._secrets.update((value, repr(value)[1:-1], urllib.parse.quote(value, safe=""),
                                      urllib.parse.quote_plus(value, safe="")))
                ordered = sorted(self._secrets, key=len, reverse=True)  # longest first: no partial leftovers
                self._pattern = re.compile("|".join(re.escape(s) for s in ordered))

    def add_from_environment(self, env: Mapping[str, str], names: Iterable[str] | None = None) -> None:
        """Values of secret-looking variables (all of ``env``, or just ``names``) and the AWS credentials."""
        for name in names if names is not None else env:
            if name in env and (SECRET_NAME.search(name) or name in AWS_CREDENTIALS):
                self.add(env[name])

    def __call__(self, text: str) -> str:
        pattern = self._pattern
        return pattern.sub(MASK, text) if pattern is not None else text

    def values(self, value: Any) -> Any:
        """A copy of ``value`` with every string in it masked: dict keys and values, list and tuple items."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, dict):
            return {self.values(k): self.values(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.values(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self.values(v) for v in value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):  # options of a component
            return dataclasses.replace(value, **{f.name: self.values(getattr(value, f.name))
                                                 for f in dataclasses.fields(value)})
        return value


class RedactingStream:
    """A text stream that masks secrets on the way out (the console's stderr goes through one)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._unmasked = False

    def write(self, text: str) -> int:
        return self._stream.write(text if self._unmasked else redact(text))

    @contextlib.contextmanager
    def unmasked(self) -> Iterator[None]:
        """Write as is, for the one line that must carry a secret: the listener link the organiser hands out
        (its key), on the console and nowhere else."""
        self._unmasked = True
        try:
            yield
        finally:
            self._unmasked = False

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self) -> str:
        return getattr(self._stream, "encoding", "utf-8")


redact = Redactor()
redact.add_from_environment(os.environ, AWS_CREDENTIALS)


def masked(value: Any) -> Any:
    """``value`` (a record, a document) with every string in it masked: call it before encoding."""
    return redact.values(value)
