"""The glossary: names and terms, written once, that every stage must get right.

A :class:`Term` is the speaker's word as written, how speech-to-text may hear it (sounds-like spellings, IPA),
what it becomes in each target language (kept as is, or a fixed translation) and how each language's voice
says it. runner.glossary.load reads one from a pipeline (inline, YAML or CSV); runner.glossary.use (for every
engine) and runner.engines.aws.glossary (the AWS resources: vocabulary, terminology, lexicons) turn
it into what each engine takes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from runner.engines.languages import base_language


@dataclass(frozen=True)
class Where:
    """Where a term (or one of its values) is written: for located errors."""

    file: str
    line: int = 0
    column: int = 0
    pointer: str = ""


@dataclass(frozen=True)
class Pronunciation:
    """How one language's voice says a term: ``alias`` a respelling in that language (any engine), ``ipa`` for
    Polly's lexicons, ``espeak`` espeak-ng phoneme mnemonics (``[[...]]`` input)."""

    alias: str | None = None
    ipa: str | None = None
    espeak: str | None = None

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in (("alias", self.alias), ("ipa", self.ipa), ("espeak", self.espeak)) if v}


@dataclass(frozen=True)
class Term:
    text: str  # the term in the speaker's language, as it must be written
    where: Where
    sounds_like: tuple[str, ...] = ()  # how speech-to-text may hear it, in words of the speaker's language
    ipa: str | None = None  # its pronunciation in the speaker's language (Transcribe's IPA column)
    keep: bool = False  # the same in every target language, unless ``translations`` says otherwise
    translations: Mapping[str, str] = field(default_factory=dict)  # language tag -> fixed translation
    pronunciations: Mapping[str, Pronunciation] = field(default_factory=dict)  # language tag -> how it is said
    places: Mapping[str, Where] = field(default_factory=dict, compare=False)  # "translations/es" -> where written

    def at(self, part: str) -> Where:
        """Where a part of the term is written ("term", "translations/es", "sounds_like/0"), else the term."""
        return self.places.get(part, self.where)

    def translation(self, language: str) -> str | None:
        """What the term must be in ``language`` (an exact tag first, then its base language), or None when the
        glossary leaves it to the translator."""
        found = _by_language(self.translations, language)
        if found is not None:
            return found
        return self.text if self.keep else None

    def pronunciation(self, language: str) -> Pronunciation | None:
        return _by_language(self.pronunciations, language)

    def as_dict(self) -> dict[str, object]:
        return {"term": self.text, "sounds_like": list(self.sounds_like), "ipa": self.ipa, "keep": self.keep,
                "translations": dict(sorted(self.translations.items())),
                "pronunciations": {k: v.as_dict() for k, v in sorted(self.pronunciations.items())}}


def _by_language[T](table: Mapping[str, T], language: str) -> T | None:
    if language in table:
        return table[language]
    exact = {k.lower(): v for k, v in table.items()}
    if language.lower() in exact:
        return exact[language.lower()]
    base = base_language(language)
    return next((v for k, v in table.items() if base_language(k) == base), None)


@dataclass(frozen=True)
class AwsGlossaryOptions:
    """Where ``polyglot glossary sync`` puts what Transcribe reads from S3 (the vocabulary table)."""

    bucket: str | None = None
    prefix: str = "polyglot/glossary/"


@dataclass(frozen=True)
class Glossary:
    terms: tuple[Term, ...]
    language: str  # the speaker's language, the terms' own
    file: Path | None = None  # the glossary file, when it is not inline
    aws: AwsGlossaryOptions = AwsGlossaryOptions()
    unavailable: frozenset[str] = frozenset()  # AWS resources not uploaded yet, which the run leaves out

    def digest(self) -> str:
        """A hash of what the glossary says (not how it is written): equal glossaries, equal resources."""
        content = json.dumps({"language": self.language, "terms": [t.as_dict() for t in self.terms]},
                             sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(content.encode()).hexdigest()

    def languages(self) -> set[str]:
        """Every language the glossary translates into or pronounces in."""
        return {lang for t in self.terms for lang in (*t.translations, *t.pronunciations)}

    def speech_to_text_terms(self) -> list[str]:
        """The terms speech-to-text should expect, as they are written: Whisper's hotwords / initial prompt,
        keyword boosting, any recognizer's bias list. Engines call this; the order is the glossary's."""
        return [t.text for t in self.terms]

    def misheard_forms(self) -> list[tuple[str, str]]:
        """(how it may be heard, the term) for each sounds-like spelling: what a recognizer without a custom
        vocabulary fixes after the fact. Longest first, so that a longer form wins over one it contains."""
        pairs = [(" ".join(s.replace("-", " ").split()), t.text) for t in self.terms for s in t.sounds_like]
        return sorted(pairs, key=lambda p: -len(p[0]))

    def translations_into(self, language: str) -> list[tuple[str, str]]:
        """(term, what it must become) in ``language``, for every term the glossary fixes there."""
        out = []
        for t in self.terms:
            target = t.translation(language)
            if target is not None:
                out.append((t.text, target))
        return out

    def pronunciations_in(self, language: str) -> list[tuple[str, Pronunciation]]:
        """(the word as the voice reads it, how to say it) in ``language``: the term's translation there (or the
        term itself) with the language's pronunciation."""
        out = []
        for t in self.terms:
            p = t.pronunciation(language)
            if p is not None:
                out.append((t.translation(language) or t.text, p))
        return out


def frozen(mapping: Mapping[str, object]) -> Mapping[str, object]:
    return MappingProxyType(dict(mapping))
