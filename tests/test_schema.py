"""The pipeline schema is generated from the components' own option declarations; the checked-in file that
editors use is exactly that output; and a new engine is one file and one import line."""

from __future__ import annotations

import json
import sys

import pytest
from typer.testing import CliRunner

from runner.cli.app import app
from runner.config.schema import schema_text
from tests.conftest import REPO
from tests.support.cli import polyglot
from tests.support.recordings import tone_bursts
from tests.support.sessions import run_session


def test_the_checked_in_schema_is_what_the_registry_generates():
    result = polyglot("schema")
    assert result.returncode == 0, result.stderr
    checked_in = (REPO / "schemas" / "pipeline.schema.json").read_text(encoding="utf-8")
    assert result.stdout == checked_in, "schemas/pipeline.schema.json is stale: polyglot schema > it"


def test_every_engine_option_default_is_declared_once():
    """The schema's defaults are the options classes' defaults (not written a second time anywhere)."""
    from runner import registry
    from runner.options import defaults

    schema = json.loads(schema_text())
    for c in registry.available():
        suffix = {"speech_to_text": "SpeechToText", "translation": "Translation",
                  "text_to_speech": "TextToSpeech"}.get(c.kind)
        if suffix is None:
            continue
        branch = schema["$defs"][f"{c.name}{suffix}"]
        instance = defaults(c.options)
        for key, prop in branch["properties"].items():
            if isinstance(prop, dict) and "default" in prop:
                value = getattr(instance, key)
                assert prop["default"] == (list(value) if isinstance(value, tuple) else value), (c.name, key)


@pytest.fixture
def scratch_registry(monkeypatch):
    """The registry as it is, restored after the test (a toy engine registered in it does not leak)."""
    from runner import registry

    registry.load_plugins()
    monkeypatch.setattr(registry, "_components", dict(registry._components))
    monkeypatch.setattr(registry, "_generation", registry._generation)
    monkeypatch.delitem(sys.modules, "tests.plugins.toy_engine", raising=False)


def test_a_new_engine_is_one_file_and_one_import(tmp_path, write_config, scratch_registry):
    import tests.plugins.toy_engine  # noqa: F401  (the one import line)

    runner = CliRunner()
    listed = runner.invoke(app, ["engines"])
    assert "translation     mirror" in listed.output and "writes the text backwards" in listed.output
    schema = json.loads(runner.invoke(app, ["schema"]).output)
    assert "mirror" in schema["$defs"]["translationOptions"]["properties"]["provider"]["enum"]
    assert schema["$defs"]["mirrorTranslation"]["properties"]["repeat"] == {
        "type": "integer", "minimum": 1, "maximum": 3, "default": 1, "description": "How many times to mirror it."}

    rec = tone_bursts(tmp_path / "in.wav", [0.3], gap=0.4)
    config = """\
version: 1
language: en-US
source: {{type: file, path: {rec}, realtime: false}}
speech_to_text: {{provider: fake, script: [hello world]}}
translation: {{provider: mirror, repeat: {repeat}}}
text_to_speech: {{provider: fake}}
targets: [{{language: es, translation: {{shout: true}}}}]
"""
    bad = runner.invoke(app, ["validate", str(write_config(config.format(rec=rec, repeat=5), "bad.yaml"))])
    assert bad.exit_code == 78
    assert "bad.yaml:5:41: error[maximum] /translation/repeat: 5 is greater than the maximum of 3" in bad.output
    good = write_config(config.format(rec=rec, repeat=2), "good.yaml")
    assert runner.invoke(app, ["validate", str(good)]).exit_code == 0
    run = run_session(good, tmp_path)
    assert run.translations("es") == ["DLROW OLLEH DLROW OLLEH"]
