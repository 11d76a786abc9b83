"""The ``hls`` output's config: what does not fit is a located config error (exit 78), S3 without the aws extra
names the extra (exit 69), and ``polyglot graph`` shows where the stream goes."""

from __future__ import annotations

import pytest

from tests.conftest import THREE_UTTERANCES
from tests.extras import polyglot_with_only
from tests.support.cli import assert_no_traceback, polyglot

CONFIG = f"""\
version: 1
language: en-US
source: {{type: file, path: {THREE_UTTERANCES}}}
outputs:
  - {{type: hls, {{options}}}}
targets:
  - {{language: es, voice: es}}
  - {{language: ca, voice: ca}}
"""


def config(write_config, options: str):
    return write_config(CONFIG.replace("{options}", options))


@pytest.mark.parametrize(("options", "where", "says"), [
    ("bitrate: 128000", "/outputs/0/bitrate", "128000 b/s is more than AAC carries at 16000 Hz mono (at most 96000)"),
    ("sample_rate: 8000", "/outputs/0/sample_rate", "8000 is not one of [16000, 22050"),
    ("segment_seconds: 0.5", "/outputs/0/segment_seconds", "0.5 is less than the minimum of 1.0"),
    ("window: 2", "/outputs/0/window", "2 is less than the minimum of 3"),
    ("default_language: fr", "/outputs/0/default_language", "'fr' is not a target of this pipeline (targets: es, ca)"),
    ("s3: {prefix: live/}", "/outputs/0/s3", "'bucket' is required"),
])
def test_what_does_not_fit_is_a_located_config_error(write_config, options, where, says):
    path = config(write_config, options)
    result = polyglot("validate", path)
    assert result.returncode == 78, result.stdout + result.stderr
    assert_no_traceback(result)
    [line] = [line for line in (result.stdout + result.stderr).splitlines() if "error[" in line]
    assert line.startswith(f"{path}:5:") and f"{where}:" in line and says in line, line


def test_s3_publishing_without_the_aws_extra_names_it(write_config):
    result = polyglot_with_only((), "validate", str(config(write_config, "s3: {bucket: my-bucket}")))
    assert result.returncode == 69, result.stdout + result.stderr
    assert_no_traceback(result)
    [line] = [line for line in (result.stdout + result.stderr).splitlines() if "error[" in line]
    assert "error[engine-unavailable] /outputs/0/s3: publishing HLS to S3 needs the aws extra: " \
           "pip install 'polyglot-runner[aws]' (missing: boto3" in line


def test_a_folder_needs_no_aws_extra(write_config, tmp_path):
    result = polyglot_with_only((), "run", str(config(write_config, "segment_seconds: 1")), "--fast", "-o",
                                str(tmp_path / "out"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "out" / "hls" / "master.m3u8").exists()
    assert "#EXT-X-ENDLIST" in (tmp_path / "out" / "hls" / "ca.m3u8").read_text()


def test_graph_shows_the_outputs(write_config, tmp_path):
    path = config(write_config, "s3: {bucket: my-bucket, prefix: live/}, path: stream")
    result = polyglot("graph", path, "-o", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert (f"output: hls: 2 audio (AAC 16000 Hz 48 kb/s) + 3 subtitle renditions, 2 s segments, to "
            f"{tmp_path / 'out' / 'stream'} and s3://my-bucket/live/") in result.stdout
