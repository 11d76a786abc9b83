"""The AWS side of the CLI as users meet it: credentials, regions and endpoints that are wrong, voices, online
validation and lexicons."""

from __future__ import annotations

import time

from tests.conftest import REPO, THREE_UTTERANCES
from tests.support.cli import assert_no_traceback, polyglot


def one_line_error(result, code):
    assert result.returncode == code, (result.returncode, result.stderr)
    assert_no_traceback(result)
    errors = [line for line in result.stderr.splitlines() if line.startswith("polyglot: error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def bare_env(tmp_path, **extra):
    """No AWS settings at all: an empty HOME and none of the AWS variables."""
    env: dict[str, str | None] = {
           "HOME": str(tmp_path), "AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None, "AWS_PROFILE": None,
           "AWS_SESSION_TOKEN": None, "AWS_REGION": None, "AWS_DEFAULT_REGION": None,
           "AWS_CONFIG_FILE": str(tmp_path / "none"),
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"), "AWS_EC2_METADATA_DISABLED": "true"}
    env.update(extra)
    return env


def run_zh(env, tmp_path, *args):
    return polyglot("run", REPO / "pipelines/en-to-zh.yaml", "--input", THREE_UTTERANCES, "--fast", "-o", tmp_path,
                    *args, env=env, timeout=60)


def test_no_credentials(tmp_path):
    line = one_line_error(run_zh(bare_env(tmp_path), tmp_path), 77)
    assert "no AWS credentials found" in line


def test_unknown_profile(tmp_path):
    line = one_line_error(run_zh(bare_env(tmp_path), tmp_path, "--profile", "nosuch"), 77)
    assert "AWS profile 'nosuch' is not in the shared config" in line


def test_unreachable_endpoint_is_one_line(tmp_path):
    closed = "https://127.0.0.1:9"
    env = bare_env(tmp_path, AWS_ACCESS_KEY_ID="AKIA", AWS_SECRET_ACCESS_KEY="x", AWS_ENDPOINT_URL_POLLY=closed,
                   AWS_ENDPOINT_URL_TRANSLATE=closed, AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING=closed)
    began = time.monotonic()
    line = one_line_error(run_zh(env, tmp_path), 69)
    assert "Amazon Polly: cannot reach the endpoint" in line and "127.0.0.1:9" in line
    assert time.monotonic() - began < 30


def test_voices_lists_describe_voices(emulator):
    result = polyglot("voices", "--language", "es-ES", "--engine", "generative", env=emulator.env())
    assert result.returncode == 0, result.stderr
    ids = [line.split()[0] for line in result.stdout.splitlines()]
    assert ids == ["Lucia", "Sergio"]
    [call] = emulator.state.calls("polly.voices")
    assert call["Engine"] == "generative" and call["LanguageCode"] == "es-ES"


def test_online_validation_rejects_voice_engine_and_language(emulator, write_config):
    path = write_config("""\
        version: 1
        language: en-US
        source: {type: microphone}
        speech_to_text: {provider: transcribe}
        translation: {provider: translate}
        text_to_speech: {provider: polly}
        targets:
          - {language: es-ES, voice: Conchita, engine: neural}
          - {language: fr-FR, voice: Lucia, engine: neural}
          - {language: de-DE, voice: Hans2, engine: standard}
          - {language: it-IT, voice: Bianca, engine: generative}
        """)
    offline = polyglot("validate", path, env=emulator.env())
    assert offline.returncode == 0, offline.stdout  # the pure checks cannot know Polly's voices
    result = polyglot("validate", "--online", path, env=emulator.env())
    assert result.returncode == 78
    lines = [line for line in result.stdout.splitlines() if "error[" in line]
    assert len(lines) == 3, result.stdout
    assert lines[0].startswith(f"{path}:8:") and "/targets/0/engine: Polly voice Conchita does not support the " \
        "neural engine (it supports: standard)" in lines[0]
    assert "/targets/1/voice: Polly voice Lucia speaks es-ES, not fr-FR" in lines[1]
    assert "/targets/2/voice: Polly has no voice 'Hans2' (for de-DE: Daniel, Hannah, Hans, Lennart, Marlene, " \
        "Sabrina, Vicki)" in lines[2]


def test_lexicons_sync_uploads_and_checks_language(emulator, tmp_path, write_config):
    result = polyglot("lexicons", "sync", REPO / "pipelines/broadcast.yaml", env=emulator.env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"uploaded esnames (es-ES, 2 lexemes) from " \
                                    f"{REPO / 'pipelines/lexicons/es-names.pls'}"
    assert emulator.state.lexicons["esnames"]["attributes"]["LanguageCode"] == "es-ES"
    wrong = write_config(f"""\
        version: 1
        language: en-US
        source: {{type: microphone}}
        text_to_speech: {{provider: polly}}
        translation: {{provider: translate}}
        lexicons: {{esnames: {REPO / 'pipelines/lexicons/es-names.pls'}}}
        targets:
          - {{language: fr-FR, voice: Lea, lexicons: [esnames]}}
        """)
    result = polyglot("lexicons", "sync", wrong, env=emulator.env())
    assert result.returncode == 78
    assert "error[lexicon-language] /targets/0/lexicons: lexicon 'esnames' is es-ES, but voice Lea speaks " \
           "fr-FR: Polly would ignore it" in result.stderr


def test_emulator_command_prints_its_environment(tmp_path):
    import os
    import signal
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "runner", "emulator", "--port", "0", "--env-file",
                             str(tmp_path / "env")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "HOME": str(tmp_path)})
    try:
        deadline = time.monotonic() + 30
        while not (tmp_path / "env").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        exports = dict(line.removeprefix("export ").split("=", 1)
                       for line in (tmp_path / "env").read_text().splitlines())
        env = {k: v.strip("'") for k, v in exports.items()}
        voices = polyglot("voices", "-l", "cmn-CN", env={**env, "HOME": str(tmp_path)})
        assert voices.stdout.split()[0] == "Zhiyu"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(10)
    assert proc.returncode == 0


def test_synthesis_tasks_cap_mp3_at_24_khz(write_config, tmp_path):
    """StartSpeechSynthesisTask takes mp3 and ogg_vorbis up to 24 kHz; SynthesizeSpeech goes up to 48 kHz."""
    def config(mode):
        return write_config(f"""\
            version: 1
            language: en-US
            source: {{type: microphone}}
            speech_to_text: {{provider: transcribe}}
            translation: {{provider: translate}}
            text_to_speech: {{provider: polly, mode: {mode}, task: {{bucket: polly-out}}}}
            targets:
              - {{language: es-ES, voice: Lucia, engine: neural, format: mp3, sample_rate: 44100}}
              - {{language: fr-FR, voice: Lea, engine: neural, format: ogg_vorbis, sample_rate: 24000}}
            """, f"{mode}.yaml")
    task = polyglot("validate", config("task"), env={"HOME": str(tmp_path)})
    assert task.returncode == 78, task.stdout + task.stderr
    [line] = [line for line in task.stdout.splitlines() if "error[" in line]
    assert line.startswith(f"{tmp_path / 'task.yaml'}:8:") and "error[sample-rate] /targets/0/sample_rate: 44100 " \
        "Hz is not available for mp3 in a synthesis task (StartSpeechSynthesisTask allows: 8000, 16000, 22050, " \
        "24000)" in line
    synthesize = polyglot("validate", config("synthesize"), env={"HOME": str(tmp_path)})
    assert synthesize.returncode == 0, synthesize.stdout + synthesize.stderr


def test_online_validation_checks_the_language_code_against_the_voice(emulator, write_config):
    path = write_config("""\
        version: 1
        language: en-US
        source: {type: microphone}
        speech_to_text: {provider: transcribe}
        translation: {provider: translate}
        text_to_speech: {provider: polly}
        targets:
          - {language: es-ES, voice: Lucia, engine: generative, text_to_speech: {language_code: es-MX}}
          - {language: hi-IN, voice: Aditi, engine: standard, text_to_speech: {language_code: hi-IN}}
        """)
    result = polyglot("validate", "--online", path, env=emulator.env())
    assert result.returncode == 78, result.stdout + result.stderr
    [line] = [line for line in result.stdout.splitlines() if "error[" in line]  # Aditi speaks hi-IN too
    assert line.startswith(f"{path}:8:") and "error[voice] /targets/0/text_to_speech/language_code: Polly voice " \
        "Lucia does not speak es-MX (it speaks es-ES)" in line


def test_online_validation_finds_lexicons_missing_stale_or_of_another_language(emulator, tmp_path, write_config):
    """A lexicon never uploaded made every request of its target fail at its first utterance, after
    `validate --online` had said valid; it is an error before audio flows, saying how to upload it."""
    pls = REPO / "pipelines/lexicons/es-names.pls"
    config = write_config(f"""\
        version: 1
        language: en-US
        source: {{type: microphone}}
        text_to_speech: {{provider: polly}}
        translation: {{provider: translate}}
        lexicons: {{esnames: {pls}}}
        targets:
          - {{language: es-ES, voice: Lucia, engine: generative, lexicons: [esnames]}}
          - {{language: es-MX, voice: Mia, engine: neural, lexicons: [frnames]}}
        """)
    result = polyglot("validate", "--online", config, env=emulator.env())
    assert result.returncode == 78, result.stdout
    lines = [line for line in result.stdout.splitlines() if "error[" in line]
    assert len(lines) == 2, result.stdout
    assert f"error[lexicon] /targets/0/lexicons: Polly has no lexicon 'esnames' in this account and region; " \
           f"every request naming it would be refused: upload it: polyglot lexicons sync {config}" in lines[0]
    assert "/targets/1/lexicons: Polly has no lexicon 'frnames'" in lines[1] and "define it under lexicons" in lines[1]
    run = polyglot("run", config, env=emulator.env(), timeout=60)  # the run stops before audio flows
    assert run.returncode == 78 and "Polly has no lexicon 'esnames'" in run.stderr
    assert_no_traceback(run)

    french = pls.read_text().replace('xml:lang="es-ES"', 'xml:lang="fr-FR"')
    emulator.state.lexicons["frnames"] = {"content": french, "attributes": {"LanguageCode": "fr-FR"}}
    assert polyglot("lexicons", "sync", config, env=emulator.env()).returncode == 0
    result = polyglot("validate", "--online", config, env=emulator.env())
    [line] = [line for line in result.stdout.splitlines() if "error[" in line]
    assert "error[lexicon-language] /targets/1/lexicons: lexicon 'frnames' is fr-FR, but voice Mia speaks " \
           "es-MX here: Polly would ignore it" in line

    emulator.state.lexicons["esnames"]["content"] = pls.read_text().replace("Norlan", "Norlanda")
    del emulator.state.lexicons["frnames"]
    config.write_text(config.read_text().replace(", lexicons: [frnames]", ""))
    result = polyglot("validate", "--online", config, env=emulator.env())
    assert result.returncode == 0, result.stdout
    assert f"warning[lexicon] /targets/0/lexicons: lexicon 'esnames' in the account differs from {pls}: " \
           f"update it: polyglot lexicons sync {config}" in result.stdout
