"""The glossary's part of the pipeline schema: the ``glossary`` key, and a glossary document (inline, or a YAML
file beside the pipeline, which is checked against ``glossaryDocument``)."""

from __future__ import annotations

from typing import Any

LANGUAGE_KEYS = {"pattern": "^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"}
TEXT = {"type": "string", "minLength": 1, "pattern": "^[^\\u0000]*$"}


def definitions() -> dict[str, Any]:
    return {
        "glossary": {
            "description": "Names and terms every stage must get right, written once: a YAML or CSV file beside "
                           "the pipeline, or the terms inline. 'polyglot glossary show' prints what each engine "
                           "gets; 'polyglot glossary sync' uploads the AWS resources.",
            "if": {"type": "string"}, "then": {"$ref": "#/$defs/path"},
            "else": {
                "type": "object", "additionalProperties": False,
                "properties": {
                    "file": {"$ref": "#/$defs/path", "description": "A glossary file: .yaml/.yml or .csv."},
                    "terms": {"$ref": "#/$defs/glossaryTerms"},
                    "aws": {"$ref": "#/$defs/glossaryAws"},
                },
            },
        },
        "glossaryDocument": {
            "type": "object", "additionalProperties": False, "required": ["terms"],
            "properties": {"terms": {"$ref": "#/$defs/glossaryTerms"}, "aws": {"$ref": "#/$defs/glossaryAws"}},
        },
        "glossaryAws": {
            "type": "object", "additionalProperties": False,
            "description": "Where 'polyglot glossary sync' puts the Transcribe vocabulary table (CreateVocabulary "
                           "reads sounds-like and IPA only from S3). Without a bucket, only the phrases are uploaded.",
            "properties": {"bucket": {"type": "string", "pattern": "^[a-z0-9][.\\-a-z0-9]{1,61}[a-z0-9]$"},
                           "prefix": {"type": "string", "default": "polyglot/glossary/"}},
        },
        "glossaryTerms": {"type": "array", "items": {"$ref": "#/$defs/glossaryTerm"}},
        "glossaryTerm": {
            "type": "object", "additionalProperties": False, "required": ["term"],
            "properties": {
                "term": {**TEXT, "description": "The term in the speaker's language, as it must be written."},
                "sounds_like": {"type": "array", "items": TEXT,
                                "description": "How speech-to-text may hear it, in words of the speaker's language "
                                               "('shiv on'): Transcribe's SoundsLike, the offline fix-up."},
                "ipa": {**TEXT, "description": "Its pronunciation in the speaker's language (Transcribe's IPA)."},
                "keep": {"type": "boolean", "default": False,
                         "description": "Keep it as is in every target language (unless translations says "
                                        "otherwise for one)."},
                "translations": {"type": "object", "propertyNames": LANGUAGE_KEYS, "additionalProperties": TEXT,
                                 "description": "Its fixed translation per target language."},
                "pronounce": {"type": "object", "propertyNames": LANGUAGE_KEYS,
                              "additionalProperties": {"$ref": "#/$defs/glossaryPronunciation"},
                              "description": "How each language's voice says it."},
            },
        },
        "glossaryPronunciation": {
            "type": "object", "additionalProperties": False, "minProperties": 1,
            "properties": {
                "alias": {**TEXT, "description": "Written as that language would say it (every voice engine)."},
                "ipa": {**TEXT, "description": "IPA (Polly lexicon <phoneme>)."},
                "espeak": {**TEXT, "description": "espeak-ng phoneme mnemonics, e.g. S@v'O:n."},
            },
        },
    }
