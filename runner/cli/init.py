"""``polyglot init``: a commented starter pipeline that validates and runs as written. It asks (or takes flags
for) the source, the engines (offline or AWS), the target languages and the outputs an event's audience needs (a
listener page, HLS), and lists, beside each target, the voices its text-to-speech engine has for that language
(the engine's ``voices()`` hook, as ``polyglot voices``). Every value the user gave is written as a YAML scalar
that reads back as itself; the file is validated as ``polyglot validate`` does before it is written, and a
pipeline that would not validate is not written (its problems are shown instead)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

from runner.config.model import AwsConfig
from runner.config.yaml12 import scalar
from runner.diagnostics import Diagnostic, errors_in
from runner.engines.base import Synthesizer, Voice, VoiceQuery
from runner.engines.languages import display_name, same_language
from runner.errors import ConfigError, EngineUnavailable, PolyglotError, SinkError
from runner.registry import lookup, not_installed

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "pipeline.schema.json"
LIGHTER = "   # or pocketsphinx: lighter and faster, mishears more"
ENGINES = {"offline": ("whisper", "apertium", "espeak"), "aws": ("transcribe", "translate", "polly")}
POLLY_ENGINES = ("neural", "standard", "generative", "long-form")  # the one a new target gets, in this order
OUTPUTS = {  # what an event's audience needs, as init writes it
    "listeners": "{type: listeners, port: 8080}     # a page: each listener picks a language, hears it, reads it",
    "hls": "{type: hls}                       # HTTP Live Streaming (out/hls) for any player, web server or CDN",
}


@dataclass(frozen=True)
class Answers:
    file: Path
    source: str  # a recording's path, or "microphone"
    language: str
    engines: str  # offline | aws
    targets: tuple[str, ...]
    outputs: tuple[str, ...] = ()  # of OUTPUTS


def voices_for(tts: str, language: str, aws: AwsConfig) -> list[Voice]:
    """The engine's voices for ``language`` (empty when it cannot list them here: no credentials, no network)."""
    component = lookup("text_to_speech", tts)
    if not_installed(component.family, [component.name]) is not None:
        return []
    engine = component.cls
    assert issubclass(engine, Synthesizer)
    try:
        found = asyncio.run(engine.voices(VoiceQuery(aws=aws))) or []
    except PolyglotError:
        return []
    return [v for v in found if same_language(v.languages[0], language)]


def _target(language: str, tts: str, voices: list[Voice]) -> list[str]:
    lines = [f"  - language: {scalar(language)}                # {display_name(language)}"]
    if voices:
        listed = ", ".join(v.id for v in voices[:12]) + (", ..." if len(voices) > 12 else "")
        lines.append(f"    # {tts} voices for {language}: {listed}")
        voice = voices[0]
        lines.append(f"    voice: {scalar(voice.id)}")
        if tts == "polly":
            engine = next((e for e in POLLY_ENGINES if e in voice.engines), "standard")
            lines.append(f"    engine: {engine}              # {' | '.join(voice.engines)}")
    elif tts == "polly":
        lines.append(f"    voice: CHOOSE                 # polyglot voices --language {language}")
    lines += ["    sinks:", f"      - {{type: wav, path: {scalar(language + '.wav')}}}",
              f"      - {{type: srt, path: {scalar(language + '.srt')}}}"]
    return lines


def _outputs(chosen: tuple[str, ...]) -> list[str]:
    if chosen:
        return ["outputs:                            # for the audience (README, 'Broadcast outputs')",
                *(f"  - {OUTPUTS[name]}" for name in chosen), ""]
    return ["# For an event's audience (polyglot init --output listeners --output hls):", "# outputs:",
            *(f"#   - {line}" for line in OUTPUTS.values()), ""]


def render(answers: Answers) -> str:
    stt, translator, tts = ENGINES[answers.engines]
    modeline = os.path.relpath(SCHEMA, answers.file.resolve().parent) if SCHEMA.exists() else \
        "pipeline.schema.json  (polyglot schema > pipeline.schema.json)"
    aws = AwsConfig()
    if answers.source == "microphone":
        source = ["source:", "  type: microphone", "  device: default           # polyglot devices lists them"]
    else:
        recording = os.path.relpath(Path(answers.source).resolve(), answers.file.resolve().parent)  # as the config
        source = ["source:", "  type: file", f"  path: {scalar(recording)}", "  realtime: true            "
                  "# false: as fast as the engines go",
                  "# source: {type: microphone, device: default}   # live, instead"]
    out = [f"# yaml-language-server: $schema={modeline}",
           f"# {display_name(answers.language)} speech to {', '.join(answers.targets)}, with the {answers.engines} "
           f"engines ({stt} -> {translator} -> {tts}).",
           f"#   polyglot validate {answers.file.name}     polyglot run {answers.file.name}",
           "version: 1", f"name: {scalar(answers.file.stem)}", f"language: {scalar(answers.language)}", "",
           *source, "",
           f"speech_to_text: {{provider: {stt}}}" + (LIGHTER if stt == "whisper" else ""),
           f"translation: {{provider: {translator}}}",
           f"text_to_speech: {{provider: {tts}}}", "",
           "# Names and terms every stage must get right (see README, 'Names and terms'):",
           "# glossary:",
           "#   terms:",
           "#     - {term: Siobhan, sounds_like: [shiv on], keep: true, pronounce: {es: {alias: Chivon}}}",
           "", "transcript:", "  sinks:", f"    - {{type: srt, path: {scalar(answers.language + '.srt')}}}", "",
           "event_log: events.jsonl", "", *_outputs(answers.outputs), "targets:"]
    for language in answers.targets:
        out += _target(language, tts, voices_for(tts, language, aws))
    return "\n".join(out) + "\n"


def write(answers: Answers) -> str:
    """Write the starter pipeline, once it validates; never over an existing file."""
    if answers.engines == "aws" and (reason := not_installed("aws", list(ENGINES["aws"]))) is not None:
        raise EngineUnavailable(reason)
    text = render(answers)
    # Validated where it will be (relative paths resolve as they will), under a name no one else uses.
    draft = answers.file.with_name(f".{answers.file.name}.{os.getpid()}.draft")
    try:
        with open(draft, "x", encoding="utf-8") as f:
            f.write(text)
        _validate(draft, answers.file)
        _publish(draft, answers.file, text)
    except FileExistsError:
        raise SinkError(f"{answers.file}: already exists; polyglot init does not overwrite a file") from None
    except OSError as exc:
        raise SinkError(f"{answers.file}: cannot write: {exc.strerror or exc}") from exc
    finally:
        with contextlib.suppress(OSError):
            draft.unlink()
    return text


def _publish(draft: Path, file: Path, text: str) -> None:
    try:
        os.link(draft, file)  # whole at once, and FileExistsError if the file appeared meanwhile
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links
        with open(file, "x", encoding="utf-8") as f:
            f.write(text)


def _validate(draft: Path, file: Path) -> None:
    """ConfigError (located in ``file``, as it would have been) when the pipeline would not validate."""
    from runner.cli.checking import check_config, exit_code

    diagnostics = [dataclasses.replace(d, file=str(file)) if d.file == str(draft) else d
                   for d in check_config(draft).diagnostics]
    if not errors_in(diagnostics):
        return
    diagnostics.append(Diagnostic(str(file), 0, 0, "", "init", "not written: the pipeline would not validate "
                                  "(other targets, another --engines or source?)"))
    error = ConfigError(diagnostics)
    error.exit_code = exit_code(diagnostics)
    raise error
