"""Commands: run, validate, graph, config, schema, engines, voices, devices, emulator, lexicons, glossary, init."""

from __future__ import annotations

import asyncio
import math
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from runner.cli.checking import check_config, exit_code, require_plan, require_valid
from runner.cli.console import stderr
from runner.cli.help import PlainHelp
from runner.config.model import AwsConfig
from runner.config.overrides import Overrides
from runner.config.schema import schema_text
from runner.diagnostics import errors_in, render_json, render_text
from runner.errors import InputError
from runner.redact import masked, redact

app = typer.Typer(
    name="polyglot",
    help="Declarative runner for live speech-to-speech translation: one YAML file, one speaker, many languages.",
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    rich_markup_mode=None,
)


def _choices(kind: type[Enum]) -> str:
    return "[" + "|".join(str(member.value) for member in kind) + "]"


class ValidateFormat(str, Enum):
    text = "text"
    json = "json"


class GraphFormat(str, Enum):
    text = "text"
    dot = "dot"


ConfigArg = Annotated[Path, typer.Argument(help="Pipeline YAML file.", show_default=False, metavar="FILE")]
InputOpt = Annotated[Path | None, typer.Option("--input", "-i", metavar="RECORDING",
                                               help="A recording to use instead of the configured source.")]
OutputDirOpt = Annotated[Path | None, typer.Option(
    "--output-dir", "-o", metavar="DIR", show_default=False,
    help="Folder the outputs go in: relative sink paths are written here (default: out/<config file name>).")]
ProfileOpt = Annotated[str | None, typer.Option("--profile", metavar="NAME",
                                                help="AWS profile (default: the standard chain).")]
RegionOpt = Annotated[str | None, typer.Option("--region", metavar="REGION",
                                               help="AWS region (default: the config, then the chain).")]


def _seconds(value: float | None) -> float | None:
    """A duration: not negative, not NaN, and not infinite (a drain that never ends is no drain timeout)."""
    if value is not None and not (math.isfinite(value) and value >= 0):
        raise typer.BadParameter("must be a finite number of seconds, 0 or more")
    return value


def _require_recording(path: Path) -> None:
    try:
        if path.exists() and not path.is_dir():  # a FIFO is fine: another program's stream
            return
        problem = "is a directory" if path.is_dir() else "no such audio file"
    except OSError as exc:  # e.g. a name too long for the file system
        problem = f"cannot use it: {exc.strerror or exc}"
    raise InputError(f"{path}: {problem}")


@app.command(cls=PlainHelp)
def run(
    file: ConfigArg,
    input: InputOpt = None,
    output_dir: OutputDirOpt = None,
    realtime: Annotated[bool | None, typer.Option(
        "--realtime/--fast", help="Play a file source at its own pace, or as fast as the engines go.")] = None,
    drain_timeout: Annotated[float | None, typer.Option(
        help="Seconds to finish queued speech after Ctrl-C (default: the config's runtime.drain_timeout).",
        metavar="SECONDS", callback=_seconds)] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No live status, only the summary.")] = False,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
) -> None:
    """Run a pipeline until its source ends (a file) or Ctrl-C (drains, then exits)."""
    from runner.cli.run import run_pipeline

    if input is not None:
        _require_recording(input)
    overrides = Overrides(input=input, realtime=realtime, output_dir=output_dir, drain_timeout=drain_timeout,
                          profile=profile, region=region)
    from runner.cli.glossary import with_uploaded

    raise typer.Exit(run_pipeline(with_uploaded(require_plan(file, overrides, online=True)), quiet=quiet))


@app.command(cls=PlainHelp)
def validate(
    files: Annotated[list[Path], typer.Argument(help="Pipeline YAML files.", show_default=False, metavar="FILE")],
    format: Annotated[ValidateFormat, typer.Option("--format", "-f", metavar=_choices(ValidateFormat),
                                                   help="Output format.")] = ValidateFormat.text,
    online: Annotated[bool, typer.Option(
        "--online", help="Also ask the services (e.g. that each Polly voice exists and supports its engine "
        "and language); needs credentials.")] = False,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
) -> None:
    """Check configs (YAML, schema, then languages, voices, formats and paths). Exit 78 if any is invalid, 69 if
    one's only errors are engines not installed here."""
    overrides = Overrides(profile=profile, region=region)
    results = {str(f): check_config(f, overrides, online=online).diagnostics for f in files}
    invalid = [name for name, diags in results.items() if errors_in(diags)]
    if format is ValidateFormat.json:
        typer.echo(render_json(results))
    else:
        for name, diagnostics in results.items():
            if diagnostics:
                typer.echo(render_text(diagnostics))
            if not errors_in(diagnostics):
                typer.echo(f"{name}: valid")
        if invalid:
            count = sum(len(errors_in(results[n])) for n in invalid)
            stderr.print(f"{count} error(s) in {len(invalid)} of {len(files)} file(s)", markup=False)
    raise typer.Exit(max(map(exit_code, results.values()), default=0))  # 78 (invalid) before 69 (not installed)


@app.command(cls=PlainHelp)
def graph(
    file: ConfigArg,
    format: Annotated[GraphFormat, typer.Option("--format", "-f", metavar=_choices(GraphFormat),
                                                help="text tree or Graphviz DOT.")] = GraphFormat.text,
    input: InputOpt = None,
    output_dir: OutputDirOpt = None,
) -> None:
    """Print the stage graph a pipeline builds."""
    from runner.plan.graph import stage_graph, to_dot, to_text

    planned = require_plan(file, Overrides(input=input, output_dir=output_dir))
    root = stage_graph(planned)
    typer.echo(to_dot(root, planned.config.display_name) if format is GraphFormat.dot else to_text(root))


@app.command("config", cls=PlainHelp)
def show_config(file: ConfigArg) -> None:
    """Print the config as polyglot reads it: environment substituted, secrets masked."""
    from runner.config.yaml12 import dump

    typer.echo(dump(masked(require_valid(file).loaded.data)).rstrip())


@app.command(cls=PlainHelp)
def schema() -> None:
    """Print the pipeline JSON Schema (Draft 2020-12)."""
    sys.stdout.write(schema_text())


@app.command(cls=PlainHelp)
def engines() -> None:
    """List the engines this installation provides (and its sources and sinks)."""
    from runner.registry import available, family_of

    for c in available():
        family = family_of(c)
        note = f"  [not installed: {family.install_command()}]" if family.missing() else ""
        typer.echo(f"{c.kind:15} {c.name:13} {c.family:7} {c.summary}{note}")


@app.command(cls=PlainHelp)
def voices(
    language: Annotated[str | None, typer.Option("--language", "-l", metavar="TAG",
                                                 help="Only voices for this language.")] = None,
    engine: Annotated[str | None, typer.Option("--engine", "-e", metavar="ENGINE", help="Polly engine: standard, "
                                               "neural, long-form, generative.")] = None,
    provider: Annotated[str, typer.Option("--provider", "-p", metavar="PROVIDER",
                                          help="Whose voices: a text-to-speech engine ('polyglot engines').")]
    = "polly",
    profile: ProfileOpt = None,
    region: RegionOpt = None,
) -> None:
    """List the voices of a text-to-speech engine: Polly's DescribeVoices (default), espeak-ng's, ..."""
    from runner.engines.base import Synthesizer, VoiceQuery
    from runner.errors import EngineUnavailable
    from runner.registry import available, lookup, not_installed

    component = lookup("text_to_speech", provider)
    if (reason := not_installed(component.family, [component.name])) is not None:
        raise EngineUnavailable(reason)
    engine_class = component.cls
    assert issubclass(engine_class, Synthesizer)
    query = VoiceQuery(language=language, engine=engine, aws=AwsConfig(region=region, profile=profile))
    found = asyncio.run(engine_class.voices(query))
    if found is None:
        listing = [c.name for c in available("text_to_speech")]
        raise InputError(f"the {provider} engine cannot list its voices (engines: {', '.join(listing)})")
    for voice in sorted(found, key=lambda v: (v.languages[0], v.id)):
        also = f" (+{', '.join(voice.languages[1:])})" if len(voice.languages) > 1 else ""
        typer.echo(f"{voice.id:22} {voice.languages[0] + also:24} {voice.gender:7} {', '.join(voice.engines)}"
                   if voice.engines or voice.gender else f"{voice.id:22} {voice.name:40} {', '.join(voice.languages)}")


@app.command(cls=PlainHelp)
def devices() -> None:
    """List audio devices PortAudio sees (for source.device and speaker sinks)."""
    from runner.io.portaudio import devices as list_devices

    found = list_devices()
    if not found:
        stderr.print("no audio devices (PortAudio lists none)", markup=False)
    for d in found:
        kinds = "/".join(k for k, n in (("in", d.max_input_channels), ("out", d.max_output_channels)) if n)
        typer.echo(f"{d.index:3}  {d.name:40} {kinds:7} {d.default_sample_rate:.0f} Hz")


@app.command(cls=PlainHelp)
def emulator(
    port: Annotated[int, typer.Option(metavar="PORT", help="TLS port to listen on (0: any free port).")] = 4566,
    knobs: Annotated[Path | None, typer.Option(metavar="FILE", help="YAML file of latency and fault knobs.")]
    = None,
    env_file: Annotated[Path | None, typer.Option(metavar="FILE", help="Also write the environment to this file.")]
    = None,
) -> None:
    """Serve a local AWS emulator (Polly, Transcribe streaming, Translate, S3) until Ctrl-C.

    Prints the environment that points polyglot (and any AWS SDK) at it: eval it in another shell, then run
    any AWS pipeline offline.
    """
    from runner.cli.emulator import serve_emulator

    serve_emulator(port, knobs, env_file)


lexicons_app = typer.Typer(help="Pronunciation lexicons (Polly PLS).", no_args_is_help=True)
app.add_typer(lexicons_app, name="lexicons")


@lexicons_app.command("sync", cls=PlainHelp)
def lexicons_sync(
    file: ConfigArg,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check, but upload nothing.")] = False,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
) -> None:
    """Upload the lexicons a pipeline references (PutLexicon), after checking each against its voices."""
    from runner.cli.lexicons import sync

    checked = require_valid(file, Overrides(profile=profile, region=region))
    assert checked.plan is not None
    if not checked.plan.config.lexicons:
        stderr.print(f"{file}: defines no lexicons", markup=False)
        return
    for line in asyncio.run(sync(checked.plan, dry_run)):
        typer.echo(redact(line))


glossary_app = typer.Typer(help="The pipeline's glossary: names and terms for every stage.", no_args_is_help=True)
app.add_typer(glossary_app, name="glossary")


@glossary_app.command("show", cls=PlainHelp)
def glossary_show(file: ConfigArg) -> None:
    """Print the glossary as each engine gets it: terms, Transcribe vocabulary, Translate terminology, lexicons."""
    from runner.cli.glossary import show

    config = require_plan(file).config
    if config.glossary is None:
        stderr.print(f"{file}: has no glossary", markup=False)
        return
    typer.echo(show(config))


@glossary_app.command("sync", cls=PlainHelp)
def glossary_sync(
    file: ConfigArg,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print what would change; change nothing.")] = False,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
) -> None:
    """Upload the glossary's AWS resources (vocabulary, terminology, lexicons) that are missing or out of date,
    and delete those they replace."""
    from runner.cli.glossary import sync

    config = require_plan(file, Overrides(profile=profile, region=region)).config
    if config.glossary is None:
        stderr.print(f"{file}: has no glossary", markup=False)
        return
    for line in sync(config, dry_run):
        typer.echo(redact(line))


class EngineSet(str, Enum):
    offline = "offline"
    aws = "aws"


@app.command(cls=PlainHelp)
def init(
    file: Annotated[Path, typer.Argument(help="The pipeline file to write (never overwritten).", metavar="FILE",
                                         show_default=False)],
    source: Annotated[str | None, typer.Option(
        "--source", "-s", metavar="SOURCE", help="A recording, or 'microphone'.")] = None,
    language: Annotated[str | None, typer.Option("--language", "-l", metavar="TAG",
                                                 help="The speaker's language (default en-US).")] = None,
    engines: Annotated[EngineSet | None, typer.Option("--engines", "-e", metavar=_choices(EngineSet),
                                                      help="offline (default) or aws.")] = None,
    target: Annotated[list[str] | None, typer.Option("--target", "-t", metavar="TAG",
                                                     help="A target language; repeat for more.")] = None,
    output: Annotated[list[str] | None, typer.Option(
        "--output", metavar="[listeners|hls]", help="An output for the audience: a listener page, HLS; repeat "
        "for both.")] = None,
) -> None:
    """Write a commented starter pipeline (asking what the options do not say, on a terminal); it is written only
    once it validates."""
    from runner.cli.init import OUTPUTS, Answers, write

    ask = sys.stdin.isatty()

    def answer(value: str | None, question: str, default: str) -> str:
        return value if value is not None else (typer.prompt(question, default=default) if ask else default)

    if file.exists():
        from runner.errors import SinkError

        raise SinkError(f"{file}: already exists; polyglot init does not overwrite a file")
    chosen = Answers(
        file=file,
        source=answer(source, "Source (a recording, or 'microphone')", "microphone"),
        language=answer(language, "Speaker's language", "en-US"),
        engines=answer(engines.value if engines else None, "Engines (offline or aws)", "offline"),
        targets=tuple(target or answer(None, "Target languages (comma-separated)", "es").replace(",", " ").split()),
        outputs=tuple(output if output is not None else answer(
            None, "Outputs for an audience (listeners, hls; none)", "none").replace(",", " ").replace(
            "none", "").split()),
    )
    if chosen.engines not in ("offline", "aws"):
        raise typer.BadParameter(f"engines are offline or aws, not {chosen.engines!r}")
    if unknown := [o for o in chosen.outputs if o not in OUTPUTS]:
        raise typer.BadParameter(f"outputs are {' and '.join(OUTPUTS)}, not {', '.join(map(repr, unknown))}",
                                 param_hint="'--output'")
    text = write(chosen)
    typer.echo(text, nl=False)
    stderr.print(f"wrote {file}: polyglot validate {file}", markup=False)
