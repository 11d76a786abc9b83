"""What the services refuse at their first request is a located error before the run (exit 78): Polly task
settings against Polly's model, Transcribe language codes against its streaming SDK's model (and one dialect per
language identified), Translate's languages, S3 bucket names. Pure: no emulator, no network."""

from __future__ import annotations

import pytest

from runner.config.load import load
from tests.support.cli import assert_no_traceback, polyglot
from tests.support.sessions import diagnostics_of

HEAD = """\
version: 1
language: {language}
source: {{type: file, path: {rec}}}
speech_to_text: {stt}
translation: {{provider: {translation}}}
text_to_speech: {tts}
targets:
{targets}
"""
POLLY_TASK = "{provider: polly, mode: task, task: {bucket: %s%s, speech_mark_types: %s}, text_type: %s}"


@pytest.fixture
def recording(tmp_path):
    from tests.support.recordings import tone_bursts

    return tone_bursts(tmp_path / "talk.wav", [0.5])


def errors(write_config, recording, *, language="en-US", stt="{provider: transcribe}", translation="translate",
           tts="{provider: fake}", targets="  - {language: es-ES, voice: Lucia}") -> list[tuple[str, str]]:
    text = HEAD.format(language=language, rec=recording, stt=stt, translation=translation, tts=tts, targets=targets)
    loaded = load(write_config(text))
    assert loaded.ok, loaded.diagnostics
    return [(d.path, d.message) for d in diagnostics_of(loaded) if d.severity == "error"]


def polly_task(bucket="polyglot-out", arn="", marks="[]", text_type="text") -> str:
    return POLLY_TASK % (bucket, f", sns_topic_arn: {arn}" if arn else "", marks, text_type)


REFUSED = {
    "ssml speech marks of plain text": (dict(tts=polly_task(marks="[word, ssml]")),
                                        "/text_to_speech/task/speech_mark_types", "ssml speech marks need SSML"),
    "a bucket name with capitals": (dict(tts=polly_task(bucket="My_Bucket")), "/text_to_speech/task/bucket",
                                    "'My_Bucket' is not an S3 bucket name"),
    "a bucket name with two dots": (dict(tts=polly_task(bucket="my..bucket")), "/text_to_speech/task/bucket",
                                    "two dots in a row"),
    "a bucket named like an IP address": (dict(tts=polly_task(bucket="192.168.5.4")),
                                          "/text_to_speech/task/bucket", "written as an IP address"),
    "a malformed SNS topic ARN": (dict(tts=polly_task(arn="'arn:aws:sns:us-east-1:topic'")),
                                  "/text_to_speech/task/sns_topic_arn", "is not an SNS topic ARN"),
    "a language without its dialect": (dict(language="en"), "/language",
                                       "give one of its dialects (en-US, en-GB"),
    "a language Transcribe does not hear": (dict(language="eo", translation="fake"), "/language",
                                            "Transcribe streaming does not transcribe eo"),
    "a code spelled in another case": (dict(stt="{provider: transcribe, language_code: en-us}"),
                                       "/speech_to_text/language_code", "spells it en-US"),
    "two dialects of one language identified": (
        dict(stt="{provider: transcribe, identify_language: true, language_options: [en-US, es-ES, en-GB]}"),
        "/speech_to_text/language_options/2", "en-GB is a second dialect of en-US's language"),
    "a target Translate does not serve": (dict(targets="  - {language: eo}", stt="{provider: fake}"),
                                          "/targets/0/language", "Amazon Translate does not translate eo"),
    "a speaker Translate does not serve": (dict(language="yue-HK", stt="{provider: fake}"), "/language",
                                           "Amazon Translate does not translate yue"),
}


@pytest.mark.parametrize("name", REFUSED)
def test_what_the_service_refuses_is_a_located_error(write_config, recording, name):
    settings, pointer, message = REFUSED[name]
    found = errors(write_config, recording, **settings)
    assert [p for p, m in found if message in m] == [pointer], found


def test_what_the_services_take_passes(write_config, recording):
    tts = polly_task(arn="arn:aws:sns:eu-west-1:123456789012:polyglot-tasks", marks="[word, ssml]",
                     text_type="ssml")
    stt = "{provider: transcribe, identify_language: true, language_options: [en-US, es-ES, fr-FR]}"
    targets = ("  - {language: es-ES, voice: Lucia}\n  - {language: zh-TW, voice: Zhiyu}\n"
               "  - {language: pt-PT, voice: Ines}")
    assert errors(write_config, recording, stt=stt, tts=tts, targets=targets) == []


def test_validate_says_it_in_one_located_line(write_config, recording, tmp_path):
    path = write_config(HEAD.format(language="en", rec=recording, stt="{provider: transcribe}",
                                    translation="translate", tts="{provider: fake}", targets="  - {language: es}"))
    result = polyglot("validate", path, cwd=tmp_path)
    assert_no_traceback(result)
    assert result.returncode == 78, result.stdout + result.stderr
    [line] = [x for x in result.stdout.splitlines() if "error[transcribe-language]" in x]
    assert line.startswith(f"{path}:2:11:") and "/language:" in line, line
