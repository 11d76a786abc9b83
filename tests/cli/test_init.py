"""`polyglot init`: a starter pipeline that validates and runs as written, with each target's voices listed, and
never over an existing file."""

from runner.testing.cli import assert_no_traceback, polyglot
from tests.conftest import THREE_UTTERANCES


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
