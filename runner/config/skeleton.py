"""The pipeline schema around the components: the top level, targets, queues, runtime, the shared definitions.

What belongs to an engine, a source or a sink (its options, a text-to-speech engine's target fields) is not
written here: runner.config.schema adds it from the registry.
"""

from __future__ import annotations

from typing import Any

from runner.config.simultaneous import SimultaneousConfig

NUL_FREE = "^[^\\u0000]*$"  # the schema's pattern for text that reaches file names and C libraries
# One line of text for people and headers (ice-name, a title): no C0/C1 control characters, no line separators.
ONE_LINE = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]*$"
SCHEMA_ID = "urn:polyglot:schema:pipeline:1"


def top_level() -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "polyglot pipeline",
        "description": "One speaker, many languages: an audio source, its language, speech-to-text, and a list of "
                       "targets each translated, spoken and written to its own sinks.",
        "type": "object",
        "required": ["version", "source", "language", "targets"],
        "additionalProperties": False,
        "properties": {
            "version": {"const": 1, "description": "Config format version. Always 1."},
            "name": {"$ref": "#/$defs/oneLine",
                     "description": "A name for this pipeline, shown in the status and the event log: one line."},
            "description": {"type": "string"},
            "language": {"$ref": "#/$defs/languageTag", "description": "Language of the speaker, e.g. en-US."},
            "source": {"$ref": "#/$defs/source"},
            "speech_to_text": {"$ref": "#/$defs/speechToText"},
            "translation": {"$ref": "#/$defs/translation"},
            "text_to_speech": {"$ref": "#/$defs/textToSpeech"},
            "aws": {"$ref": "#/$defs/aws"},
            "lexicons": {
                "type": "object",
                "description": "Pronunciation lexicons (PLS files) by name; 'polyglot lexicons sync' uploads them.",
                "propertyNames": {"pattern": "^[0-9A-Za-z]{1,20}$"},
                "additionalProperties": {"$ref": "#/$defs/path"},
            },
            "glossary": {"$ref": "#/$defs/glossary"},
            "targets": {
                "type": "array", "minItems": 1, "items": {"$ref": "#/$defs/target"},
                "description": "One entry per output language. Each target has its own lane, translator, voice and "
                               "sinks.",
            },
            "transcript": {
                "type": "object", "additionalProperties": False,
                "description": "Sinks for the source-language transcript.",
                "properties": {"sinks": {"$ref": "#/$defs/sinks"}},
            },
            "event_log": {"$ref": "#/$defs/path",
                          "description": "Path of a JSONL file that receives every event of the session."},
            "outputs": {"type": "array", "items": {"$ref": "#/$defs/output"},
                        "description": "Broadcast outputs: every language at once, to listeners (a page served by "
                                       "the run) or to streams (HLS, Icecast)."},
            "runtime": {"$ref": "#/$defs/runtime"},
            "mode": {"enum": ["final", "simultaneous"], "default": "final",
                     "description": "final: each utterance is translated and spoken once its final transcript "
                                    "comes. simultaneous: clauses are translated and spoken while the speaker is "
                                    "still talking, from the stable words of partial transcripts (earlier speech, "
                                    "less context per translation), and each target's lag is held to max_lag."},
            "simultaneous": {"$ref": "#/$defs/simultaneous"},
        },
    }


def shared_definitions() -> dict[str, Any]:
    defaults = SimultaneousConfig()
    return {
        "languageTag": {"type": "string", "pattern": "^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
                        "description": "A BCP 47 language tag: en-US, es, es-MX, cmn-CN, ca, eo."},
        "deviceRef": {
            "description": "An audio device by name (a substring of the PortAudio device name), by index, or "
                           "'default'.",
            "type": ["string", "integer"], "minLength": 1, "pattern": NUL_FREE, "minimum": 0,
        },
        "cString": {"type": "string", "pattern": NUL_FREE,
                    "description": "Text that reaches the file system or a C library (file names, devices, voices, "
                                   "model files): anything but NUL."},
        "oneLine": {"type": "string", "minLength": 1, "pattern": ONE_LINE,
                    "description": "Text shown to people or sent in a header (a name, a title): one line, no "
                                   "control characters (a newline, a tab)."},
        "path": {"$ref": "#/$defs/cString", "minLength": 1,
                 "description": "A file path; relative paths are resolved against --output-dir (sinks) or the "
                                "config file's folder (inputs)."},
        "sampleRate": {"type": "integer", "enum": [8000, 16000, 22050, 24000, 44100, 48000]},
        "aws": {
            "type": "object", "additionalProperties": False,
            "description": "Where and as whom the AWS engines connect. Credentials come from the standard AWS chain.",
            "properties": {"region": {"type": "string", "pattern": "^[a-z]{2}(-[a-z]+)+-[0-9]+$"},
                           "profile": {"$ref": "#/$defs/cString", "minLength": 1}},
        },
        "queue": {
            "type": "object", "additionalProperties": False,
            "description": "The bounded queue in front of a target: what happens when utterances arrive faster "
                           "than it speaks.",
            "properties": {
                "size": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 64},
                "overflow": {"enum": ["drop-oldest", "drop-newest", "block"], "default": "drop-oldest",
                             "description": "drop-oldest keeps a live target current; block never loses an utterance "
                                            "but lets a slow target hold back speech-to-text."},
            },
        },
        "runtime": {
            "type": "object", "additionalProperties": False,
            "properties": {
                "queue": {"$ref": "#/$defs/queue"},
                "drain_timeout": {"type": "number", "exclusiveMinimum": 0, "default": 30,
                                  "description": "Seconds allowed, after the source ends or Ctrl-C, to finish "
                                                 "translating, speaking and writing."},
                "retry": {
                    "type": "object", "additionalProperties": False,
                    "description": "Retries of transient engine errors (throttling, service failures, dropped "
                                   "connections), per target and for speech-to-text reconnects.",
                    "properties": {
                        "attempts": {"type": "integer", "minimum": 1, "maximum": 100, "default": 4,
                                     "description": "Tries in all, the first included."},
                        "initial_backoff": {"type": "number", "minimum": 0, "default": 0.2},
                        "max_backoff": {"type": "number", "minimum": 0, "default": 5},
                    },
                },
                "health_interval": {"type": "number", "exclusiveMinimum": 0, "default": 10,
                                    "description": "Seconds between health events (queues, lag, retries, "
                                                   "reconnects) in the event log."},
                "max_transcript_lag": {
                    "type": "number", "exclusiveMinimum": 0, "default": 5,
                    "description": "With a live source: seconds speech-to-text may run behind the speaker (from "
                                   "words said to their final transcript, or audio waiting for the engine). Past "
                                   "it a warning is given and the engine sheds load (Whisper: no partials, then "
                                   "its fallback_model); under half of it again, a notice says it caught up."},
            },
        },
        "sinks": {"type": "array", "items": {"$ref": "#/$defs/sink"}},
        "simultaneous": {
            "type": "object", "additionalProperties": False,
            "description": "Settings of mode: simultaneous (the lag bounds are every target's default).",
            "properties": {
                "min_words": {"type": "integer", "minimum": 1, "maximum": 100, "default": defaults.min_words,
                              "description": "Stable words that make a segment at a pause when no punctuation "
                                             "ends a clause."},
                "pause": {"type": "number", "minimum": 0, "maximum": 10, "default": defaults.pause,
                          "description": "Seconds without a new word that count as a pause."},
                "agreement": {"type": "integer", "minimum": 2, "maximum": 10, "default": defaults.agreement,
                              "description": "For engines that mark no word stable: successive partials that must "
                                             "agree on a word before it is spoken."},
                "max_words": {"type": "integer", "minimum": 2, "maximum": 100, "default": defaults.max_words,
                              "description": "Stable words after which a segment is cut even without punctuation "
                                             "or a pause (shorter: earlier speech, less context per translation)."},
                **lag_bounds(),
                "max_rate": {"type": "number", "minimum": 1, "maximum": 2, "default": defaults.max_rate,
                             "description": "Fastest speaking rate when a target catches up (1.5: 50 % faster)."},
            },
        },
    }


def lag_bounds() -> dict[str, Any]:
    """The lag bounds, pipeline-wide (simultaneous) or per target."""
    defaults = SimultaneousConfig()
    return {
        "max_lag": {"type": "number", "exclusiveMinimum": 0, "maximum": 600, "default": defaults.max_lag,
                    "description": "Seconds from words being said to their translation having been heard that a "
                                   "target keeps within: from half of it on it speaks faster, past it it also "
                                   "merges queued sentences."},
        "hard_lag": {"type": "number", "exclusiveMinimum": 0, "maximum": 3600, "default": defaults.hard_lag,
                     "description": "Seconds of lag beyond which the oldest queued speech is dropped (its captions "
                                    "are still written). More than max_lag."},
    }


def target(engine_fields: dict[str, Any]) -> dict[str, Any]:
    """A target: the keys every target has, and those its text-to-speech engines declare."""
    return {
        "type": "object", "required": ["language"], "additionalProperties": False,
        "properties": {
            "language": {"$ref": "#/$defs/languageTag"},
            "voice": {"$ref": "#/$defs/cString", "minLength": 1,
                      "description": "Voice id: a Polly VoiceId (Zhiyu, Lucia) or an espeak-ng voice (es, ca, eo, "
                                     "cmn). Default for espeak: the target language."},
            **engine_fields,
            "format": {"enum": ["pcm", "mp3", "ogg_vorbis", "ogg_opus", "mulaw", "alaw"], "default": "pcm"},
            "sample_rate": {"$ref": "#/$defs/sampleRate"},
            "translation": {"$ref": "#/$defs/translationOptions",
                            "description": "Overrides of the pipeline's translation settings for this target."},
            "text_to_speech": {"$ref": "#/$defs/ttsOptions",
                               "description": "Overrides of the pipeline's text-to-speech settings for this target."},
            "queue": {"$ref": "#/$defs/queue"},
            "sinks": {"$ref": "#/$defs/sinks"},
            **{key: {**bound, "description": f"mode: simultaneous, this target's {key} (default: the pipeline's). "
                     + bound["description"]} for key, bound in lag_bounds().items()},
        },
    }
