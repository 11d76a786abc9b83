"""Reading a small input file (a config, a lexicon, a knobs file) without trusting it to be small.

``stat()`` says nothing about devices and pipes (their size is 0), and ``polyglot validate <(cat x.yaml)`` or
``/dev/zero`` are such files: the read itself is bounded instead.
"""

from __future__ import annotations

from pathlib import Path


class TooLarge(ValueError):
    """The file holds more than the limit (it may never end)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"holds more than {limit} bytes")
        self.limit = limit


def read_at_most(path: Path, limit: int) -> bytes:
    """The bytes of ``path``; :class:`TooLarge` if it holds more than ``limit``. OSError if it cannot be read."""
    with path.open("rb") as file:
        data = file.read(limit + 1)  # one byte more tells "exactly the limit" from "more"
    if len(data) > limit:
        raise TooLarge(limit)
    return data
