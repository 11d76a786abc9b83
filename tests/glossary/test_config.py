"""A pipeline's glossary as load and plan read it: inline, YAML and CSV files, and every bad glossary a located
one-line error (exit 78)."""

from pathlib import Path

import pytest

from runner.config.load import load
from runner.plan.plan import plan
from tests.support.cli import assert_no_traceback, polyglot

RECORDING = Path(__file__).parents[2] / "pipelines/audio/librivox-three-utterances.wav"


def pipeline(tmp_path: Path, glossary: str, *, stt: str = "pocketsphinx", translation: str = "apertium",
             tts: str = "espeak", targets: str = "[{language: es}, {language: ca}]") -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(f"version: 1\nlanguage: en-US\nsource: {{type: file, path: {RECORDING}}}\n"
                    f"speech_to_text: {{provider: {stt}}}\ntranslation: {{provider: {translation}}}\n"
                    f"text_to_speech: {{provider: {tts}}}\ntargets: {targets}\n{glossary}")
    return path


def test_inline_yaml_and_csv_glossaries_read_alike(tmp_path):
    inline = pipeline(tmp_path, "glossary:\n  terms:\n    - {term: Siobhan, sounds_like: [shiv on], keep: true,\n"
                                "       translations: {ca: Siobhana}, pronounce: {es: {alias: Chivon}}}\n")
    (tmp_path / "g.yaml").write_text("terms:\n  - {term: Siobhan, sounds_like: [shiv on], keep: true,\n"
                                     "     translations: {ca: Siobhana}, pronounce: {es: {alias: Chivon}}}\n")
    (tmp_path / "g.csv").write_text("term,sounds_like,keep,ca,es.alias\nSiobhan,shiv on,yes,Siobhana,Chivon\n")
    digests = set()
    for value in (None, "g.yaml", "g.csv"):
        path = inline if value is None else pipeline(tmp_path, f"glossary: {value}\n")
        loaded = load(path)
        assert loaded.ok, loaded.diagnostics
        glossary = loaded.config.glossary
        assert glossary.translations_into("es") == [("Siobhan", "Siobhan")]  # keep
        assert glossary.translations_into("ca-ES") == [("Siobhan", "Siobhana")]
        assert glossary.misheard_forms() == [("shiv on", "Siobhan")]
        assert glossary.speech_to_text_terms() == ["Siobhan"]
        digests.add(glossary.digest())
    assert len(digests) == 1  # what it says, not how it is written


def test_a_language_no_target_has_is_a_located_warning(tmp_path):
    path = pipeline(tmp_path, "glossary:\n  terms:\n    - term: Siobhan\n      translations: {fr: Siobhane}\n")
    planned = plan(load(path))
    assert planned.ok
    [warning] = [d for d in planned.diagnostics if d.code == "glossary-language"]
    assert (warning.severity, warning.line, warning.path) == ("warning", 11, "/glossary/terms/0/translations/fr")
    assert "no target speaks fr" in warning.message


BAD = {
    "unknown language": ("glossary:\n  terms:\n    - {term: Siobhan, translations: {xx: Foo}}\n", {},
                         "p.yaml:10:", "error[glossary-language] /glossary/terms/0/translations/xx"),
    "duplicate term": ("glossary:\n  terms:\n    - term: Siobhan\n    - term: ' siobhan'\n", {},
                       "p.yaml:11:", "error[glossary-duplicate] /glossary/terms/1/term"),
    "duplicate term in a csv file": ("glossary: g.csv\n", {"g.csv": "term,es\nAcme,Acme\nBeta,\nACME,\n"},
                                     "g.csv:4:", "error[glossary-duplicate]"),
    "unknown csv column": ("glossary: g.csv\n", {"g.csv": "term,colour\nAcme,red\n"},
                           "g.csv:1:2:", "error[csv-header]"),
    # A quote left open swallowed every row after it into one cell: 5 terms read as 1.
    "a quote never closed in a csv file": ("glossary: g.csv\n", {"g.csv": "term,es\nAcme,\"Acme\nBeta,B\nGamma,G\n"
                                           "Delta,D\nEpsilon,E\n"}, "g.csv:2:1:", "error[csv] /rows/2"),
    "a quote closed rows later": ("glossary: g.csv\n", {"g.csv": "term,es\n\"Acme,Acme\nBeta,B\",Beta\nGamma,G\n"},
                                  "g.csv:2:1:", "error[csv] /rows/2"),
    "a quote closed rows later, then text": ("glossary: g.csv\n", {"g.csv": "term,es\n\"Acme,A\nBeta\"x,B\n"},
                                             "g.csv:2:1:", "error[csv] /rows/2"),
    "a duplicated csv column": ("glossary: g.csv\n", {"g.csv": "term,es,ca,es\nAcme,Acme,Acmé,Akme\n"},
                                "g.csv:1:4:", "error[csv-header] /columns/4"),
    "more cells than columns": ("glossary: g.csv\n", {"g.csv": "term,es\nAcme, Inc,Acme\n"},
                                "g.csv:2:3:", "error[csv] /rows/2"),
    "a vertical tab in a csv cell": ("glossary: g.csv\n", {"g.csv": "term,es\nAcme,Ac\vme\n"},
                                     "g.csv:2:2:", "error[glossary-text] /rows/2/es"),
    "a control character in a yaml term": ("glossary:\n  terms:\n    - {term: Acme, sounds_like: [\"ac\\fme\"]}\n",
                                           {}, "p.yaml:10:", "error[glossary-text] /glossary/terms/0/sounds_like/0"),
    "unknown key in a yaml file": ("glossary: g.yaml\n", {"g.yaml": "terms:\n  - {term: Acme, keeep: true}\n"},
                                   "g.yaml:2:", "error[unknown-key] /terms/0/keeep"),
    "no such file": ("glossary: nowhere.csv\n", {}, "p.yaml:8:", "error[glossary] /glossary"),
    "a digit Transcribe does not accept": ("glossary:\n  terms:\n    - term: Cloud 9\n", {"stt": "transcribe"},
                                           "p.yaml:10:", "error[glossary-transcribe] /glossary/terms/0/term"),
    "over Translate's term limit": ("glossary:\n  terms:\n    - {term: Acme, translations: {es: " + "x" * 201 +
                                    "}}\n", {"translation": "translate"},
                                    "p.yaml:10:", "error[glossary-limit] /glossary/terms/0/translations/es"),
}


@pytest.mark.parametrize("name", BAD)
def test_bad_glossary_is_one_located_line_and_exit_78(tmp_path, name):
    text, extra, where, expected = BAD[name]
    files = {k: v for k, v in extra.items() if "." in k}
    engines = {k: v for k, v in extra.items() if "." not in k}
    for file, content in files.items():
        (tmp_path / file).write_text(content)
    path = pipeline(tmp_path, text, **engines)
    result = polyglot("validate", path, cwd=tmp_path)
    assert_no_traceback(result)
    assert result.returncode == 78, result.stdout + result.stderr
    [line] = [line for line in result.stdout.splitlines() if expected in line]
    assert line.startswith(str(tmp_path / where.split(":")[0]) + ":" + where.split(":", 1)[1]), line


def test_the_same_term_is_fine_offline_and_an_error_for_transcribe(tmp_path):
    text = "glossary:\n  terms:\n    - term: Cloud 9\n"
    assert plan(load(pipeline(tmp_path, text))).ok
    assert not plan(load(pipeline(tmp_path, text, stt="transcribe"))).ok
