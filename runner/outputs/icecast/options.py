"""The ``icecast`` output's options, and what the plan checks about them (pure: nothing is contacted):
where the server is, one valid and distinct mount per language, a bitrate and sample rate the codec has."""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from runner.config.model import ComponentChoice, PipelineConfig, TargetConfig
from runner.engines.base import Problem
from runner.options import CString, OneLine, option
from runner.outputs.icecast.encoder import DEFAULT_BITRATE_KBPS, EXTENSIONS, Format, bitrate_problem

MOUNT_FIELDS = ("label", "language", "ext")
NAME_FIELDS = ("title", "label", "language", "name", "english")
VALID_MOUNT = re.compile(r"^/[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*$")
RESERVED_MOUNTS = ("/admin", "/status", "/server_version", "/style.css", "/auth.xsl", "/xspf.xsl")


@dataclass(frozen=True, kw_only=True)  # password, required, comes after fields with defaults
class IcecastOptions:
    """Each target language as its own mount on an Icecast server (2.4 or later), as a live stream that any
    player opens (http://host:8000/es-ES.opus): Ogg/Opus or MP3, silence between utterances."""

    url: str | None = option(None, doc="The server, e.g. http://radio.example.org:8000 (or give host and port).",
                             pattern="^https?://[^\\s/?#@]+/?$")
    host: str | None = option(None, doc="The server's host name or address (instead of url).", minLength=1,
                              pattern="^[^\\s/?#@:]+$|^\\[[0-9A-Fa-f:.]+\\]$")
    port: int = option(8000, doc="The server's port, with host.", minimum=1, maximum=65535)
    mount: str = option("/{label}.{ext}", doc="Each language's mount: {label} (the target's label), {language} "
                        "and {ext} (opus or mp3) are filled in.", minLength=2)
    mounts: dict[str, str] | None = option(None, doc="Mounts by target label, e.g. {es-ES: /spanish.opus}; "
                                           "languages it leaves out use `mount`.",
                                           additionalProperties={"type": "string", "minLength": 2})
    user: str = option("source", doc="The source user (Icecast's is 'source').", minLength=1,
                       pattern="^[^:\\u0000-\\u001f]+$")
    password: CString = option(doc="The source password: write ${ICECAST_PASSWORD} to keep it out of the config "
                               "(it is never printed).", minLength=1, secret=True)
    format: Format = option("ogg_opus", doc="ogg_opus (Opus in Ogg: best for speech, every current player) or "
                            "mp3 (the oldest players and receivers; the caption is its title).")
    bitrate: int | None = option(None, doc="Kilobits per second (default 32: clear speech). Opus: 6 to 510; "
                                 "MP3: a bitrate of its sample rate's MPEG layer III table.", minimum=6)
    sample_rate: int | None = option(None, doc="Hz encoded (default 16000, the speech's own rate). Opus: 8000, "
                                     "12000, 16000, 24000, 48000; MP3: 8000 to 48000.", minimum=8000)
    public: bool = option(False, doc="List the streams in the server's public directory (ice-public).")
    name: OneLine | None = option(None, doc="Each stream's name (ice-name): {title}, {name} (the language in "
                                  "itself), {english}, {language}, {label} are filled in. Default: "
                                  "'{title} - {name}'.")
    description: OneLine | None = option(None, doc="Each stream's description (ice-description), with the same "
                                         "fields. Default: '{english} ({language}), live translation'.")

    @property
    def kbps(self) -> int:
        return self.bitrate or DEFAULT_BITRATE_KBPS[self.format]

    @property
    def rate(self) -> int:
        return self.sample_rate or 16000

    @property
    def server(self) -> str:
        """The server's base URL (no trailing slash)."""
        if self.url:
            return self.url.rstrip("/")
        host = self.host or ""
        return f"http://{host}:{self.port}"

    def mount_of(self, target: TargetConfig) -> str:
        if self.mounts and target.label in self.mounts:
            return self.mounts[target.label]
        return self.mount.format(label=target.label, language=target.language, ext=EXTENSIONS[self.format])


def check(config: ComponentChoice, pipeline: PipelineConfig) -> Iterable[Problem]:
    options: IcecastOptions = config.options
    at = config.pointer
    if not options.url and not options.host:
        yield Problem(at, "the Icecast server is missing: give url (http://host:8000) or host", code="icecast")
    elif options.url and options.host:
        yield Problem(f"{at}/host", "give url or host, not both", code="icecast")
    yield from _placeholders(f"{at}/mount", options.mount, MOUNT_FIELDS)
    for key in ("name", "description"):
        text = getattr(options, key)
        if text is not None:
            yield from _placeholders(f"{at}/{key}", text, NAME_FIELDS)
    labels = {t.label for t in pipeline.targets}
    for label in options.mounts or {}:
        if label not in labels:
            yield Problem(f"{at}/mounts/{label}", f"{label!r} is not a target of this pipeline (targets: "
                          f"{', '.join(sorted(labels))})", code="icecast")
    problem = bitrate_problem(options.format, options.rate, options.kbps)
    if problem:
        yield Problem(f"{at}/{'bitrate' if options.bitrate else 'sample_rate'}", problem, code="icecast")
    if not list(_placeholders(at, options.mount, MOUNT_FIELDS)):
        yield from _mounts(config, pipeline, options)


def _mounts(config: ComponentChoice, pipeline: PipelineConfig, options: IcecastOptions) -> Iterable[Problem]:
    at = config.pointer
    seen: dict[str, str] = _other_outputs_mounts(config, pipeline)
    for target in pipeline.targets:
        pointer = f"{at}/mounts/{target.label}" if options.mounts and target.label in options.mounts \
            else f"{at}/mount"
        mount = options.mount_of(target)
        if not VALID_MOUNT.match(mount) or "/../" in f"{mount}/" or "/./" in f"{mount}/":
            yield Problem(pointer, f"{mount!r} (for {target.label}) is not a valid mount: '/' then letters, "
                          "digits, '.', '_', '~', '-' (e.g. /es.opus)", code="icecast")
        elif mount.lower().startswith(RESERVED_MOUNTS):
            yield Problem(pointer, f"{mount!r} (for {target.label}) is one of Icecast's own pages", code="icecast")
        elif mount in seen:
            yield Problem(pointer, f"{mount!r} is the mount of {seen[mount]} too: every language needs its own "
                          "(put {label} in the mount)", code="icecast")
        else:
            seen[mount] = target.label


def _other_outputs_mounts(config: ComponentChoice, pipeline: PipelineConfig) -> dict[str, str]:
    """Mounts that earlier icecast outputs of this pipeline take on the same server."""
    taken: dict[str, str] = {}
    mine: IcecastOptions = config.options
    for other in pipeline.outputs:
        if other.pointer == config.pointer:
            break
        theirs: Any = other.options
        if other.type == config.type and theirs.server == mine.server:
            for target in pipeline.targets:
                try:
                    taken[theirs.mount_of(target)] = f"{target.label} in {other.pointer}"
                except (KeyError, ValueError, IndexError, AttributeError):  # its own problem, reported there
                    break
    return taken


def _placeholders(pointer: str, text: str, allowed: tuple[str, ...]) -> Iterable[Problem]:
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
    except ValueError as exc:
        yield Problem(pointer, f"{text!r}: {exc} (write {{{{ and }}}} for braces)", code="icecast")
        return
    for f in fields:
        if f not in allowed:
            yield Problem(pointer, f"{{{f}}} is not a field here; the fields are "
                          f"{', '.join('{' + a + '}' for a in allowed)}", code="icecast")
