"""The listener page in a real browser (Debian's chromium, headless, driven by Playwright): pick a language,
hear it (the page's own count of samples played, and their level) and read its captions (the same as the run's
caption files); switch language and hear the other one."""

from __future__ import annotations

import os
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import srt

from runner.testing.recordings import tone_bursts

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--autoplay-policy=no-user-gesture-required"]
LINES = [f"sentence number {n}" for n in range(1, 11)]

CONFIG = f"""\
version: 1
name: Sunday service
language: en-US
source: {{type: file, path: {{rec}}, realtime: true}}
speech_to_text: {{provider: fake, script: {LINES}}}
translation: {{provider: fake}}
text_to_speech: {{provider: fake, seconds_per_character: 0.03}}
outputs: [{{type: listeners, port: 0}}]
targets:
  - {{language: es-ES, sinks: [{{type: srt, path: es.srt}}]}}
  - {{language: de-DE, sinks: [{{type: srt, path: de.srt}}]}}
"""


@pytest.fixture
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is not installed (the README's test command installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


def start_run(tmp_path: Path, write_config, text: str = CONFIG,
              bursts: list[float] | None = None) -> tuple[subprocess.Popen[str], str]:
    rec = tone_bursts(tmp_path / "talk.wav", bursts or [0.8] * len(LINES), gap=1.2)
    config = write_config(text.replace("{rec}", str(rec)))
    run = subprocess.Popen([sys.executable, "-m", "runner", "run", str(config), "-o", str(tmp_path)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert run.stderr is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready, _, _ = select.select([run.stderr], [], [], 0.5)
        if ready:
            line = run.stderr.readline()
            found = re.search(r"listeners: (http://\S+)", line)
            if found:
                return run, found.group(1)
    run.kill()
    raise AssertionError("the run printed no listener link")


def wait_for(page, condition: str, seconds: float = 20) -> None:
    """Poll the page (wait_for_function would evaluate a string inside it, which the page's CSP forbids)."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(condition):
        assert time.monotonic() < deadline, f"not within {seconds:g}s: {condition}"
        page.wait_for_timeout(100)


def test_a_listener_picks_a_language_hears_it_reads_it_and_switches(tmp_path, write_config, browser):
    run, url = start_run(tmp_path, write_config)
    try:
        page = browser.new_page(viewport={"width": 390, "height": 844})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url)
        page.wait_for_selector("#languages button")
        names = page.locator("#languages button").all_inner_texts()
        assert names[0].startswith("Español") and names[1].startswith("Deutsch")

        page.click("button[data-code='es-ES']")
        wait_for(page, "window.polyglotListener.captions.length >= 2")
        levels = [page.evaluate("window.polyglotListener.level") for _ in range(20) if not page.wait_for_timeout(100)]
        spanish = page.evaluate("window.polyglotListener")
        assert spanish["played"] > spanish["deviceRate"] * 0.5, "no audio played"
        assert max(levels) > 0.05, "what played was silence"
        assert page.inner_text("#current") == spanish["captions"][-1]
        assert page.locator("#live").is_visible()

        page.click("#change")
        page.click("button[data-code='de-DE']")
        wait_for(page, "window.polyglotListener.captions.length >= 1 && window.polyglotListener.language == 'de-DE'")
        played_before = page.evaluate("window.polyglotListener.played")
        wait_for(page, f"window.polyglotListener.played > {played_before + 8000}")
        german = page.evaluate("window.polyglotListener.captions")
        page.screenshot(path=str(tmp_path / "page.png"))
        assert not errors, errors
    finally:
        run.wait(timeout=60)

    assert run.returncode == 0, run.stderr.read() if run.stderr else ""
    spoken_es = [c.content for c in srt.parse((tmp_path / "es.srt").read_text())]
    spoken_de = [c.content for c in srt.parse((tmp_path / "de.srt").read_text())]
    assert spanish["captions"] and all(c.startswith("[es-ES]") for c in spanish["captions"])
    assert _in_order(spanish["captions"], spoken_es)  # what the page showed is what the run captioned
    assert german and all(c.startswith("[de-DE]") for c in german) and _in_order(german, spoken_de)


def _in_order(shown: list[str], captioned: list[str]) -> bool:
    position = 0
    for text in shown:
        if text not in captioned[position:]:
            return False
        position = captioned.index(text, position) + 1
    return True


def test_long_speech_synthesized_at_once_plays_in_full(tmp_path, write_config, browser):
    """An engine that synthesizes a long sentence in a blink sends seconds of audio at once: all of it is heard
    (speech placed ahead of the clock is not 'behind'), none of it is skipped."""
    rec = tone_bursts(tmp_path / "talk.wav", [0.8], gap=1.0)
    config = write_config(CONFIG.replace("{rec}", str(rec)).replace("seconds_per_character: 0.03",
                                                                     "seconds_per_character: 0.25"))
    run = subprocess.Popen([sys.executable, "-m", "runner", "run", str(config), "-o", str(tmp_path),
                            "--drain-timeout", "20"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert run.stderr is not None
    url = None
    while url is None:
        found = re.search(r"listeners: (http://\S+)", run.stderr.readline())
        url = found.group(1) if found else None
    try:
        page = browser.new_page()
        page.goto(url)
        page.wait_for_selector("#languages button")
        page.click("button[data-code='es-ES']")
        wait_for(page, "window.polyglotListener.state == 'ended'", seconds=30)
        wait_for(page, "window.polyglotListener.queued == 0", seconds=10)
        heard = page.evaluate("window.polyglotListener")
    finally:
        run.wait(timeout=60)
    speech = len("[es-ES] sentence number 1") * 0.25  # the fake voice's seconds
    assert heard["played"] / heard["deviceRate"] > 0.98 * speech, heard
    assert "jumped to live" not in page.inner_text("#status")


SIMULTANEOUS = """\
version: 1
language: en-US
mode: simultaneous
simultaneous: {max_lag: 1.5, hard_lag: 3, max_rate: 1.2}
source: {type: file, path: {rec}, realtime: true}
speech_to_text: {provider: fake, words_per_second: 4, silence: 0.5, script: [
  "when we arrived at the station, the train had already left, so we walked home",
  "it was a long walk, but the evening was warm and nobody minded"]}
translation: {provider: fake}
text_to_speech: {provider: fake, seconds_per_character: 0.2}
outputs: [{type: listeners, port: 0}]
targets:
  - {language: es-ES, sinks: [{type: srt, path: es.srt}]}
"""


def test_text_whose_speech_was_dropped_to_catch_up_is_still_read(tmp_path, write_config, browser):
    """Simultaneous mode with a voice far slower than the speaker: past hard_lag the oldest queued segments are
    not spoken. The page shows their text at once, marked as not spoken, with what was spoken around it."""
    run, url = start_run(tmp_path, write_config, SIMULTANEOUS, bursts=[3.8, 3.3])
    try:
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url)
        page.wait_for_selector("#languages button")
        page.click("button[data-code='es-ES']")
        wait_for(page, "window.polyglotListener.unspoken.length >= 1", seconds=30)
        marked = page.locator(".history li.unspoken").all_inner_texts()
        wait_for(page, "window.polyglotListener.state == 'ended'", seconds=40)
        heard = page.evaluate("window.polyglotListener")
        assert not errors, errors
    finally:
        run.wait(timeout=60)
    assert "Traceback" not in (run.stderr.read() if run.stderr else "")
    assert marked and marked[0] == heard["unspoken"][0]
    captioned = " ".join(c.content.replace("\n", " ") for c in srt.parse((tmp_path / "es.srt").read_text()))
    assert all(text.replace("\n", " ") in captioned for text in heard["unspoken"])  # the run's captions, too
    assert heard["captions"] and not set(heard["captions"]) & set(heard["unspoken"])  # spoken ones, apart
