"""Input files that are not regular files: devices and pipes have no size until read, so every read is bounded
(a config, a lexicon, a knobs file), and a config read from a pipe still works."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
from pathlib import Path

from tests.conftest import THREE_UTTERANCES
from tests.support.cli import assert_no_traceback

MEMORY_LIMIT = 2 << 30  # far above what validating a config needs; an unbounded read of /dev/zero hits it


def polyglot_limited(*args: str | Path, pass_fds: tuple[int, ...] = (), timeout: float = 60,
                     cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI with its address space capped, so that an unbounded read fails fast instead of eating the
    machine."""
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    return subprocess.run([sys.executable, "-m", "runner", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, preexec_fn=cap, pass_fds=pass_fds, cwd=cwd,
                          env={**os.environ, "COLUMNS": "200"})


def fed_pipe(data: bytes) -> int:
    """The read end of a pipe that a thread fills with ``data`` (and closes; a reader that stops early is
    fine)."""
    read_end, write_end = os.pipe()

    def feed() -> None:
        try:
            os.write(write_end, data)  # blocks while the pipe is full, until the reader reads or closes
        except BrokenPipeError:
            pass
        finally:
            os.close(write_end)

    threading.Thread(target=feed, daemon=True).start()
    return read_end


PIPELINE = f"""\
version: 1
language: en-US
source: {{type: file, path: {THREE_UTTERANCES}}}
speech_to_text: {{provider: fake}}
translation: {{provider: fake}}
text_to_speech: {{provider: fake}}
targets: [{{language: es}}]
"""


def test_a_config_that_never_ends_is_refused_without_reading_it_all():
    result = polyglot_limited("validate", "/dev/zero")
    assert result.returncode == 78, result.stderr
    assert_no_traceback(result)
    assert result.stdout.strip() == ("/dev/zero: error[too-large] holds more than 1048576 bytes, too much for a "
                                     "pipeline config")


def test_a_config_in_a_pipe_is_read():
    read_end = fed_pipe(PIPELINE.encode())
    try:
        result = polyglot_limited("validate", f"/dev/fd/{read_end}", pass_fds=(read_end,))
    finally:
        os.close(read_end)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == f"/dev/fd/{read_end}: valid"


def test_relative_inputs_of_a_config_in_a_pipe_are_relative_to_the_current_directory():
    """A pipe has no folder of its own (/dev/fd/63 is not where the YAML was written)."""
    read_end = fed_pipe(PIPELINE.replace(str(THREE_UTTERANCES), THREE_UTTERANCES.name).encode())
    try:
        result = polyglot_limited("validate", f"/dev/fd/{read_end}", pass_fds=(read_end,),
                                  cwd=THREE_UTTERANCES.parent)
    finally:
        os.close(read_end)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_pipe_larger_than_any_config_is_refused():
    read_end = fed_pipe(PIPELINE.encode() + b"# padding\n" * 400_000)  # 4 MB: stat() says 0
    try:
        result = polyglot_limited("validate", f"/dev/fd/{read_end}", pass_fds=(read_end,))
    finally:
        os.close(read_end)
    assert result.returncode == 78
    assert "error[too-large] holds more than 1048576 bytes" in result.stdout


def test_lexicon_files_are_read_bounded_and_decoded_safely(tmp_path):
    latin1 = tmp_path / "latin1.pls"
    content = b"<?xml version='1.0'?><lexicon>caf\xe9</lexicon>"  # Latin-1, not UTF-8
    latin1.write_bytes(content)
    config = tmp_path / "p.yaml"
    config.write_text(PIPELINE + f"lexicons: {{endless: /dev/zero, latin: {latin1}}}\n")
    result = polyglot_limited("lexicons", "sync", "--dry-run", config)
    assert result.returncode == 78, result.stderr
    assert_no_traceback(result)
    lines = result.stderr.splitlines()
    assert any("/lexicons/endless: /dev/zero holds more than 1048576 bytes, too much for a lexicon" in line
               for line in lines), lines
    not_utf8 = f"/lexicons/latin: {latin1} is not UTF-8 text (byte {content.index(0xe9)})"
    assert any(not_utf8 in line for line in lines), lines


def test_a_knobs_file_that_never_ends_is_refused():
    result = polyglot_limited("emulator", "--port", "0", "--knobs", "/dev/zero")
    assert result.returncode == 66, result.stderr
    assert_no_traceback(result)
    assert result.stderr.strip() == "polyglot: error: /dev/zero: not a knobs file: holds more than 1048576 bytes"


def test_knobs_files_of_any_shape_are_input_errors(tmp_path):
    cases = {
        # the list at level 65 (the root mapping is level 1, the latency list level 2) starts at column 73
        "deep.yaml": ("latency: " + "[" * 600 + "]" * 600 + "\n", "deep.yaml:1:73: not a knobs file: nested more "
                      "than 64 levels deep"),
        "list.yaml": ("- 1\n", "list.yaml: not a knobs file: the top level must be a mapping"),
        "shape.yaml": ("latency: [1]\n", "shape.yaml: not a knobs file: 'list' object has no attribute 'items'"),
    }
    for name, (text, expected) in cases.items():
        (tmp_path / name).write_text(text)
        result = polyglot_limited("emulator", "--port", "0", "--knobs", tmp_path / name)
        assert result.returncode == 66, (name, result.stderr)
        assert_no_traceback(result)
        assert result.stderr.startswith(f"polyglot: error: {tmp_path}/{expected}"), result.stderr
