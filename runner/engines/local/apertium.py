"""Translation with Apertium (Debian packages ``apertium-eng-spa`` and friends), one warm pipeline per pair.

A cold ``apertium`` call costs ~200 ms (it starts a dozen processes); a warm pipeline answers in ~2 ms. The
pipeline comes from ``apertium-wblank-mode -z MODE``: every stage runs in null-flush mode, so each request
(text, a blank, then NUL) is answered by its translation followed by NUL.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Self

from runner.engines.base import EngineRequest, Problem, Translator
from runner.engines.languages import base_language, same_language, spellings
from runner.errors import EngineUnavailable, RejectedRequest, TransientEngineError
from runner.glossary.terms import Fixed, split
from runner.options import option
from runner.registry import register

INSTALL_HINT = "apt install apertium apertium-eng-spa apertium-eng-cat apertium-en-gl apertium-eo-en"
_SPECIAL = re.compile(r"([\[\]{}^$/\\@<>])")
_BLANK = re.compile(r"(?<!\\)\[(?:[^\]\\]|\\.)*\]")  # format blanks, e.g. [][\n]
_ESCAPE = re.compile(r"\\(.)")


def mode_dirs() -> list[Path]:
    dirs = [Path(os.environ["APERTIUM_DATADIR"]) / "modes"] if "APERTIUM_DATADIR" in os.environ else []
    return dirs + [Path("/usr/share/apertium/modes"), Path("/usr/local/share/apertium/modes")]


@lru_cache(maxsize=1)
def installed_modes() -> dict[str, Path]:
    """Installed translation modes by name, e.g. {'eng-spa': Path('/usr/share/apertium/modes/eng-spa.mode')}."""
    modes: dict[str, Path] = {}
    for folder in mode_dirs():
        if folder.is_dir():
            for f in sorted(folder.glob("*.mode")):
                modes.setdefault(f.stem, f)
    return modes


def find_mode(source: str, target: str) -> str | None:
    """The plain mode translating ``source`` into ``target``, e.g. ('en-US', 'es') -> 'eng-spa'."""
    modes = installed_modes()
    for a in spellings(source):
        for b in spellings(target):
            if f"{a}-{b}" in modes:
                return f"{a}-{b}"
    return None


def pairs_from(source: str) -> list[str]:
    """Target languages reachable from ``source`` with the installed modes."""
    src = set(spellings(source))
    found = {base_language(name.split("-")[1].split("_")[0])
             for name in installed_modes() if name.split("-")[0] in src and "_" not in name}
    return sorted(found)


def escape(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", text)


def unescape(stream: str) -> str:
    """Apertium output to plain text: drop format blanks, undo backslash escapes."""
    return _ESCAPE.sub(r"\1", _BLANK.sub("", stream)).strip()


def _placeholder(index: int) -> str:
    """A word no Apertium dictionary has, letters only (a digit splits it in some pairs): Gzxqa, Gzxqb..."""
    letters = ""
    while True:
        letters = chr(ord("a") + index % 26) + letters
        index //= 26
        if not index:
            return f"Gzxq{letters}"


_WORDBOUND = re.compile(r"\[\[t:g(\d+)\]\](.*?)\[\[/\]\]", re.DOTALL)


def _restore(stream: str, fixed: list[str]) -> str:
    """Each protected slot back as its term: the placeholder inside its wordbound blank is replaced, and any word
    transfer attached to it (an article) kept."""
    def put_back(match: re.Match[str]) -> str:
        index = int(match.group(1))
        if index >= len(fixed):
            return match.group(2)
        inside, placeholder = match.group(2), _placeholder(index)
        term = escape(fixed[index])
        return inside.replace(placeholder, term) if placeholder in inside else term

    return _WORDBOUND.sub(put_back, stream)


def as_sentence(text: str) -> str:
    """Speech-to-text gives bare lowercase words; a final full stop lets Apertium treat them as a sentence."""
    text = text.strip()
    return text if not text or text[-1] in ".!?;:…" else text + "."


class ApertiumPipeline:
    """One warm null-flush Apertium pipeline for one mode (one language pair): a process group."""

    def __init__(self, mode: str, mark_unknown: bool, timeout: float) -> None:
        self.mode = mode
        self.mark_unknown = mark_unknown
        self.timeout = timeout
        self._proc: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()
        self._stderr_tail: list[str] = []
        self._stderr_task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        mode_file = installed_modes().get(self.mode)
        if mode_file is None:
            raise EngineUnavailable(f"Apertium mode '{self.mode}' is not installed ({INSTALL_HINT})")
        try:
            # on a thread: at start-up every target starts its pair at once, and the loop has a stream to serve
            made = await asyncio.to_thread(subprocess.run, ["apertium-wblank-mode", "-z", str(mode_file)],
                                           capture_output=True, text=True, check=True, timeout=10)
            script = made.stdout.strip()
            # $1 is the generator option (-g marks unknown words, -n does not); $2 the tagger's (none).
            self._proc = await asyncio.create_subprocess_exec(
                "bash", "-c", script, "apertium", "-g" if self.mark_unknown else "-n", "",
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                start_new_session=True)  # its own process group, so that kill reaches every stage
        except (OSError, subprocess.SubprocessError) as exc:
            raise EngineUnavailable(f"cannot start Apertium ({self.mode}): {exc}") from exc
        self._stderr_task = asyncio.create_task(self._collect_stderr(self._proc))

    async def translate(self, text: str, protected: list[tuple[str, str]] | None = None) -> str:
        """``text`` translated; each match of a ``protected`` pair's first element comes out as its second,
        untouched. It travels as a placeholder word Apertium does not know (so it passes it on as it is) inside a
        wordbound blank (so it can be found, wherever transfer moves it), and is put back afterwards."""
        if not text.strip():
            return ""
        parts = split(as_sentence(text), protected or [])
        fixed = [p.text for p in parts if isinstance(p, Fixed)]
        slots = iter(range(len(fixed)))
        stream = "".join(f"[[t:g{(i := next(slots))}]]{_placeholder(i)}[[/]]" if isinstance(p, Fixed) else escape(p)
                         for p in parts)
        async with self._lock:
            if self._proc is None or self._proc.returncode is not None:
                await self.start()
            proc = self._proc
            assert proc is not None and proc.stdin is not None and proc.stdout is not None
            try:
                proc.stdin.write((stream + " \0").encode())
                await proc.stdin.drain()
                raw = await asyncio.wait_for(proc.stdout.readuntil(b"\0"), self.timeout)
            except (asyncio.IncompleteReadError, BrokenPipeError, ConnectionResetError) as exc:
                await self._kill()
                raise TransientEngineError(f"Apertium ({self.mode}) stopped: {self._stderr()}") from exc
            except TimeoutError as exc:
                await self._kill()
                raise TransientEngineError(f"Apertium ({self.mode}) did not answer in {self.timeout:g}s") from exc
            except asyncio.LimitOverrunError as exc:
                await self._kill()
                raise RejectedRequest(f"Apertium ({self.mode}) answer too long") from exc
        return unescape(_restore(raw[:-1].decode("utf-8", errors="replace"), fixed))

    async def aclose(self) -> None:
        proc = self._proc
        if proc is not None and proc.returncode is None and proc.stdin is not None:
            proc.stdin.close()
            try:
                await asyncio.wait_for(proc.wait(), 2)
            except TimeoutError:
                await self._kill()
        if self._stderr_task is not None:
            self._stderr_task.cancel()
        self._proc = None

    async def _kill(self) -> None:
        if self._proc is not None and self._proc.returncode is None:
            try:
                os.killpg(self._proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            await self._proc.wait()
        self._proc = None

    async def _collect_stderr(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stderr is not None
        async for line in proc.stderr:
            self._stderr_tail = (self._stderr_tail + [line.decode(errors="replace").strip()])[-5:]

    def _stderr(self) -> str:
        return " / ".join(filter(None, self._stderr_tail)) or "no error output"


@dataclass(frozen=True)
class ApertiumOptions:
    mode: str | None = option(None, doc="An installed Apertium mode, e.g. eng-cat_valencia; default is the plain "
                              "pair of the two languages.", pattern="^[a-z]{2,3}-[a-z]{2,3}(_[A-Za-z0-9_]+)?$")
    mark_unknown: bool = option(False, doc="Keep Apertium's * before words it does not know.")
    timeout: float = option(10.0, doc="Seconds to wait for a translation.", exclusiveMinimum=0)


@register("translation", "apertium", family="local", options=ApertiumOptions,
          summary="Apertium rule-based translation from Debian packages, one warm pipeline per language pair")
class ApertiumTranslator(Translator):
    """Into one target language from the speaker's (``mode``, or the installed pair), and from any other
    language speech-to-text identifies, each pair its own warm pipeline, started when first needed."""

    def __init__(self, mode: str, mark_unknown: bool, timeout: float, speaker: str = "", target: str = "",
                 protected: list[tuple[str, str]] | None = None) -> None:
        self.mode = mode
        self.protected = protected or []  # the glossary's terms in this target: kept or replaced, never mangled
        self.speaker = speaker
        self.target = target
        self.mark_unknown = mark_unknown
        self.timeout = timeout
        self._pipelines: dict[str, ApertiumPipeline] = {}

    @classmethod
    def check(cls, request: EngineRequest) -> Iterable[Problem]:
        target = request.target
        assert target is not None
        if not installed_modes():
            yield Problem(f"{request.choice.pointer}/provider",
                          f"Apertium is not installed ({INSTALL_HINT})", code="engine-unavailable")
            return
        mode = request.options.mode
        if mode is not None and mode not in installed_modes():
            yield Problem(f"{request.choice.pointer}/mode", f"Apertium mode '{mode}' is not installed "
                          f"(installed: {', '.join(installed_modes())})", code="language-pair")
        for source in request.source_languages:
            if (mode is not None and same_language(source, request.source_language)) \
                    or same_language(source, target.language) or find_mode(source, target.language) is not None:
                continue
            reachable = pairs_from(source)
            have = f"installed pairs from {source}: {', '.join(reachable)}" if reachable else \
                f"no Apertium pair from {source} is installed"
            yield Problem(f"{target.pointer}/language", f"Apertium cannot translate {source} into {target.language} "
                          f"({have})", code="language-pair")

    @classmethod
    def create(cls, request: EngineRequest) -> Self:
        assert request.target is not None
        o: ApertiumOptions = request.options
        mode = o.mode or find_mode(request.source_language, request.target.language)
        if mode is None:
            raise EngineUnavailable(f"no Apertium mode for {request.source_language} -> {request.target.language}")
        glossary = request.pipeline.glossary
        protected = glossary.translations_into(request.target.language) if glossary is not None else []
        return cls(mode, o.mark_unknown, o.timeout, request.source_language, request.target.language, protected)

    def _pipeline(self, mode: str) -> ApertiumPipeline:
        if mode not in self._pipelines:
            self._pipelines[mode] = ApertiumPipeline(mode, self.mark_unknown, self.timeout)
        return self._pipelines[mode]

    async def start(self) -> None:
        await self._pipeline(self.mode).start()

    def sharing_key(self) -> Hashable:
        return ("apertium", self.mode, self.mark_unknown, self.timeout, tuple(self.protected))

    async def translate(self, text: str, source: str | None = None) -> str:
        mode = self.mode
        if source is not None and not same_language(source, self.speaker):
            found = find_mode(source, self.target)
            if found is None:
                # a language identified in this utterance: the next one may be in a language it has
                raise RejectedRequest(f"Apertium has no pair from {source} into {self.target}")
            mode = found
        return await self._pipeline(mode).translate(text, self.protected)

    async def aclose(self) -> None:
        for pipeline in self._pipelines.values():
            await pipeline.aclose()
