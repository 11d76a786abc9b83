"""``polyglot lexicons sync``: upload the PLS lexicons a pipeline references (Polly ``PutLexicon``), after
checking that each one's language is spoken by every voice that uses it (Polly silently ignores a lexicon
whose language does not match the voice)."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from runner.bounded_read import TooLarge, read_at_most
from runner.diagnostics import Diagnostic
from runner.engines.languages import same_language
from runner.errors import ConfigError, EngineUnavailable
from runner.plan.plan import Plan
from runner.registry import not_installed

PLS = "{http://www.w3.org/2005/01/pronunciation-lexicon}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MAX_LEXICON_BYTES = 1 << 20  # far above what Polly stores; only guards against devices and runaway files


@dataclass(frozen=True)
class Lexicon:
    name: str
    path: Path
    language: str
    lexemes: int
    content: str


def read_lexicon(name: str, path: Path) -> Lexicon | str:
    """The lexicon, or why it cannot be used."""
    try:
        content = read_at_most(path, MAX_LEXICON_BYTES).decode("utf-8")
    except OSError as exc:
        return f"cannot read {path}: {exc.strerror or exc}"
    except TooLarge as exc:
        return f"{path} {exc}, too much for a lexicon"
    except UnicodeDecodeError as exc:
        return f"{path} is not UTF-8 text (byte {exc.start})"
    try:
        root = ET.fromstring(content)
    except ET.ParseError as exc:
        return f"{path} is not valid XML: {exc}"
    if root.tag != f"{PLS}lexicon":
        return f"{path} is not a PLS lexicon (root element {root.tag})"
    language = root.get(XML_LANG)
    if not language:
        return f"{path} has no xml:lang on its <lexicon>"
    return Lexicon(name, path, language, len(root.findall(f"{PLS}lexeme")), content)


async def sync(plan: Plan, dry_run: bool = False) -> list[str]:
    reason = not_installed("aws", ["polly"])
    if reason is not None:
        raise EngineUnavailable(reason)
    from runner.engines.aws.context import context_for
    from runner.engines.aws.errors import from_botocore
    from runner.engines.aws.polly import describe_voices

    config = plan.config
    smap = plan.source_map
    problems: list[Diagnostic] = []
    lexicons: dict[str, Lexicon] = {}
    for name, path in config.lexicons.items():
        found = read_lexicon(name, Path(path))
        if isinstance(found, str):
            problems.append(smap.diagnostic(f"/lexicons/{name}", "lexicon", found))
        else:
            lexicons[name] = found
    users = [t for t in config.targets if t.text_to_speech.provider == "polly" and t.voice
             and any(n in lexicons for n in t.lexicons)]
    if users:
        voices = {v["Id"]: v for v in await describe_voices(context_for(config.aws))}
        for t in users:
            voice = voices.get(t.voice or "")
            spoken = [voice["LanguageCode"], *voice.get("AdditionalLanguageCodes", [])] if voice else []
            for name in (n for n in t.lexicons if n in lexicons):
                if voice and not any(same_language(lang, lexicons[name].language) for lang in spoken):
                    problems.append(smap.diagnostic(
                        f"{t.pointer}/lexicons", "lexicon-language",
                        f"lexicon '{name}' is {lexicons[name].language}, but voice {t.voice} speaks "
                        f"{', '.join(spoken)}: Polly would ignore it"))
    if problems:
        raise ConfigError(problems)
    if dry_run:
        return [f"would upload {lx.name} ({lx.language}, {lx.lexemes} lexemes) from {lx.path}"
                for lx in lexicons.values()]
    client = await asyncio.to_thread(context_for(config.aws).client, "polly")
    report = []
    for lx in lexicons.values():
        try:
            await asyncio.to_thread(client.put_lexicon, Name=lx.name, Content=lx.content)
        except Exception as exc:
            raise from_botocore(exc, f"Amazon Polly PutLexicon {lx.name}") from exc
        report.append(f"uploaded {lx.name} ({lx.language}, {lx.lexemes} lexemes) from {lx.path}")
    return report
