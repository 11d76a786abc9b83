"""Comparing language tags across engines that spell them differently (en-US, eng, cmn-CN, zh)."""

from __future__ import annotations

from functools import lru_cache

import langcodes


@lru_cache(maxsize=512)
def base_language(tag: str) -> str:
    """The primary language of a tag, normalized: 'en-US' -> 'en', 'spa' -> 'es', 'cmn-CN' -> 'zh'."""
    try:
        return langcodes.Language.get(langcodes.standardize_tag(tag, macro=True)).language or tag.lower()
    except (langcodes.LanguageTagError, ValueError):
        return tag.split("-")[0].lower()


@lru_cache(maxsize=512)
def spellings(tag: str) -> tuple[str, ...]:
    """Codes an engine may use for the tag's language: ISO 639-1 and 639-3 ('es', 'spa')."""
    base = base_language(tag)
    codes = [base]
    try:
        alpha3 = langcodes.Language.get(base).to_alpha3()
        codes.append(alpha3)
    except (langcodes.LanguageTagError, LookupError, ValueError):
        pass
    primary = tag.split("-")[0].lower()
    if primary not in codes:
        codes.append(primary)  # e.g. 'cmn' as written
    return tuple(dict.fromkeys(codes))


def same_language(a: str, b: str) -> bool:
    return base_language(a) == base_language(b)


def display_name(tag: str) -> str:
    try:
        return str(langcodes.Language.get(tag).display_name())
    except (langcodes.LanguageTagError, ValueError):
        return tag


def autonym(tag: str, with_region: bool = False) -> str:
    """The language's name in itself, as its speakers write it: Español, Deutsch, 中文; ``with_region`` adds
    the region, also in that language (Português (Brasil)), for broadcasts that offer two of one language."""
    try:
        language = langcodes.Language.get(tag)
        base = language.language or tag
        name = str(langcodes.Language.get(base).autonym())
        if with_region and language.territory:
            name += f" ({language.territory_name(base)})"
    except (langcodes.LanguageTagError, ValueError, LookupError):
        return tag
    return name[:1].upper() + name[1:]
