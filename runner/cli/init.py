"""``polyglot init``: a commented starter pipeline that validates and runs as written. It asks (or takes flags
for) the source, the engines (offline or AWS) and the target languages, and lists, beside each target, the voices
its text-to-speech engine has for that language (the engine's ``voices()`` hook, as ``polyglot voices``)."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path

from runner.config.model import AwsConfig
from runner.engines.base import Synthesizer, Voice, VoiceQuery
from runner.engines.languages import display_name, same_language
from runner.errors import EngineUnavailable, PolyglotError, SinkError
from runner.registry import lookup, not_installed

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "pipeline.schema.json"
LIGHTER = "   # or pocketsphinx: lighter and faster, mishears more"
ENGINES = {"offline": ("whisper", "apertium", "espeak"), "aws": ("transcribe", "translate", "polly")}
POLLY_ENGINES = ("neural", "standard", "generative", "long-form")  # the one a new target gets, in this order


@dataclass(frozen=True)
class Answers:
    file: Path
    source: str  # a recording's path, or "microphone"
    language: str
    engines: str  # offline | aws
    targets: tuple[str, ...]


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
    lines = [f"  - language: {language}                # {display_name(language)}"]
    if voices:
        listed = ", ".join(v.id for v in voices[:12]) + (", ..." if len(voices) > 12 else "")
        lines.append(f"    # {tts} voices for {language}: {listed}")
        voice = voices[0]
        lines.append(f"    voice: {voice.id}")
        if tts == "polly":
            engine = next((e for e in POLLY_ENGINES if e in voice.engines), "standard")
            lines.append(f"    engine: {engine}              # {' | '.join(voice.engines)}")
    elif tts == "polly":
        lines.append(f"    voice: CHOOSE                 # polyglot voices --language {language}")
    stem = language
    lines += ["    sinks:", f"      - {{type: wav, path: {stem}.wav}}", f"      - {{type: srt, path: {stem}.srt}}"]
    return lines


def render(answers: Answers) -> str:
    stt, translator, tts = ENGINES[answers.engines]
    modeline = os.path.relpath(SCHEMA, answers.file.resolve().parent) if SCHEMA.exists() else \
        "pipeline.schema.json  (polyglot schema > pipeline.schema.json)"
    aws = AwsConfig()
    if answers.source == "microphone":
        source = ["source:", "  type: microphone", "  device: default           # polyglot devices lists them"]
    else:
        recording = os.path.relpath(Path(answers.source).resolve(), answers.file.resolve().parent)  # as the config
        source = ["source:", "  type: file", f"  path: {recording}", "  realtime: true            "
                  "# false: as fast as the engines go",
                  "# source: {type: microphone, device: default}   # live, instead"]
    out = [f"# yaml-language-server: $schema={modeline}",
           f"# {display_name(answers.language)} speech to {', '.join(answers.targets)}, with the {answers.engines} "
           f"engines ({stt} -> {translator} -> {tts}).",
           f"#   polyglot validate {answers.file.name}     polyglot run {answers.file.name}",
           "version: 1", f"name: {answers.file.stem}", f"language: {answers.language}", "", *source, "",
           f"speech_to_text: {{provider: {stt}}}" + (LIGHTER if stt == "whisper" else ""),
           f"translation: {{provider: {translator}}}",
           f"text_to_speech: {{provider: {tts}}}", "",
           "# Names and terms every stage must get right (see README, 'Names and terms'):",
           "# glossary:",
           "#   terms:",
           "#     - {term: Siobhan, sounds_like: [shiv on], keep: true, pronounce: {es: {alias: Chivon}}}",
           "", "transcript:", "  sinks:", f"    - {{type: srt, path: {answers.language}.srt}}", "",
           "event_log: events.jsonl", "", "targets:"]
    for language in answers.targets:
        out += _target(language, tts, voices_for(tts, language, aws))
    return "\n".join(out) + "\n"


def write(answers: Answers) -> str:
    """Write the starter pipeline; never over an existing file."""
    if answers.engines == "aws" and (reason := not_installed("aws", list(ENGINES["aws"]))) is not None:
        raise EngineUnavailable(reason)
    text = render(answers)
    try:
        with open(answers.file, "x", encoding="utf-8") as f:  # "x": fails if it exists, even in a race
            f.write(text)
    except FileExistsError:
        raise SinkError(f"{answers.file}: already exists; polyglot init does not overwrite a file") from None
    except OSError as exc:
        raise SinkError(f"{answers.file}: cannot write: {exc.strerror or exc}") from exc
    return text
