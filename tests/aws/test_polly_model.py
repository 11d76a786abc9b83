"""The emulated Polly says what the real one says: its voices are Polly's (by the VoiceId and LanguageCode enums of
the official model), described as DescribeVoices describes them, and SynthesizeSpeech returns speech marks."""

from __future__ import annotations

import json

import botocore.session

from polyglot_emulator.voices import LACKING, VOICES
from runner.config.model import AwsConfig
from runner.engines.aws.context import context_for


def enum(shape: str) -> set[str]:
    return set(botocore.session.get_session().get_service_model("polly").shape_for(shape).enum)


def test_every_emulated_voice_is_a_polly_voice() -> None:
    voice_ids, languages, engines = enum("VoiceId"), enum("LanguageCode"), enum("Engine")
    for voice in VOICES:
        assert voice.id in voice_ids, voice
        assert {voice.language_code, *voice.additional_languages} <= languages, voice
        assert set(voice.engines) <= engines, voice


def test_every_polly_voice_is_emulated_or_named_as_lacking() -> None:
    """The emulator lacked 16 documented voices (Justin, Kendra, Kevin, Kimberly, Tiffany, ...): a config naming
    one could not be rehearsed."""
    assert enum("VoiceId") - {v.id for v in VOICES} == LACKING


def test_describe_voices_as_polly_describes_them(emulator) -> None:
    polly = context_for(AwsConfig()).client("polly")
    generative = {v["Id"] for v in polly.describe_voices(Engine="generative")["Voices"]}
    assert {"Aria", "Sabrina", "Lisa", "Laura", "Niamh", "Tiffany", "Ambre", "Florian", "Lennart", "Beatrice",
            "Lorenzo"} <= generative
    [aditi] = [v for v in polly.describe_voices(LanguageCode="hi-IN", IncludeAdditionalLanguageCodes=True)["Voices"]
               if v["Id"] == "Aditi"]
    assert (aditi["LanguageCode"], aditi["AdditionalLanguageCodes"]) == ("en-IN", ["hi-IN"])
    assert [v["Id"] for v in polly.describe_voices(LanguageCode="de-AT")["Voices"]] == ["Hannah"]


def test_synthesize_speech_json_returns_speech_marks(emulator) -> None:
    polly = context_for(AwsConfig()).client("polly")
    reply = polly.synthesize_speech(VoiceId="Lucia", Engine="neural", OutputFormat="json", Text="buenos días",
                                    SpeechMarkTypes=["sentence", "word"])
    assert reply["ContentType"] == "application/x-json-stream" and reply["RequestCharacters"] == 11
    marks = [json.loads(line) for line in reply["AudioStream"].read().decode().splitlines()]
    assert [(m["type"], m["value"]) for m in marks] == [("sentence", "buenos días"), ("word", "buenos"),
                                                        ("word", "días")]
    assert (marks[2]["start"], marks[2]["end"]) == (7, 12)  # bytes, as Polly counts them: "í" is two
