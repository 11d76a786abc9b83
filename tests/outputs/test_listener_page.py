"""The listener page in a real browser (Debian's chromium, headless, driven by Playwright) as a phone in the room
opens it: through this machine's network address (not 127.0.0.1, which browsers treat as a secure context), in a
phone-sized viewport. Pick a language, hear it (a playing media element whose output an AnalyserNode measures)
and read its captions (the same as the run's caption files); switch; without MSE (an iPhone); captions only;
over HTTPS; after an interruption; right to left; ?lang= links; the caption overlay."""

from __future__ import annotations

import os
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
import srt

from runner.outputs.listeners.server import lan_address
from tests.support.recordings import tone_bursts

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--autoplay-policy=no-user-gesture-required"]
LINES = [f"sentence number {n}" for n in range(1, 11)]
KEY = "k+/y=Zq9w/Pa+Ss=="  # base64: the printed link must encode it (a raw + or / locks listeners out)
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True}
# Measures what the media element really outputs: an AnalyserNode on it (the page's own audio path, untouched).
METER = """() => { const audio = document.getElementById('player');
  const context = new AudioContext(); const analyser = context.createAnalyser(); analyser.fftSize = 2048;
  context.createMediaElementSource(audio).connect(analyser); analyser.connect(context.destination);
  const samples = new Float32Array(2048);
  window.testLevel = () => { analyser.getFloatTimeDomainData(samples);
    return Math.sqrt(samples.reduce((s, x) => s + x * x, 0) / samples.length); }; }"""

CONFIG = f"""\
version: 1
name: Sunday service
language: en-US
source: {{type: file, path: {{rec}}, realtime: true}}
speech_to_text: {{provider: fake, script: {LINES}}}
translation: {{provider: fake}}
text_to_speech: {{provider: fake, seconds_per_character: 0.03}}
outputs: [{{type: listeners, port: 0, host: 0.0.0.0, key: "${{LISTEN_KEY}}"}}]
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


def network_address() -> str:
    """This machine's address on its network, as a phone reaches it; the tests need one (CI has eth0)."""
    address = lan_address()
    if address.startswith("127."):
        pytest.fail("this machine has no network address besides loopback: the page must be tested as a phone "
                    "opens it (add one, e.g. `ip addr add 10.77.0.1/32 dev lo`)")
    return address


def start_run(tmp_path: Path, write_config, text: str = CONFIG, bursts: list[float] | None = None,
              extra: list[str] | None = None, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str]:
    rec = tone_bursts(tmp_path / "talk.wav", bursts or [0.8] * len(LINES), gap=1.2)
    config = write_config(text.replace("{rec}", str(rec)))
    run = subprocess.Popen([sys.executable, "-m", "runner", "run", str(config), "-o", str(tmp_path), *(extra or [])],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env={**os.environ, **(env or {})})
    assert run.stderr is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready, _, _ = select.select([run.stderr], [], [], 0.5)
        if ready:
            line = run.stderr.readline()
            found = re.search(r"listeners: (https?://\S+)", line)
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


def open_phone(browser, url: str, **context: object):
    page = browser.new_context(**PHONE, **context).new_page()  # type: ignore[arg-type]
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    page.wait_for_selector("#languages button", state="attached")
    return page, errors


def loudest(page, seconds: float = 2.0) -> float:
    levels = []
    for _ in range(int(seconds * 10)):
        levels.append(page.evaluate("window.testLevel()"))
        page.wait_for_timeout(100)
    return max(levels)


def finish(run: subprocess.Popen[str]) -> str:
    run.wait(timeout=60)
    stderr = run.stderr.read() if run.stderr else ""
    assert run.returncode == 0, stderr
    assert "Traceback" not in stderr
    return stderr


def captioned(tmp_path: Path, name: str) -> list[str]:
    return [c.content for c in srt.parse((tmp_path / name).read_text())]


def test_a_phone_on_the_network_picks_a_language_hears_it_reads_it_and_switches(tmp_path, write_config, browser):
    run, url = start_run(tmp_path, write_config, env={"LISTEN_KEY": KEY})
    try:
        assert url.startswith(f"http://{network_address()}:"), url  # the link a phone opens
        assert url.endswith("/?" + urlencode({"key": KEY}))
        page, errors = open_phone(browser, url)
        assert page.evaluate("window.isSecureContext") is False  # as on a real phone: no AudioWorklet here
        names = page.locator("#languages button").all_inner_texts()
        assert names[0].startswith("Español") and names[1].startswith("Deutsch")
        page.evaluate(METER)

        page.tap("button[data-code='es-ES']")
        wait_for(page, "window.polyglotListener.captions.length >= 2")
        assert loudest(page) > 0.05, "what played was silence"
        spanish = page.evaluate("window.polyglotListener")
        assert spanish["mode"] == "mse" and spanish["played"] > 1.0, spanish
        assert page.evaluate("!document.getElementById('player').paused")
        assert page.inner_text("#current") == spanish["captions"][-1]
        assert page.locator("#live").is_visible() and page.evaluate("window.polyglotListener.live")
        assert page.inner_text("#change") == "Cambiar"  # the page's own words, in Spanish now

        page.tap("#change")
        assert "Español" in page.inner_text("#choose-current")
        page.tap("#cancel")  # back, still Spanish
        assert page.locator("#listening").is_visible()
        page.tap("#change")
        page.tap("button[data-code='de-DE']")
        wait_for(page, "window.polyglotListener.captions.length >= 1 && window.polyglotListener.language == 'de-DE'")
        played_before = page.evaluate("window.polyglotListener.played")
        wait_for(page, f"window.polyglotListener.played > {played_before + 1.0}")
        german = page.evaluate("window.polyglotListener")
        assert page.inner_text("#stop") == "Beenden"
        assert not errors, errors
    finally:
        finish(run)
    # ~28 kbit/s: what the page received, over the time it listened (init segments included)
    assert german["received"] * 8 / (german["played"] + spanish["played"]) < 40_000, german
    assert spanish["captions"] and all(c.startswith("[es-ES]") for c in spanish["captions"])
    assert _in_order(spanish["captions"], captioned(tmp_path, "es.srt"))  # what it showed is what the run captioned
    assert german["captions"] and all(c.startswith("[de-DE]") for c in german["captions"])
    assert _in_order(german["captions"], captioned(tmp_path, "de.srt"))


def test_a_browser_without_media_source_plays_the_plain_stream(tmp_path, write_config, browser):
    """An iPhone has no MediaSource: the page plays the language's AAC stream in a plain <audio> element."""
    run, url = start_run(tmp_path, write_config, env={"LISTEN_KEY": KEY})
    try:
        context = browser.new_context(**PHONE)
        context.add_init_script("delete window.MediaSource; window.MediaSource = undefined;")
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url)
        page.wait_for_selector("#languages button")
        page.evaluate(METER)
        page.tap("button[data-code='es-ES']")
        wait_for(page, "window.polyglotListener.captions.length >= 2", seconds=30)
        assert loudest(page) > 0.05, "what played was silence"
        heard = page.evaluate("window.polyglotListener")
        assert heard["mode"] == "plain" and heard["played"] > 1.0, heard
        assert ".aac?" in page.evaluate("document.getElementById('player').src")
        assert not errors, errors
    finally:
        finish(run)
    assert _in_order(heard["captions"], captioned(tmp_path, "es.srt"))


def test_captions_only_plays_nothing_and_shows_the_captions(tmp_path, write_config, browser):
    run, url = start_run(tmp_path, write_config, env={"LISTEN_KEY": KEY})
    try:
        page, errors = open_phone(browser, url)
        page.check("#captions-only")
        page.tap("button[data-code='es-ES']")
        wait_for(page, "window.polyglotListener.captions.length >= 2")
        heard = page.evaluate("window.polyglotListener")
        assert heard["mode"] == "none" and heard["received"] == 0 and heard["played"] == 0, heard
        assert page.evaluate("document.getElementById('player').paused")
        assert not page.locator("#resume").is_visible()
        assert not errors, errors
    finally:
        finish(run)
    assert _in_order(heard["captions"], captioned(tmp_path, "es.srt"))


def test_after_an_interruption_sound_resumes_or_the_page_asks_for_a_tap(tmp_path, write_config, browser):
    """A call, or the OS pausing media on a locked phone: the page never sits silent claiming to be live."""
    run, url = start_run(tmp_path, write_config, env={"LISTEN_KEY": KEY})
    try:
        page, errors = open_phone(browser, url)
        page.tap("button[data-code='es-ES']")
        wait_for(page, "window.polyglotListener.played > 1")
        page.evaluate("document.getElementById('player').pause()")  # what the OS does
        wait_for(page, "!window.polyglotListener.live", seconds=5)
        assert page.locator("#resume").is_visible()
        assert page.inner_text("#status") == "Toca para continuar"
        assert not page.locator("#live").is_visible()
        page.tap("#resume")
        played = page.evaluate("window.polyglotListener.played")
        wait_for(page, f"window.polyglotListener.played > {played + 1} && window.polyglotListener.live")
        assert not page.locator("#resume").is_visible()

        page.evaluate("document.getElementById('player').pause()")
        page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")  # the screen comes back on
        played = page.evaluate("window.polyglotListener.played")
        wait_for(page, f"window.polyglotListener.played > {played + 1}")  # by itself
        assert not errors, errors
    finally:
        finish(run)


ARABIC = CONFIG.replace("  - {language: de-DE, sinks: [{type: srt, path: de.srt}]}\n", "").replace(
    "es-ES", "ar-SA").replace("es.srt", "ar.srt")


def test_a_seat_card_link_opens_arabic_right_to_left(tmp_path, write_config, browser):
    run, url = start_run(tmp_path, write_config, ARABIC, env={"LISTEN_KEY": KEY})
    try:
        page, errors = open_phone(browser, url.replace("/?", "/?lang=ar-SA&"))
        wait_for(page, "window.polyglotListener.captions.length >= 1")  # no tap: the link opened it
        assert page.evaluate("document.documentElement.dir") == "rtl"
        assert page.evaluate("getComputedStyle(document.getElementById('current')).direction") == "rtl"
        assert page.evaluate("getComputedStyle(document.getElementById('current')).unicodeBidi") == "isolate"
        assert page.inner_text("#stop") == "إيقاف"
        page.tap("#larger")
        size = page.evaluate("parseFloat(getComputedStyle(document.getElementById('current')).fontSize)")
        page.tap("#smaller")
        assert page.evaluate("parseFloat(getComputedStyle(document.getElementById('current')).fontSize)") < size
        assert not errors, errors
    finally:
        finish(run)


def test_the_overlay_shows_big_captions_on_a_transparent_background(tmp_path, write_config, browser):
    run, url = start_run(tmp_path, write_config, env={"LISTEN_KEY": KEY})
    try:
        page = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
        page.goto(url.replace("/?", "/overlay?lang=es-ES&lines=2&"))
        wait_for(page, "window.polyglotOverlay.captions.length >= 2")
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgba(0, 0, 0, 0)"
        assert page.locator("#lines p").count() == 2
        assert page.locator("#lines p").last.inner_text().startswith("[es-ES] sentence number")
        page.screenshot(path=str(tmp_path / "overlay.png"), omit_background=True)
        denied = browser.new_page()
        denied.goto(url.split("?")[0] + "overlay?lang=es-ES")  # no key
        wait_for(denied, "!document.getElementById('problem').hidden", seconds=10)
        shown = page.evaluate("window.polyglotOverlay.captions")
    finally:
        finish(run)
    assert _in_order(shown, captioned(tmp_path, "es.srt"))


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
                            "--drain-timeout", "20"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env={**os.environ, "LISTEN_KEY": KEY})
    assert run.stderr is not None
    url = None
    while url is None:
        found = re.search(r"listeners: (https?://\S+)", run.stderr.readline())
        url = found.group(1) if found else None
    try:
        page, _ = open_phone(browser, url)
        page.tap("button[data-code='es-ES']")
        wait_for(page, "window.polyglotListener.state == 'ended'", seconds=30)
        page.wait_for_timeout(2000)  # the last of the buffer plays out
        heard = page.evaluate("window.polyglotListener")
    finally:
        run.wait(timeout=60)
    speech = len("[es-ES] sentence number 1") * 0.25  # the fake voice's seconds
    assert heard["played"] > 0.98 * speech, heard
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


def test_over_https_the_page_is_a_secure_context_and_plays(tmp_path, write_config):
    """The organiser's certificate (here a test CA's, for this machine's network address): chromium trusts
    exactly that key (--ignore-certificate-errors-spki-list), as a phone trusts a real certificate."""
    import base64
    import hashlib

    import trustme
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from playwright.sync_api import sync_playwright

    address = network_address()
    cert = trustme.CA().issue_cert(address)
    cert.private_key_pem.write_to_path(str(tmp_path / "key.pem"))
    cert.cert_chain_pems[0].write_to_path(str(tmp_path / "cert.pem"))
    spki = x509.load_pem_x509_certificate(cert.cert_chain_pems[0].bytes()).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    pin = base64.b64encode(hashlib.sha256(spki).digest()).decode()
    text = CONFIG.replace('key: "${LISTEN_KEY}"', f'key: "${{LISTEN_KEY}}", tls_cert: {tmp_path / "cert.pem"}, '
                                                  f'tls_key: {tmp_path / "key.pem"}')
    run, url = start_run(tmp_path, write_config, text, env={"LISTEN_KEY": KEY})
    try:
        assert url.startswith(f"https://{address}:"), url
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                                 args=[*FLAGS, f"--ignore-certificate-errors-spki-list={pin}"])
            page, errors = open_phone(browser, url)
            assert page.evaluate("window.isSecureContext") is True
            page.evaluate(METER)
            page.tap("button[data-code='es-ES']")
            wait_for(page, "window.polyglotListener.captions.length >= 2")
            assert loudest(page) > 0.05, "what played was silence"
            heard = page.evaluate("window.polyglotListener")
            assert heard["played"] > 1.0 and not errors, (heard, errors)
            browser.close()
    finally:
        finish(run)
    assert _in_order(heard["captions"], captioned(tmp_path, "es.srt"))
