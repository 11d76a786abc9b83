"""What the AWS services refuse at their first request, checked before it, from the config alone: names and codes
against the service models the SDKs ship (botocore's Polly model, the Transcribe streaming SDK's LanguageCode)
and the services' documented rules where no model says it (S3 bucket names, Translate's languages, one dialect
of a language per Transcribe language identification). Pure: no network; an SDK that is not installed checks
nothing here (the plan already says to install the extra)."""

from __future__ import annotations

import ipaddress
import re
from functools import cache
from typing import Any

from runner.engines.languages import base_language

# https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html (general purpose buckets)
S3_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
S3_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
S3_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")

# https://docs.aws.amazon.com/translate/latest/dg/what-is-languages.html (codes as translate_code spells them)
TRANSLATE_LANGUAGES = frozenset(
    "af sq am ar hy az bn bs bg ca zh zh-TW hr cs da fa-AF nl en et fa tl fi fr fr-CA ka de el gu ht ha he hi hu is "
    "id ga it ja kn kk ko lv lt mk ms ml mt mr mn no ps pl pt pt-PT pa ro ru sr si sk sl so es es-MX sw sv ta te th "
    "tr uk ur uz vi cy".split())


def s3_bucket_problem(name: str) -> str | None:
    """Why S3 refuses ``name`` as a bucket name, or None."""
    if not S3_BUCKET.match(name):
        return (f"{name!r} is not an S3 bucket name: 3 to 63 lowercase letters, digits, dots and hyphens, "
                "beginning and ending with a letter or digit")
    if ".." in name:
        return f"{name!r} is not an S3 bucket name: two dots in a row"
    try:
        ipaddress.IPv4Address(name)
        return f"{name!r} is not an S3 bucket name: it is written as an IP address"
    except ValueError:
        pass
    reserved = [a for a in S3_RESERVED_PREFIXES if name.startswith(a)] + \
        [a for a in S3_RESERVED_SUFFIXES if name.endswith(a)]
    if reserved:
        return f"{name!r} is not an S3 bucket name: {reserved[0]!r} is reserved by S3"
    return None


@cache
def _polly_shape(name: str) -> Any:
    try:
        import botocore.session
    except ImportError:
        return None
    return botocore.session.get_session().get_service_model("polly").shape_for(name)


def polly_pattern_problem(shape: str, value: str, what: str) -> str | None:
    """Why ``value`` does not match the pattern Polly's model gives ``shape`` (SnsTopicArn, OutputS3KeyPrefix)."""
    model = _polly_shape(shape)
    pattern = model.metadata.get("pattern") if model is not None else None
    if pattern is None or re.search(pattern, value):
        return None
    return f"{value!r} is not {what} (Polly's model: {pattern})"


@cache
def transcribe_streaming_languages() -> tuple[str, ...]:
    """Transcribe streaming's language codes, as its SDK's model lists them (empty without the SDK)."""
    try:
        from aws_sdk_transcribe_streaming.models import LanguageCode
    except ImportError:
        return ()
    return tuple(code.value for code in LanguageCode)


def transcribe_language_problem(tag: str) -> str | None:
    """Why Transcribe streaming refuses ``tag`` as a LanguageCode, or None."""
    codes = transcribe_streaming_languages()
    if not codes or tag in codes:
        return None
    spelled = next((c for c in codes if c.lower() == tag.lower()), None)
    if spelled is not None:
        return f"Transcribe streaming spells it {spelled}, not {tag}"
    dialects = [c for c in codes if base_language(c) == base_language(tag)]
    if dialects:
        return f"Transcribe streaming does not take {tag}: give one of its dialects ({', '.join(dialects)})"
    return f"Transcribe streaming does not transcribe {tag} (its languages: {', '.join(codes[:6])}, ...)"


def translate_language_problem(code: str) -> str | None:
    """Why Translate refuses ``code`` (as translate_code spells a tag), or None."""
    if code in TRANSLATE_LANGUAGES:
        return None
    return f"Amazon Translate does not translate {code} (its {len(TRANSLATE_LANGUAGES)} languages are those its " \
        "documentation lists)"


def one_dialect_each(tags: tuple[str, ...]) -> list[tuple[int, str]]:
    """(index, message) of each tag that is a second dialect of one language: Transcribe identifies among
    languages, one dialect each ('en-US' or 'en-GB', not both)."""
    first: dict[str, str] = {}
    out = []
    for i, tag in enumerate(tags):
        base = base_language(tag)
        if base in first:
            out.append((i, f"{tag} is a second dialect of {first[base]}'s language: Transcribe identifies among "
                        "languages, one dialect of each"))
        else:
            first[base] = tag
    return out
