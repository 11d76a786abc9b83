"""The glossary as the AWS services take it: a Transcribe custom vocabulary (its table format), a Translate custom
terminology (CSV, one for the speaker's language, applied to every target) and a Polly lexicon (PLS) per voice
language; and what each AWS engine asks of it (``transcribe_vocabulary``, ``translate_terminology``,
``polly_lexicon``: the names ``polyglot glossary sync`` uploads, less those not uploaded yet).

Each resource's name is derived from the pipeline's name and a hash of the resource's own content, so an
unchanged glossary names resources that exist already (nothing to upload), and a changed one names new ones
(``polyglot glossary sync`` uploads them and deletes those they replace).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from runner.engines.aws.language_codes import translate_code
from runner.glossary.model import Glossary

if TYPE_CHECKING:
    from runner.config.model import PipelineConfig

PLS_NS = "http://www.w3.org/2005/01/pronunciation-lexicon"
XML_NS = "http://www.w3.org/XML/1998/namespace"
VOCABULARY_HEADER = ("Phrase", "SoundsLike", "IPA", "DisplayAs")


@dataclass(frozen=True)
class Vocabulary:
    name: str
    language_code: str
    table: str  # Transcribe's table format (tab-separated, header first)
    phrases: tuple[str, ...]  # the phrases alone, for CreateVocabulary without an S3 table


@dataclass(frozen=True)
class Terminology:
    name: str
    source: str  # Translate's code of the speaker's language
    targets: tuple[str, ...]
    csv: str


@dataclass(frozen=True)
class Lexicon:
    name: str
    language: str  # its xml:lang: the voice's language
    pls: str


@dataclass(frozen=True)
class AwsResources:
    prefix: str  # what every resource of this pipeline is named after
    vocabulary: Vocabulary | None = None
    terminology: Terminology | None = None
    lexicons: dict[str, Lexicon] = field(default_factory=dict)  # by target language

    def names(self) -> list[str]:
        found = [r.name for r in (self.vocabulary, self.terminology) if r is not None]
        return found + sorted({lx.name for lx in self.lexicons.values()})


def _hash(text: str, length: int = 10) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def slug(pipeline_name: str) -> str:
    """The pipeline's name as resource names may hold it."""
    return re.sub(r"-+", "-", re.sub(r"[^A-Za-z0-9-]", "-", pipeline_name)).strip("-")[:60] or "pipeline"


def lexicon_prefix(pipeline_name: str) -> str:
    """Polly lexicon names are 1-20 letters or digits: 'pg', the pipeline's hash, then the content's."""
    return "pg" + _hash(pipeline_name, 4)


def vocabulary_table(glossary: Glossary) -> str:
    """Transcribe's table: a phrase with hyphens for spaces, a row per sounds-like, an IPA row, DisplayAs the term
    as written."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(VOCABULARY_HEADER)
    for term in glossary.terms:
        phrase = "-".join(term.text.split())
        display = term.text if phrase != term.text else ""
        rows = [("-".join(s.replace("-", " ").split()), "") for s in term.sounds_like]
        rows += [("", term.ipa)] if term.ipa else []
        for sounds, ipa in rows or [("", "")]:
            writer.writerow((phrase, sounds, ipa, display))
    return out.getvalue()


def terminology_csv(glossary: Glossary, source: str, targets: list[str]) -> str:
    """A Translate terminology: the speaker's language first, a column per target language (Translate's codes),
    a row per term the glossary fixes in at least one of them."""
    codes = list(dict.fromkeys(translate_code(t) for t in targets))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([source, *codes])
    for term in glossary.terms:
        cells = [term.translation(t) or "" for t in dict.fromkeys(targets)]
        by_code = dict(zip([translate_code(t) for t in dict.fromkeys(targets)], cells, strict=True))
        if any(by_code.values()):
            writer.writerow([term.text, *(by_code[c] for c in codes)])
    return out.getvalue()


def lexicon_pls(glossary: Glossary, language: str, xml_lang: str | None = None) -> str | None:
    """A PLS lexicon of the pronunciations the glossary gives in ``language`` (None: it gives none). IPA wins over
    an alias (Polly takes one of them per lexeme)."""
    entries = glossary.pronunciations_in(language)
    entries = [(g, p) for g, p in entries if p.ipa or p.alias]
    if not entries:
        return None
    ET.register_namespace("", PLS_NS)
    root = ET.Element(f"{{{PLS_NS}}}lexicon", {"version": "1.0", "alphabet": "ipa",
                                               f"{{{XML_NS}}}lang": xml_lang or language})
    for grapheme, p in entries:
        lexeme = ET.SubElement(root, f"{{{PLS_NS}}}lexeme")
        ET.SubElement(lexeme, f"{{{PLS_NS}}}grapheme").text = grapheme
        if p.ipa:
            ET.SubElement(lexeme, f"{{{PLS_NS}}}phoneme").text = p.ipa
        else:
            ET.SubElement(lexeme, f"{{{PLS_NS}}}alias").text = p.alias
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def compile_aws(glossary: Glossary, config: PipelineConfig) -> AwsResources:
    """What the pipeline's AWS engines get from its glossary: only the stages that run on AWS."""
    prefix = f"polyglot-{slug(config.display_name)}"
    vocabulary = terminology = None
    if config.speech_to_text.provider == "transcribe":
        o = config.speech_to_text.options
        language = o.language_code or config.language
        table = vocabulary_table(glossary)
        vocabulary = Vocabulary(f"{prefix}-{language}-{_hash(table)}", language, table,
                                tuple("-".join(t.text.split()) for t in glossary.terms))
    translated = [t.language for t in config.targets if t.translation.provider == "translate"]
    source = translate_code(config.language)
    if translated:
        text = terminology_csv(glossary, source, translated)
        if text.count("\n") > 1:
            terminology = Terminology(f"{prefix}-{_hash(text)}", source,
                                      tuple(dict.fromkeys(translate_code(t) for t in translated)), text)
    lexicons = {}
    for t in config.targets:
        if t.text_to_speech.provider != "polly":
            continue
        xml_lang = t.text_to_speech.options.language_code or t.language
        pls = lexicon_pls(glossary, t.language, xml_lang)
        if pls is not None:
            lexicons[t.language] = Lexicon(lexicon_prefix(config.display_name) + _hash(pls, 8), xml_lang, pls)
    return AwsResources(prefix, vocabulary, terminology, lexicons)


def _resources(config: PipelineConfig) -> AwsResources | None:
    return compile_aws(config.glossary, config) if config.glossary is not None and config.glossary.terms else None


def _usable(config: PipelineConfig, name: str | None) -> str | None:
    assert config.glossary is not None or name is None
    return name if name is not None and config.glossary is not None and \
        name not in config.glossary.unavailable else None


def transcribe_vocabulary(config: PipelineConfig) -> str | None:
    resources = _resources(config)
    return _usable(config, resources.vocabulary.name if resources and resources.vocabulary else None)


def translate_terminology(config: PipelineConfig) -> str | None:
    resources = _resources(config)
    return _usable(config, resources.terminology.name if resources and resources.terminology else None)


def polly_lexicon(config: PipelineConfig, language: str) -> str | None:
    resources = _resources(config)
    lexicon = resources.lexicons.get(language) if resources else None
    return _usable(config, lexicon.name if lexicon else None)
