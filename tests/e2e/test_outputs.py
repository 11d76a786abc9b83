"""Outputs: a run that can create none fails before any audio flows; what it writes is its own."""

from __future__ import annotations

import json
import resource
import signal
import subprocess
import sys
import time

import pytest
import srt

from tests.support.cli import assert_no_traceback, polyglot
from tests.support.recordings import tone_bursts

FAKE = """\
version: 1
language: en-US
source: {{type: file, path: {rec}, realtime: {realtime}}}
speech_to_text: {{provider: fake}}
translation: {{provider: fake}}
text_to_speech: {{provider: fake}}
event_log: events.jsonl
transcript: {{sinks: [{{type: srt, path: en.srt}}]}}
targets:
  - {{language: es, sinks: [{{type: wav, path: es.wav}}, {{type: srt, path: es.srt}}]}}
"""


def test_no_output_can_be_created_is_exit_74_before_audio_flows(tmp_path, write_config):
    rec = tone_bursts(tmp_path / "in.wav", [0.3] * 30, gap=0.5)  # 25 s at its own pace
    not_a_folder = tmp_path / "out"
    not_a_folder.write_text("a file, not a folder")
    began = time.monotonic()
    result = polyglot("run", write_config(FAKE.format(rec=rec, realtime="true")), "-o", not_a_folder)
    assert result.returncode == 74, result.stderr
    assert time.monotonic() - began < 10  # not after playing the whole recording
    assert_no_traceback(result)
    assert "no output could be created" in result.stderr
    assert not_a_folder.read_text() == "a file, not a folder"


def _protected(tmp_path, write_config, sink_path, *, event_log=None, output_dir=None, extra_args=()):
    rec = tone_bursts(tmp_path / "in.wav", [0.3] * 2, gap=0.4)
    before = rec.read_bytes()
    log = f"event_log: {event_log}\n" if event_log else ""
    config = write_config(f"""\
version: 1
language: en-US
source: {{type: file, path: {rec}, realtime: false}}
speech_to_text: {{provider: fake}}
translation: {{provider: fake}}
text_to_speech: {{provider: fake}}
lexicons: {{names: names.pls}}
{log}targets:
  - {{language: es, sinks: [{{type: srt, path: {sink_path}}}]}}
""")
    (tmp_path / "names.pls").write_text("<lexicon/>")
    out = output_dir or tmp_path / "out"
    validate = polyglot("validate", config)
    run = polyglot("run", config, "-o", out, *extra_args)
    assert rec.read_bytes() == before, "the recording was overwritten"
    return validate, run


@pytest.mark.parametrize("how", ["absolute", "relative to -o", "symlink", "hard link", "config", "lexicon"])
def test_an_output_that_is_an_input_is_refused(tmp_path, write_config, how):
    rec = tmp_path / "in.wav"
    target, output_dir = str(rec), None
    if how == "relative to -o":
        target, output_dir = "in.wav", tmp_path
    elif how == "symlink":
        (tmp_path / "link.wav").symlink_to(rec)
        target = str(tmp_path / "link.wav")
    elif how == "hard link":
        tone_bursts(rec, [0.3] * 2, gap=0.4)
        (tmp_path / "hard.wav").hardlink_to(rec)
        target = str(tmp_path / "hard.wav")
    elif how == "config":
        target = str(tmp_path / "pipeline.yaml")
    elif how == "lexicon":
        target = str(tmp_path / "names.pls")
    validate, run = _protected(tmp_path, write_config, target, output_dir=output_dir)
    for result in (run,) if how in ("relative to -o",) else (validate, run):
        assert result.returncode == 78, result.stderr
        assert "error[output-is-input] /targets/0/sinks/0/path:" in result.stderr + result.stdout
        assert "writing it would destroy it" in result.stderr + result.stdout
        assert_no_traceback(result)


def test_the_event_log_cannot_be_the_input_given_with_input(tmp_path, write_config):
    other = tone_bursts(tmp_path / "other.wav", [0.3], gap=0.4)
    before = other.read_bytes()
    validate, run = _protected(tmp_path, write_config, "es.srt", event_log=str(other),
                               extra_args=("--input", str(other)))
    assert run.returncode == 78 and "error[output-is-input] /event_log:" in run.stderr
    assert "the source recording (--input)" in run.stderr
    assert other.read_bytes() == before


def test_an_output_never_empties_an_input_even_without_the_plan(tmp_path):
    """The last line of defence: a sink refuses to open a file that is one of the run's inputs."""
    from runner.errors import SinkError
    from runner.io.outputs import OutputFile, file_ids

    rec = tone_bursts(tmp_path / "in.wav", [0.3], gap=0.4)
    before = rec.read_bytes()
    with pytest.raises(SinkError, match="is one of this run's inputs"):
        OutputFile(tmp_path / "in.wav", "srt in.wav", file_ids([rec])).open()
    assert rec.read_bytes() == before


def test_a_second_run_writing_the_same_outputs_is_refused(tmp_path, write_config):
    rec = tone_bursts(tmp_path / "in.wav", [0.3] * 8, gap=0.5)  # 6.7 s at its own pace
    config = write_config(FAKE.format(rec=rec, realtime="true"))
    out = tmp_path / "out"
    first = subprocess.Popen([sys.executable, "-m", "runner", "run", str(config), "-o", str(out)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while not (out / "events.jsonl").exists() or '"started"' not in (out / "events.jsonl").read_text():
            assert time.monotonic() < deadline, "the first run did not start"
            time.sleep(0.05)
        second = polyglot("run", config, "-o", out)
    finally:
        first_out, first_err = first.communicate(timeout=60)
    assert second.returncode == 74, second.stderr
    assert_no_traceback(second)
    assert f"is being written by another polyglot run (process {first.pid})" in second.stderr
    assert len(second.stderr.strip().splitlines()) == 1
    assert first.returncode == 0, first_err
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    assert [e["state"] for e in events if e["event"] == "session"] == ["started", "ended"]  # one run's lines
    assert len(list(srt.parse((out / "es.srt").read_text()))) == 8


def test_a_full_disk_leaves_whole_cues_and_whole_lines(tmp_path, write_config):
    """The disk fills (here: a file size limit, so writes stop part-way as on a full disk): each caption file
    and the event log end with their last whole record, and the failure is reported."""
    rec = tone_bursts(tmp_path / "in.wav", [0.3] * 12, gap=0.4)
    config = write_config(FAKE.format(rec=rec, realtime="false").replace(
        "provider: fake}\ntext_to_speech", "provider: fake, prefix: 'una traducción bastante larga: '}\n"
        "text_to_speech"))
    limit = 400

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "runner", "run", str(config), "-o", str(out)],
                            capture_output=True, text=True, preexec_fn=limited, timeout=60)
    assert result.returncode == 1, result.stderr
    assert_no_traceback(result)
    assert "file size limit reached" in result.stderr and "the file ends with the last whole record" in result.stderr
    for name in ("es.srt", "en.srt"):
        text = (out / name).read_text()
        cues = list(srt.parse(text))
        assert 0 < len(cues) < 12
        assert text == srt.compose(cues, reindex=False), f"{name} does not end with a whole cue"
    log = (out / "events.jsonl").read_bytes()
    assert log.endswith(b"\n") and len(log) <= limit
    assert all(json.loads(line) for line in log.decode().splitlines())
