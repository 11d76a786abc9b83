"""The ``hls`` output played by hls.js (npm) in a real browser (Debian's chromium, headless, driven by Playwright):
the master playlist loads with every language as an audio track and a subtitle track, audio plays, and switching
the audio language makes the player fetch and play the other language's segments."""

from __future__ import annotations

import functools
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.outputs.test_listener_page import browser, wait_for  # noqa: F401  (the fixture)
from tests.support.recordings import tone_bursts
from tests.support.sessions import run_session

HLS_JS = Path(__file__).with_name("hlsjs") / "node_modules" / "hls.js" / "dist" / "hls.min.js"
LINES = [f"sentence number {n}" for n in range(1, 11)]
CONFIG = f"""\
version: 1
name: hls in a browser
language: en-US
source: {{type: file, path: {{rec}}, realtime: false}}
speech_to_text: {{provider: fake, script: {LINES}}}
translation: {{provider: fake}}
text_to_speech: {{provider: fake, seconds_per_character: 0.05}}
outputs: [{{type: hls, segment_seconds: 2}}]
targets:
  - {{language: es-ES}}
  - {{language: de-DE}}
"""
PAGE = """<!doctype html><meta charset="utf-8"><audio id="player"></audio><script src="hls.min.js"></script>
<script>
window.log = {fragments: [], switched: [], errors: []};
const audio = document.getElementById("player");
const hls = new Hls({maxBufferLength: 4, maxMaxBufferLength: 6});  // buffer as little ahead as live
window.hls = hls;
hls.on(Hls.Events.FRAG_LOADED, (e, d) => window.log.fragments.push(d.frag.url));
hls.on(Hls.Events.AUDIO_TRACK_SWITCHED, (e, d) => window.log.switched.push(d.id));
hls.on(Hls.Events.ERROR, (e, d) => { if (d.fatal) window.log.errors.push(d.details); });
hls.loadSource("hls/master.m3u8");
hls.attachMedia(audio);
hls.on(Hls.Events.MANIFEST_PARSED, () => audio.play());
</script>"""


@pytest.fixture
def site(tmp_path: Path, write_config) -> Iterator[str]:
    """A finished run's HLS folder and the test page, served by a plain static web server."""
    if not HLS_JS.exists():
        pytest.fail("hls.js is not installed (scripts/setup test installs it with npm)")
    rec = tone_bursts(tmp_path / "talk.wav", [0.8] * len(LINES), gap=1.2)
    config = write_config(CONFIG.replace("{rec}", str(rec)))
    assert run_session(config, tmp_path / "out").status.ok
    root = tmp_path / "site"
    shutil.copytree(tmp_path / "out" / "hls", root / "hls")
    shutil.copy(HLS_JS, root / "hls.min.js")
    (root / "index.html").write_text(PAGE)
    handler = functools.partial(_Quiet, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class _Quiet(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".m3u8": "application/vnd.apple.mpegurl",
                      ".ts": "video/mp2t", ".vtt": "text/vtt"}

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_hls_js_plays_every_language_and_switches_audio(site: str, browser) -> None:  # noqa: F811
    page = browser.new_page()
    page.goto(site)
    wait_for(page, "window.hls && window.hls.audioTracks.length === 2")
    tracks = page.evaluate("window.hls.audioTracks.map(t => [t.lang, t.name])")
    assert tracks == [["es-ES", "Español"], ["de-DE", "Deutsch"]]
    subtitles = page.evaluate("window.hls.subtitleTracks.map(t => t.lang)")
    assert subtitles == ["es-ES", "de-DE", "en-US"]
    wait_for(page, "document.getElementById('player').currentTime > 1")
    assert page.evaluate("document.getElementById('player').webkitAudioDecodedByteCount") > 0
    assert not any("/de-DE/" in url for url in page.evaluate("window.log.fragments"))
    page.evaluate("window.hls.audioTrack = 1")
    wait_for(page, "window.log.switched.includes(1)")
    switched_at = page.evaluate("document.getElementById('player').currentTime")
    wait_for(page, "window.log.fragments.some(url => url.includes('/de-DE/'))")
    assert page.evaluate("document.getElementById('player').currentTime") < switched_at + 8  # not at the end
    decoded = page.evaluate("document.getElementById('player').webkitAudioDecodedByteCount")
    before = page.evaluate("document.getElementById('player').currentTime")
    wait_for(page, f"document.getElementById('player').currentTime > {before + 1}")
    assert page.evaluate("document.getElementById('player').webkitAudioDecodedByteCount") > decoded
    assert page.evaluate("window.log.errors") == []
