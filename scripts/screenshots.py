"""Regenerate the listener page's screenshots in docs/ from a real offline run (Whisper -> Apertium ->
espeak-ng on the demo recording): docs/listener-page.png (a phone, Spanish) and docs/overlay.png (the caption
overlay, transparent). Needs Debian's chromium; takes about a minute.

    .venv/bin/python scripts/screenshots.py
"""

from __future__ import annotations

import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required"]


def wait(page, condition: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not page.evaluate(condition):
        if time.monotonic() > deadline:
            raise SystemExit(f"not within {seconds:g}s: {condition}")
        page.wait_for_timeout(200)


def main() -> None:
    with tempfile.TemporaryDirectory() as out:
        config = Path(out) / "broadcast.yaml"
        text = (ROOT / "pipelines" / "offline-broadcast.yaml").read_text()
        text = text.replace("audio/librivox", str(ROOT / "pipelines" / "audio" / "librivox")).replace(
            "port: 8080", "port: 0")
        config.write_text(text)
        run = subprocess.Popen([sys.executable, "-m", "runner", "run", str(config), "-o", out],
                               stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        assert run.stderr is not None
        url = None
        deadline = time.monotonic() + 120
        while url is None and time.monotonic() < deadline:
            if select.select([run.stderr], [], [], 0.5)[0]:
                found = re.search(r"listeners: (http://\S+)", run.stderr.readline())
                url = found.group(1) if found else None
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=FLAGS)
                phone = browser.new_context(viewport={"width": 390, "height": 760}, device_scale_factor=2,
                                            is_mobile=True, has_touch=True, color_scheme="light").new_page()
                phone.goto(url)
                phone.wait_for_selector("#languages button")
                phone.tap("button[data-code='es']")
                overlay = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
                link = urlsplit(url)  # the page's link, its key kept: the overlay of Spanish
                query = "&".join(q for q in (link.query, "lang=es") if q)
                overlay.goto(urlunsplit((link.scheme, link.netloc, "/overlay", query, "")))
                wait(phone, "window.polyglotListener.captions.length >= 3", 120)
                wait(overlay, "window.polyglotOverlay.captions.length >= 2", 60)
                phone.screenshot(path=str(ROOT / "docs" / "listener-page.png"))
                overlay.screenshot(path=str(ROOT / "docs" / "overlay.png"), omit_background=True)
                browser.close()
        finally:
            run.terminate()
            run.wait(30)
    print("wrote docs/listener-page.png and docs/overlay.png")


if __name__ == "__main__":
    main()
