"""The plan's glossary checks: its languages against the targets, and the limits of each service the pipeline
uses (a Transcribe phrase with a digit is fine offline, an error on AWS)."""

from __future__ import annotations

from runner.config.model import PipelineConfig
from runner.diagnostics import Diagnostic
from runner.glossary import check


def glossary_checks(config: PipelineConfig) -> list[Diagnostic]:
    glossary = config.glossary
    if glossary is None:
        return []
    out = list(check.against_targets(glossary, [t.language for t in config.targets]))
    if config.speech_to_text.provider == "transcribe":
        out += check.transcribe_limits(glossary)
    if any(t.translation.provider == "translate" for t in config.targets):
        out += check.translate_limits(glossary)
    out += check.polly_limits(glossary, [t.language for t in config.targets if t.text_to_speech.provider == "polly"])
    return out
