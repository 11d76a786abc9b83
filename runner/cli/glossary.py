"""``polyglot glossary show|sync`` and the check ``polyglot run`` makes: the glossary as each engine gets it, its
upload to AWS, and a warning (and a run without them) when the uploaded resources are out of date."""

from __future__ import annotations

import asyncio
import dataclasses

from runner.cli.console import stderr
from runner.config.load import Loaded
from runner.config.model import PipelineConfig
from runner.engines.aws.glossary import compile_aws
from runner.glossary.use import protected_terms
from runner.plan.plan import Plan, plan

AWS_ENGINES = {"transcribe", "translate", "polly"}


def uses_aws(config: PipelineConfig) -> bool:
    providers = {config.speech_to_text.provider, *(t.translation.provider for t in config.targets),
                 *(t.text_to_speech.provider for t in config.targets)}
    return bool(providers & AWS_ENGINES)


def show(config: PipelineConfig) -> str:
    """Every compiled form of the glossary, as the pipeline's engines get it."""
    glossary = config.glossary
    assert glossary is not None
    out = [f"# {len(glossary.terms)} terms, from {glossary.file or config.file} (digest {glossary.digest()[:12]})",
           f"# speech-to-text terms ({config.speech_to_text.provider}): "
           f"{', '.join(glossary.speech_to_text_terms()) or '-'}"]
    out += [f"#   heard as '{heard}' -> {term}" for heard, term in glossary.misheard_forms()]
    for t in config.targets:
        fixed = ", ".join(f"{a} -> {b}" for a, b in protected_terms(config, t.language)) or "-"
        out.append(f"# {t.language}: translation ({t.translation.provider}) keeps: {fixed}")
        for written, p in glossary.pronunciations_in(t.language):
            said = ", ".join(f"{k} {v}" for k, v in p.as_dict().items())
            out.append(f"# {t.language}: speech ({t.text_to_speech.provider}) says {written!r} as {said}")
    resources = compile_aws(glossary, config)
    if (v := resources.vocabulary) is not None:
        out += [f"\n# Transcribe vocabulary {v.name} ({v.language_code})", v.table.rstrip()]
    if (term := resources.terminology) is not None:
        out += [f"\n# Translate terminology {term.name} (CSV)", term.csv.rstrip()]
    for language, lx in resources.lexicons.items():
        out += [f"\n# Polly lexicon {lx.name} (target {language}, xml:lang {lx.language})", lx.pls.rstrip()]
    return "\n".join(out)


def sync(config: PipelineConfig, dry_run: bool) -> list[str]:
    from runner.engines.aws.glossary_sync import sync as sync_aws

    if not uses_aws(config):
        return ["nothing to upload: the pipeline uses no AWS engine (offline engines read the glossary directly)"]
    return asyncio.run(sync_aws(config, dry_run))


def with_uploaded(planned: Plan) -> Plan:
    """The plan, without the glossary's AWS resources that are not uploaded (or out of date), with a warning."""
    from runner.engines.aws.glossary_sync import outdated

    config = planned.config
    if config.glossary is None or not config.glossary.terms or not uses_aws(config):
        return planned
    missing = asyncio.run(outdated(config))
    if not missing:
        return planned
    stderr.print(f"warning: the glossary's AWS resources are out of date (missing: {', '.join(missing)}); this run "
                 f"goes without them. Upload them: polyglot glossary sync {config.file}", markup=False,
                 style="yellow")
    glossary = dataclasses.replace(config.glossary, unavailable=frozenset(missing))
    return plan(Loaded(str(config.file), dataclasses.replace(config, glossary=glossary), planned.source_map))
