"""The README's demo, run as a new user would: real speech in, Spanish/Catalan/Esperanto audio and captions out."""

import json
import re

import numpy as np
import soundfile
import srt

from tests.conftest import REPO
from tests.support.cli import assert_no_traceback, polyglot


def test_offline_demo_end_to_end(tmp_path):
    result = polyglot("run", REPO / "pipelines/offline-demo.yaml", "--fast", "--output-dir", tmp_path)
    assert result.returncode == 0, result.stderr
    assert_no_traceback(result)
    out = tmp_path  # -o DIR puts the files in DIR
    for lang in ("es", "ca", "eo"):
        audio, rate = soundfile.read(str(out / f"{lang}.wav"))
        assert rate == 16000 and len(audio) / rate > 5
        assert np.sqrt(np.mean(audio ** 2)) > 0.02
        cues = list(srt.parse((out / f"{lang}.srt").read_text()))
        assert len(cues) == 3  # one cue per utterance, in order
        assert all(a.end <= b.start for a, b in zip(cues, cues[1:], strict=False))
        vtt = (out / f"{lang}.vtt").read_text()
        assert vtt.startswith("WEBVTT") and vtt.count(" --> ") == 3
    spanish = [c.content.replace("\n", " ") for c in srt.parse((out / "es.srt").read_text())]
    # What was said: "he was not an ill disposed young man" / "... rather selfish ..." /
    # "he might even have been made amiable himself"
    assert re.search(r"hombre joven", spanish[0])
    assert "egoísta" in spanish[1]
    assert "podría haber sido hecho amable" in spanish[2]
    english = list(srt.parse((out / "en.srt").read_text()))
    assert len(english) == 3 and "amiable himself" in english[2].content.replace("\n", " ")
    assert [c.start for c in english] == [c.start for c in srt.parse((out / "es.srt").read_text())]
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    kinds = {e["event"] for e in events}
    assert {"session", "transcript", "translation", "spoken"} <= kinds
    spoken = [e for e in events if e["event"] == "spoken"]
    assert sorted((e["scope"], e["utterance"]) for e in spoken) == sorted(
        (lang, f"u000{i}") for lang in ("es", "ca", "eo") for i in (1, 2, 3))
    assert "offline-demo: finished" in result.stderr and result.stderr.count(" ok") >= 3


def test_without_output_dir_the_files_go_to_out_and_the_config_name(tmp_path):
    result = polyglot("run", REPO / "pipelines/offline-demo.yaml", "--fast", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "out" / "offline-demo").iterdir()) == [
        "ca.srt", "ca.vtt", "ca.wav", "en.jsonl", "en.srt", "eo.srt", "eo.vtt", "eo.wav", "es.srt", "es.vtt",
        "es.wav", "events.jsonl"]
