"""What is wrong with a glossary, located: structure (always), each service's limits (for the engines the
pipeline uses) and the languages it covers against the pipeline's targets.

Limits are the services' published ones: Transcribe custom vocabularies (a phrase: letters, apostrophes, periods
and hyphens, no digits, at most 256 characters; the table at most 50 KB), Translate custom terminologies (a term
at most 200 bytes), Polly lexicons (a grapheme or alias at most 100 characters, a lexicon at most 4,000
characters).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import langcodes

from runner.diagnostics import Diagnostic, Severity
from runner.engines.languages import same_language
from runner.glossary.model import Glossary, Term, Where

MAX_PHRASE_CHARS = 256
MAX_VOCABULARY_BYTES = 50_000
MAX_TERMINOLOGY_TERM_BYTES = 200
MAX_LEXEME_CHARS = 100
MAX_LEXICON_CHARS = 4000
# A Transcribe vocabulary phrase: letters of any script, and ' . - (spaces become hyphens in the table).
_PHRASE_BAD = re.compile(r"[^\w\s'.\-]|[\d_]")
_SOUNDS_LIKE_BAD = re.compile(r"[^\w\s\-']|[\d_]")


def located(where: Where, code: str, message: str, severity: Severity = "error") -> Diagnostic:
    return Diagnostic(where.file, where.line, where.column, where.pointer, code, message, severity)


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def structural(glossary: Glossary) -> list[Diagnostic]:
    """Duplicate terms and unknown languages: errors whatever engines run."""
    out: list[Diagnostic] = []
    first: dict[str, Term] = {}
    for term in glossary.terms:
        key = _key(term.text)
        if key in first:
            w = first[key].where
            out.append(located(term.at("term"), "glossary-duplicate", f"duplicate term {term.text!r} (first at "
                               f"{w.file}:{w.line}); a term is listed once, with all its languages"))
        else:
            first[key] = term
        for part, languages in (("translations", term.translations), ("pronounce", term.pronunciations)):
            for lang in languages:
                if not langcodes.tag_is_valid(lang) or not langcodes.Language.get(lang).is_valid():
                    out.append(located(term.at(f"{part}/{lang}"), "glossary-language",
                                       f"unknown language {lang!r} (a BCP 47 tag: es, es-MX, zh, cmn-CN)"))
        out += _control_characters(term)
    return out


def _control_characters(term: Term) -> Iterable[Diagnostic]:
    """A control character (a word processor's vertical tab or page break) in any text of a term: it would make
    a malformed Polly lexicon, a broken vocabulary table, or be read out."""
    texts = [("term", term.text), *((f"sounds_like/{i}", s) for i, s in enumerate(term.sounds_like)),
             ("ipa", term.ipa or ""), *((f"translations/{k}", v) for k, v in term.translations.items()),
             *((f"pronounce/{k}", v) for k, p in term.pronunciations.items() for v in p.as_dict().values())]
    for part, text in texts:
        bad = next((c for c in text if unicodedata.category(c) == "Cc"), None)
        if bad is not None:
            yield located(term.at(part), "glossary-text", f"{text!r} holds the control character U+{ord(bad):04X}; "
                          "a glossary's texts are plain text on one line")


def transcribe_limits(glossary: Glossary) -> Iterable[Diagnostic]:
    from runner.engines.aws.glossary import vocabulary_table

    for term in glossary.terms:
        if (bad := _PHRASE_BAD.search(term.text)) is not None:
            yield located(term.at("term"), "glossary-transcribe", f"{term.text!r}: Transcribe vocabularies do not "
                          f"accept {bad.group()!r} in a phrase (letters, ' . - only; spell out numbers)")
        elif len(term.text) > MAX_PHRASE_CHARS:
            yield located(term.at("term"), "glossary-limit", f"a Transcribe vocabulary phrase is at most "
                          f"{MAX_PHRASE_CHARS} characters, this one {len(term.text)}")
        for i, sound in enumerate(term.sounds_like):
            if (bad := _SOUNDS_LIKE_BAD.search(sound)) is not None:
                yield located(term.at(f"sounds_like/{i}"), "glossary-transcribe", f"sounds-like {sound!r}: "
                              f"Transcribe vocabularies do not accept {bad.group()!r} there (letters and hyphens)")
    size = len(vocabulary_table(glossary).encode())
    if size > MAX_VOCABULARY_BYTES and glossary.terms:
        yield located(glossary.terms[-1].where, "glossary-limit", f"the Transcribe vocabulary would be {size} "
                      f"bytes, over its limit of {MAX_VOCABULARY_BYTES}")


def translate_limits(glossary: Glossary) -> Iterable[Diagnostic]:
    for term in glossary.terms:
        for part, text in [("term", term.text), *((f"translations/{k}", v) for k, v in term.translations.items())]:
            if len(text.encode()) > MAX_TERMINOLOGY_TERM_BYTES:
                yield located(term.at(part), "glossary-limit", f"a Translate terminology term is at most "
                              f"{MAX_TERMINOLOGY_TERM_BYTES} bytes, this one {len(text.encode())}")


def polly_limits(glossary: Glossary, languages: Iterable[str]) -> Iterable[Diagnostic]:
    from runner.engines.aws.glossary import lexicon_pls

    for language in languages:
        for term in glossary.terms:
            p = term.pronunciation(language)
            said = term.translation(language) or term.text
            if p is not None and max(len(said), len(p.alias or "")) > MAX_LEXEME_CHARS:
                yield located(term.at(f"pronounce/{language}"), "glossary-limit", f"a Polly lexicon grapheme or "
                              f"alias is at most {MAX_LEXEME_CHARS} characters")
        pls = lexicon_pls(glossary, language)
        if pls is not None and len(pls) > MAX_LEXICON_CHARS and glossary.terms:
            yield located(glossary.terms[-1].where, "glossary-limit", f"the Polly lexicon for {language} would be "
                          f"{len(pls)} characters, over its limit of {MAX_LEXICON_CHARS}")


def against_targets(glossary: Glossary, targets: list[str]) -> Iterable[Diagnostic]:
    """A language the glossary translates into or pronounces in that no target has: a warning (the pipeline may
    add it later, or share the glossary with another)."""
    for term in glossary.terms:
        for part, languages in (("translations", term.translations), ("pronounce", term.pronunciations)):
            for lang in languages:
                if not any(same_language(lang, t) for t in targets):
                    yield located(term.at(f"{part}/{lang}"), "glossary-language", f"{term.text!r}: no target "
                                  f"speaks {lang} (targets: {', '.join(targets)})", severity="warning")
