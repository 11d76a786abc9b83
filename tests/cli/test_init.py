"""`polyglot init`: a starter pipeline that validates and runs as written, with each target's voices listed, and
never over an existing file."""

import shutil
from pathlib import Path

import pytest

from tests.conftest import THREE_UTTERANCES
from tests.support.cli import assert_no_traceback, polyglot


def test_offline_starter_validates_and_runs_as_written(tmp_path):
    (tmp_path / "sub").mkdir()
    path = tmp_path / "sub" / "talk.yaml"
    made = polyglot("init", path, "--source", THREE_UTTERANCES, "--target", "es", "--target", "eo", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    text = path.read_text()
    assert text.startswith("# yaml-language-server: $schema=")
    assert "# espeak voices for es: roa/es, roa/es-419" in text
    assert polyglot("validate", path).returncode == 0
    ran = polyglot("run", path, "--fast", "-q", "-o", tmp_path / "out")
    assert_no_traceback(ran)
    assert ran.returncode == 0, ran.stderr
    assert (tmp_path / "out" / "es.wav").stat().st_size > 10_000 and (tmp_path / "out" / "eo.srt").exists()


def test_it_refuses_to_overwrite_a_file(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("mine\n")
    result = polyglot("init", path, "--target", "es")
    assert_no_traceback(result)
    assert result.returncode == 74 and "already exists" in result.stderr
    assert path.read_text() == "mine\n"


@pytest.mark.parametrize("file, recording", [("2024.yaml", "talk.wav"), ("true.yaml", "talk #1.wav"),
                                             ("null.yaml", "take: 2.wav"), ("1e3.yaml", "0o17.wav")])
def test_names_yaml_would_read_as_something_else_are_written_as_strings(tmp_path, file, recording):
    shutil.copy(THREE_UTTERANCES, tmp_path / recording)
    made = polyglot("init", tmp_path / file, "--source", tmp_path / recording, "-t", "es", "--output", "hls",
                    cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    checked = polyglot("validate", tmp_path / file)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    config = polyglot("config", tmp_path / file)
    assert f"name: '{Path(file).stem}'" in config.stdout and recording in config.stdout, config.stdout


@pytest.mark.parametrize("targets, expected", [
    (["es: x"], "error[pattern] /targets/0/language: 'es: x' does not match"),
    (["es", "fr"], "error[language-pair] /targets/1/language: Apertium cannot translate en-US into fr"),
])
def test_a_pipeline_that_would_not_validate_is_not_written(tmp_path, targets, expected):
    path = tmp_path / "talk.yaml"
    made = polyglot("init", path, "--source", THREE_UTTERANCES, *(a for t in targets for a in ("-t", t)),
                    cwd=tmp_path)
    assert_no_traceback(made)
    assert made.returncode == 78, made.stderr
    assert expected in made.stderr and f"{path}: error[init] not written" in made.stderr, made.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # neither the file nor its draft


def test_it_offers_the_outputs_an_event_needs(tmp_path):
    offered = tmp_path / "offered.yaml"
    assert polyglot("init", offered, "--source", THREE_UTTERANCES, "-t", "es").returncode == 0
    assert "#   - {type: listeners" in offered.read_text() and "#   - {type: hls}" in offered.read_text()
    chosen = tmp_path / "event.yaml"
    made = polyglot("init", chosen, "--source", THREE_UTTERANCES, "-t", "es", "--output", "listeners",
                    "--output", "hls")
    assert made.returncode == 0, made.stderr
    assert polyglot("validate", chosen).returncode == 0
    shown = polyglot("config", chosen).stdout
    assert "type: listeners" in shown and "type: hls" in shown, shown
    refused = polyglot("init", tmp_path / "other.yaml", "-t", "es", "--output", "icecast")
    assert refused.returncode == 2 and "outputs are listeners and hls, not 'icecast'" in refused.stderr
