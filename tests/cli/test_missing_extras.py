"""An installation without the 'aws' or 'emulator' extra: the offline engines work, and every command that needs
a missing extra says which one in one line, with exit 69 (unavailable), never a traceback or exit 70."""

from __future__ import annotations

import re
import shlex
import signal
import subprocess

import pytest

from tests.conftest import THREE_UTTERANCES
from tests.extras import missing_without, polyglot_with_only, popen_with_only
from tests.support.cli import assert_no_traceback

BROADCAST = "pipelines/broadcast.yaml"
AWS_LINE = re.compile(r"the aws engines \(([a-z, ]+)\) are not installed: pip install 'polyglot-runner\[aws\]' "
                      r"\(missing: [a-z_0-9, ]+\)")


def test_the_simulated_installation_lacks_the_sdks_and_keeps_the_base():
    absent = missing_without()
    assert {"boto3", "botocore", "aws_sdk_polly", "aws_sdk_transcribe_streaming", "awscrt", "h2", "trustme"} \
        <= set(absent)
    assert not {"runner", "polyglot_emulator", "numpy", "pocketsphinx", "yaml", "typer"} & set(absent)


def one_line_naming(result: subprocess.CompletedProcess[str], pattern: re.Pattern[str]) -> str:
    assert_no_traceback(result)
    lines = [line for line in (result.stdout + result.stderr).splitlines() if pattern.search(line)]
    assert len(lines) == 1, result.stdout + result.stderr
    return lines[0]


@pytest.mark.parametrize("command", [("validate", BROADCAST), ("graph", BROADCAST),
                                     ("run", BROADCAST, "--fast", "--input", str(THREE_UTTERANCES)),
                                     ("lexicons", "sync", BROADCAST)])
def test_a_pipeline_of_aws_engines_names_the_aws_extra(command):
    result = polyglot_with_only((), *command)
    assert result.returncode == 69, result.stdout + result.stderr
    line = one_line_naming(result, AWS_LINE)
    assert line.startswith(f"{BROADCAST}:") and "error[engine-unavailable] /speech_to_text/provider" in line
    assert AWS_LINE.search(line).group(1) == "transcribe, translate, polly"  # type: ignore[union-attr]
    assert "boto3" in line


def test_polly_voices_names_the_aws_extra():
    result = polyglot_with_only((), "voices", "-p", "polly")
    assert result.returncode == 69, result.stderr
    assert one_line_naming(result, AWS_LINE).startswith("polyglot: error: the aws engines (polly)")
    assert result.stdout == ""


def test_engines_lists_the_aws_engines_as_not_installed():
    result = polyglot_with_only((), "engines")
    assert result.returncode == 0, result.stderr
    rows = {tuple(line.split()[:3]): line for line in result.stdout.splitlines()}
    for kind, name in (("speech_to_text", "transcribe"), ("translation", "translate"), ("text_to_speech", "polly")):
        assert rows[(kind, name, "aws")].endswith("[not installed: pip install 'polyglot-runner[aws]']")
    assert "not installed" not in rows[("translation", "apertium", "local")]


def test_the_emulator_names_the_emulator_extra():
    result = polyglot_with_only((), "emulator", "--port", "0")
    assert result.returncode == 69, result.stderr
    line = one_line_naming(result, re.compile("emulator"))
    assert line.startswith("polyglot: error: the emulator is not installed: pip install "
                           "'polyglot-runner[emulator]' (missing: h2, trustme, botocore, smithy_aws_event_stream)")


def test_the_offline_demo_runs_on_the_base_install(tmp_path):
    """What scripts/demo promises on a fresh machine, where scripts/setup installs no extra."""
    result = polyglot_with_only((), "run", "pipelines/offline-demo.yaml", "--fast", "-q", "-o", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "es.wav").stat().st_size > 10_000 and (tmp_path / "es.srt").read_text().strip()


def test_the_emulator_serves_without_the_aws_sdks():
    """The emulator is a server: its extra is enough, the clients' SDKs ('aws') are not needed."""
    import boto3  # this process has them: the client side

    process = popen_with_only(("emulator",), "emulator", "--port", "0")
    try:
        assert process.stdout is not None
        env: dict[str, str] = {}
        while not {"AWS_ENDPOINT_URL_TRANSLATE", "AWS_CA_BUNDLE"} <= set(env) and (line := process.stdout.readline()):
            name, _, value = line.removeprefix("export ").partition("=")
            env[name] = shlex.split(value)[0]
        assert "AWS_CA_BUNDLE" in env, process.communicate(timeout=10)[1]
        client = boto3.client("translate", endpoint_url=env["AWS_ENDPOINT_URL_TRANSLATE"], region_name="us-east-1",
                              aws_access_key_id="test", aws_secret_access_key="test", verify=env["AWS_CA_BUNDLE"])
        answer = client.translate_text(Text="hello", SourceLanguageCode="en", TargetLanguageCode="fr")
        assert answer["TargetLanguageCode"] == "fr" and answer["TranslatedText"]
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert_no_traceback(subprocess.CompletedProcess([], 0, "", err))
