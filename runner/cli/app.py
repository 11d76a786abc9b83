"""Commands: run, validate, graph, schema, voices, devices, engines."""

from __future__ import annotations

import asyncio
import dataclasses
import math
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from runner.cli import stderr
from runner.cli.help import PlainHelp
from runner.config.load import Loaded, load
from runner.config.model import AwsConfig
from runner.config.schema import schema_text
from runner.diagnostics import Diagnostic, errors_in, render_json, render_text
from runner.errors import ConfigError, InputError
from runner.plan.checks import plan
from runner.plan.verify import verify
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


def check_config(file: Path, *, input_override: Path | None = None, output_dir: Path = Path("."),
                 online: bool = False, profile: str | None = None, region: str | None = None) \
        -> tuple[Loaded, list[Diagnostic]]:
    """Load + plan (+ verify online) one file: the config (if valid) and every diagnostic."""
    loaded = load(file)
    diagnostics = list(loaded.diagnostics)
    if loaded.ok:
        assert loaded.config is not None
        if profile or region:
            aws = loaded.config.aws
            loaded.config = dataclasses.replace(loaded.config, aws=AwsConfig(
                region=region or aws.region, profile=profile or aws.profile))
        diagnostics += plan(loaded, input_override=input_override, output_dir=output_dir)
        if online and not errors_in(diagnostics):
            diagnostics += asyncio.run(verify(loaded))
    return loaded, sorted(diagnostics)


def default_output_dir(config_file: Path) -> Path:
    """Where a run writes without -o: out/<config file name>, so that runs of different pipelines do not write
    over each other's files."""
    return Path("out") / config_file.stem


def _require_recording(path: Path) -> None:
    try:
        if path.exists() and not path.is_dir():  # a FIFO is fine: another program's stream
            return
        problem = "is a directory" if path.is_dir() else "no such audio file"
    except OSError as exc:  # e.g. a name too long for the file system
        problem = f"cannot use it: {exc.strerror or exc}"
    raise InputError(f"{path}: {problem}")


def _require_valid(file: Path, **kwargs: object) -> Loaded:
    loaded, diagnostics = check_config(file, **kwargs)  # type: ignore[arg-type]
    if errors_in(diagnostics):
        raise ConfigError(diagnostics)
    for d in diagnostics:
        stderr.print(d.format(), markup=False, style="yellow")
    return loaded


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
    from runner.cli.runner import run_pipeline

    if input is not None:
        _require_recording(input)
    output_dir = output_dir or default_output_dir(file)
    loaded = _require_valid(file, input_override=input, output_dir=output_dir, online=True, profile=profile,
                            region=region)
    assert loaded.config is not None
    code = run_pipeline(loaded.config, input_override=input, output_dir=output_dir, realtime=realtime,
                        drain_timeout=drain_timeout, quiet=quiet)
    raise typer.Exit(code)


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
    """Check configs (YAML, schema, then languages, voices, formats and paths). Exit 78 if any is invalid."""
    results = {str(f): check_config(f, online=online, profile=profile, region=region)[1] for f in files}
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
    raise typer.Exit(78 if invalid else 0)


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

    output_dir = output_dir or default_output_dir(file)
    loaded = _require_valid(file, input_override=input, output_dir=output_dir)
    assert loaded.config is not None
    root = stage_graph(loaded.config, input_override=input, output_dir=output_dir)
    typer.echo(to_dot(root, loaded.config.display_name) if format is GraphFormat.dot else to_text(root))


@app.command("config", cls=PlainHelp)
def show_config(file: ConfigArg) -> None:
    """Print the config as polyglot reads it: environment substituted, secrets masked."""
    from runner.config.yaml12 import dump

    loaded = _require_valid(file)
    typer.echo(dump(masked(loaded.data)).rstrip())


@app.command(cls=PlainHelp)
def schema() -> None:
    """Print the pipeline JSON Schema (Draft 2020-12)."""
    sys.stdout.write(schema_text())


@app.command(cls=PlainHelp)
def engines() -> None:
    """List the engines this installation provides."""
    from runner.engines.registry import available

    for spec in available():
        typer.echo(f"{spec.kind:15} {spec.provider:13} {spec.family:6} {spec.summary}")


class VoiceProvider(str, Enum):
    polly = "polly"
    espeak = "espeak"


@app.command(cls=PlainHelp)
def voices(
    language: Annotated[str | None, typer.Option("--language", "-l", metavar="TAG",
                                                 help="Only voices for this language.")] = None,
    engine: Annotated[str | None, typer.Option("--engine", "-e", metavar="ENGINE", help="Polly engine: standard, "
                                               "neural, long-form, generative.")] = None,
    provider: Annotated[VoiceProvider, typer.Option("--provider", "-p", metavar=_choices(VoiceProvider),
                                                    help="Whose voices.")] = VoiceProvider.polly,
    profile: ProfileOpt = None,
    region: RegionOpt = None,
) -> None:
    """List voices: Polly's DescribeVoices (default) or the espeak-ng voices."""
    from runner.engines.languages import same_language

    if provider is VoiceProvider.espeak:
        from runner.engines.local.espeak_lib import EspeakLibrary

        for v in EspeakLibrary.get().voices:
            if language is None or any(same_language(lang, language) for lang in v.languages):
                typer.echo(f"{v.identifier:22} {v.name:40} {', '.join(v.languages)}")
        return
    from runner.engines.aws.context import context_for
    from runner.engines.aws.polly import describe_voices

    found = asyncio.run(describe_voices(context_for(AwsConfig(region=region, profile=profile)), engine, language))
    for voice in sorted(found, key=lambda v: (v["LanguageCode"], v["Id"])):
        also = voice.get("AdditionalLanguageCodes")
        languages = voice["LanguageCode"] + (f" (+{', '.join(also)})" if also else "")
        typer.echo(f"{voice['Id']:12} {languages:22} {voice.get('Gender', ''):7} "
                   f"{', '.join(voice.get('SupportedEngines', []))}")


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
    from runner.engines.aws.lexicons import sync

    loaded = _require_valid(file, profile=profile, region=region)
    if loaded.config is not None and not loaded.config.lexicons:
        stderr.print(f"{file}: defines no lexicons", markup=False)
        return
    for line in asyncio.run(sync(loaded, dry_run)):
        typer.echo(redact(line))
