"""The emulated services' main request/response operations through boto3, as any client would call them:
Translate (real Apertium translations, fixtures, marked fallbacks, languages), Polly's SynthesizeSpeech (real
speech, billed characters) and lexicons, and S3. The event streams' SDK clients are exercised by tests/aws through
polyglot's engines; their wire is tested in test_stream_wire.py."""

from __future__ import annotations

from typing import Any

import boto3
import botocore.config
import botocore.exceptions
import numpy as np
import pytest

from polyglot_emulator import Emulator
from polyglot_emulator.backend import FIXTURES

PLS = ('<?xml version="1.0" encoding="UTF-8"?><lexicon version="1.0" '
       'xmlns="http://www.w3.org/2005/01/pronunciation-lexicon" alphabet="ipa" xml:lang="es-ES">'
       '<lexeme><grapheme>W3C</grapheme><alias>World Wide Web Consortium</alias></lexeme>'
       '<lexeme><grapheme>UE</grapheme><alias>Unión Europea</alias></lexeme></lexicon>')


def client(emulator: Emulator, service: str, **options: Any) -> Any:
    config = botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=10,
                                    s3={"addressing_style": "path"}, **options)
    return boto3.client(service, endpoint_url=emulator.endpoint, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test", verify=str(emulator.ca.ca_file), config=config)


def test_translate_text_by_apertium_fixture_or_marked(emulator):
    translate = client(emulator, "translate")

    def text(words: str, target: str) -> str:
        return str(translate.translate_text(Text=words, SourceLanguageCode="en", TargetLanguageCode=target)
                   ["TranslatedText"])

    assert text("The house is big.", "es") == "La casa es grande."  # Apertium en-es
    sentence = next(iter(FIXTURES))
    assert text(sentence.capitalize() + ".", "zh") == FIXTURES[sentence]["zh"]  # no Apertium pair: the fixture
    assert text("good morning", "ja") == "[ja] good morning"  # neither: marked with the language it went to
    answer = translate.translate_text(Text="hello", SourceLanguageCode="en", TargetLanguageCode="fr",
                                      Settings={"Formality": "FORMAL"})
    assert answer["AppliedSettings"] == {"Formality": "FORMAL"}
    assert [(c["text"], c["target"]) for c in emulator.state.calls("translate")][:1] == [("The house is big.", "es")]


def test_translate_lists_its_languages(emulator):
    languages = {lang["LanguageCode"]: lang["LanguageName"]
                 for lang in client(emulator, "translate").list_languages()["Languages"]}
    assert len(languages) == 75 and languages["zh-TW"] == "Chinese (Traditional)" and languages["en"] == "English"


def test_synthesize_speech_is_real_speech_billed_by_character(emulator):
    answer = client(emulator, "polly").synthesize_speech(VoiceId="Lucia", Engine="standard", OutputFormat="pcm",
                                                         SampleRate="16000", Text="hola a todos, buenos días")
    assert answer["ContentType"] == "audio/pcm" and answer["RequestCharacters"] == len("hola a todos, buenos días")
    samples = np.frombuffer(answer["AudioStream"].read(), dtype="<i2").astype(np.float32) / 32768
    assert 1.0 < len(samples) / 16000 < 4.0  # seconds of speech for a dozen syllables
    assert np.sqrt(np.mean(samples ** 2)) > 0.02  # not silence


def test_lexicons_put_list_get_delete(emulator):
    polly = client(emulator, "polly")
    polly.put_lexicon(Name="names", Content=PLS)
    [listed] = polly.list_lexicons()["Lexicons"]
    assert listed["Name"] == "names"
    assert {k: listed["Attributes"][k] for k in ("Alphabet", "LanguageCode", "LexemesCount")} == \
        {"Alphabet": "ipa", "LanguageCode": "es-ES", "LexemesCount": 2}
    got = polly.get_lexicon(Name="names")
    assert got["Lexicon"] == {"Name": "names", "Content": PLS} and got["LexiconAttributes"]["Size"] == len(
        PLS.encode())
    polly.delete_lexicon(Name="names")
    assert polly.list_lexicons()["Lexicons"] == []
    with pytest.raises(polly.exceptions.LexiconNotFoundException):
        polly.get_lexicon(Name="names")


def test_s3_keeps_objects_path_style(emulator):
    s3 = client(emulator, "s3", request_checksum_calculation="when_required")  # a plain body (see s3.py)
    s3.put_object(Bucket="polly-out", Key="talks/es.mp3", Body=b"\xff\xfb" + b"\0" * 98, ContentType="audio/mpeg")
    head = s3.head_object(Bucket="polly-out", Key="talks/es.mp3")
    assert head["ContentType"] == "audio/mpeg" and head["ContentLength"] == 100
    assert s3.get_object(Bucket="polly-out", Key="talks/es.mp3")["Body"].read() == b"\xff\xfb" + b"\0" * 98
    with pytest.raises(botocore.exceptions.ClientError, match="NoSuchKey"):
        s3.get_object(Bucket="polly-out", Key="talks/fr.mp3")


def test_lexicons_apply_in_their_language_only_on_speech_and_tasks(emulator):
    """The emulator spoke the text as written whatever lexicons a task named; and, on SynthesizeSpeech, applied
    a lexicon of any language. Polly applies only those of the language spoken."""
    polly = client(emulator, "polly")
    polly.put_lexicon(Name="es", Content=PLS)
    polly.put_lexicon(Name="fr", Content=PLS.replace('xml:lang="es-ES"', 'xml:lang="fr-FR"')
                      .replace("Unión Europea", "Union européenne"))
    text = "la UE y el W3C"
    polly.synthesize_speech(VoiceId="Lucia", Engine="standard", OutputFormat="pcm", Text=text,
                            LexiconNames=["fr", "es"])
    polly.synthesize_speech(VoiceId="Lea", Engine="standard", OutputFormat="pcm", Text=text,
                            LexiconNames=["es"])
    spoken = [c["spoken"] for c in emulator.state.calls("polly.synthesize")]
    assert spoken == ["la Unión Europea y el World Wide Web Consortium", text]  # fr skipped; es not for Lea
    task = polly.start_speech_synthesis_task(VoiceId="Lea", Engine="standard", OutputFormat="mp3", Text=text,
                                             OutputS3BucketName="polly-out", LexiconNames=["es", "fr"])
    task_id = task["SynthesisTask"]["TaskId"]
    while polly.get_speech_synthesis_task(TaskId=task_id)["SynthesisTask"]["TaskStatus"] != "completed":
        pass
    [started] = emulator.state.calls("polly.task")
    assert started["spoken"] == "la Union européenne y el World Wide Web Consortium"


def test_an_unknown_operation_says_unsupported_operation(emulator):
    polly = client(emulator, "polly")
    with pytest.raises(polly.exceptions.ValidationException) as caught:
        polly.list_speech_synthesis_tasks()
    assert caught.value.response["reason"] == "unsupportedOperation"
