"""Language tags as the AWS services spell them."""

from __future__ import annotations

from runner.engines.languages import base_language

# Translate's codes are ISO 639-1 with a few regional variants; everything else maps to its primary subtag.
REGIONAL = {"zh-TW", "es-MX", "fr-CA", "pt-PT", "fa-AF"}


def translate_code(tag: str) -> str:
    """A BCP 47 tag as Amazon Translate spells it: en-US -> en, cmn-CN -> zh, zh-TW -> zh-TW, pt-BR -> pt,
    arb -> ar."""
    parts = tag.split("-")
    primary = base_language(tag)
    region = parts[1].upper() if len(parts) > 1 else ""
    primary = {"nb": "no", "nn": "no"}.get(primary, primary)  # Translate has one Norwegian
    if f"{primary}-{region}" in REGIONAL:
        return f"{primary}-{region}"
    return primary
