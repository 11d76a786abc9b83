"""What a person sees while a session runs: a live table on a terminal, plain lines otherwise; then a summary.

Every text from the session is masked before rich sees it: rich expands tabs and folds or cuts long cells, after
which a secret no longer appears as is on the way out.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable

import segno
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from runner.events import Event, NoticeEvent, SessionEvent, TranscriptEvent, TranslationEvent
from runner.redact import redact
from runner.runtime.status import SessionStatus, TargetStatus


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.0f} ms"


def live_table(status: SessionStatus, now: float) -> Group:
    head = Text.assemble(
        (redact(status.name), "bold"), f"  {status.state}  ", f"{status.elapsed:6.1f}s  ",
        f"audio {status.stream_seconds:6.1f}s  ", f"utterances {status.utterances}",
        *(() if status.stt_behind is None else (f"  speech-to-text {status.stt_behind:.1f}s behind",)),
    )
    heard = Text.assemble(("heard: ", "dim"), redact(status.partial or status.last_final or "…"))
    table = Table(box=None, padding=(0, 1), show_edge=False)
    for column in ("target", "spoken", "queued", "lag", "first audio p50", "retries", "errors", "last"):
        table.add_column(column, no_wrap=column != "last", overflow="ellipsis")
    for t in status.targets.values():
        state = Text("FAILED", "bold red") if t.failed else Text(str(t.spoken))
        errors = t.errors + t.sink_errors
        table.add_row(t.label, state, str(t.queued), f"{t.lag(now):.1f}s", _ms(t.latency(0.5)), str(t.retries),
                      Text(str(errors), "red" if errors else ""), redact(t.last_text))
    health = Text.assemble(("speech-to-text: ", "dim"), f"{status.reconnects} reconnect(s), "
                           f"{status.rotations} rotation(s)") if status.reconnects or status.rotations else Text("")
    return Group(head, heard, table, health)


class LiveStatus:
    """A rich Live view on stderr, refreshed a few times a second from the session's status."""

    def __init__(self, console: Console, status: SessionStatus, clock: Callable[[], float]) -> None:
        self._live = Live(console=console, refresh_per_second=4, transient=True,
                          get_renderable=lambda: live_table(status, clock()))

    def __enter__(self) -> LiveStatus:
        self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._live.__exit__(None, None, None)


class Announcements:
    """Where to listen, once the outputs started (printed even with --quiet: it is what the organiser needs),
    with a QR code of the first link on a terminal, for the phones in the room."""

    def __init__(self, console: Console, qr: bool) -> None:
        self.console = console
        self.qr = qr

    def __call__(self, event: Event) -> None:
        if not (isinstance(event, SessionEvent) and event.state == "started"):
            return
        lines = [str(line) for line in event.detail.get("listen", [])]
        # The links as they are, key and all: the organiser hands them out (the event log has them masked).
        unmasked = getattr(self.console.file, "unmasked", contextlib.nullcontext)
        with unmasked():
            for line in lines:
                self.console.print(line, markup=False, highlight=False, style="bold")
        if self.qr and lines:
            url = lines[0].split(": ", 1)[-1]
            buffer = io.StringIO()
            segno.make(url, error="m").terminal(out=buffer, compact=True)
            self.console.print(Text(buffer.getvalue()))


class EventLines:
    """Plain progress lines (for pipes, CI and logs): finals, translations and notices as they happen."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def __call__(self, event: Event) -> None:
        at = f"[{event.at:7.2f}s]"
        if isinstance(event, TranscriptEvent) and event.final and event.text:
            self.console.print(redact(f"{at} {event.utterance_id} heard: {event.text}"), markup=False,
                               highlight=False)
        elif isinstance(event, TranslationEvent):
            self.console.print(redact(f"{at} {event.utterance.id} {event.scope}: {event.text}"), markup=False,
                               highlight=False)
        elif isinstance(event, NoticeEvent) and event.level != "info":
            self.console.print(redact(f"{at} {event.level}: {event.message}"), markup=False, highlight=False,
                               style="red" if event.level == "error" else "yellow")
        elif isinstance(event, SessionEvent) and event.state == "draining":
            self.console.print(f"{at} draining (deadline {event.detail.get('deadline')}s)", markup=False)


def summary(status: SessionStatus) -> Group:
    """The end-of-run report: per-target figures, and why speech-to-text stopped if it failed."""
    parts: list[Table | Text] = [target_table(status)]
    if status.reconnects or status.rotations:
        parts.append(Text(f"speech-to-text: {status.reconnects} reconnect(s), {status.rotations} rotation(s)"))
    if status.transcript_lags:
        parts.append(Text(f"speech-to-text lag p50/max: {_ms(status.transcript_latency(0.5))} / "
                          f"{_ms(status.transcript_latency(1.0))} (the speaker's last word to its final transcript)"))
    for error in status.source_errors:
        parts.append(Text(redact(f"speech-to-text failed: {error}"), "red"))
    for error in status.sink_errors:
        parts.append(Text(redact(f"sink failed: {error}"), "red"))
    return Group(*parts)


def target_table(status: SessionStatus) -> Table:
    title = (f"{redact(status.name)}: {'interrupted, drained' if status.interrupted else 'finished'} in "
             f"{status.elapsed:.1f}s; {status.utterances} utterance(s) from {status.stream_seconds:.1f}s of audio")
    table = Table(title=title, title_justify="left", box=None, padding=(0, 1), show_edge=False)
    for column in ("target", "language", "spoken", "dropped", "retries", "errors", "1st audio p50/max", "audio",
                   "status"):
        table.add_column(column)
    show_heard = any(t.heard_latencies for t in status.targets.values())  # a live source
    if show_heard:
        table.add_column("heard p50/max")
    show_metrics = any(t.metrics for t in status.targets.values())
    if show_metrics:
        table.add_column("engine")
    for t in status.targets.values():
        row: list[str | Text] = [t.label, t.language_name, str(t.spoken), str(t.dropped), str(t.retries),
                                 str(t.errors + t.sink_errors),
               f"{_ms(t.latency(0.5))} / {_ms(t.latency(1.0))}", f"{t.audio_seconds:.1f}s", _verdict(t)]
        if show_heard:
            row.append(f"{_ms(t.heard_latency(0.5))} / {_ms(t.heard_latency(1.0))}")
        if show_metrics:
            row.append(" ".join(f"{k}={v:g}" for k, v in t.metrics.items()))
        table.add_row(*row)
    return table


def _verdict(t: TargetStatus) -> Text:
    if t.failed:
        return Text(redact(f"failed: {t.failed}"), "red")
    if t.errors or t.sink_errors:
        return Text(redact(f"errors: {t.last_error}"), "red")
    return Text("ok", "green")
