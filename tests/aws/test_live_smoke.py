"""Opt-in smoke test against real AWS, for wire fidelity of the emulator. Costs a few cents.

    POLYGLOT_LIVE_AWS=1 AWS_PROFILE=... scripts/test tests/aws/test_live_smoke.py

Skipped unless POLYGLOT_LIVE_AWS=1 and the standard chain finds credentials.
"""

from __future__ import annotations

import asyncio
import os

import boto3
import pytest
import soundfile

from runner.config.model import AwsConfig
from runner.engines.aws.context import context_for
from runner.engines.aws.polly import describe_voices
from runner.engines.aws.polly_stream import PollyStream, StreamRequest
from runner.engines.aws.transcribe import AmazonTranscribe, TranscribeOptions
from runner.engines.aws.translate import AmazonTranslate, TranslateOptions
from runner.frames import AudioFrame
from runner.options import defaults
from tests.conftest import THREE_UTTERANCES

pytestmark = pytest.mark.skipif(
    os.environ.get("POLYGLOT_LIVE_AWS") != "1" or boto3.Session().get_credentials() is None,
    reason="live AWS smoke test: set POLYGLOT_LIVE_AWS=1 with AWS credentials")

SETTINGS = AwsConfig(region=os.environ.get("AWS_REGION", "us-east-1"))


def test_live_polly_voices_and_stream():
    async def main():
        voices = await describe_voices(context_for(SETTINGS), engine="generative", language="en-US")
        assert voices, "no generative en-US voice"
        stream = PollyStream(context_for(SETTINGS), StreamRequest(voices[0]["Id"], "generative", "pcm", 16000,
                                                                 None, (), "text", None, 30, 0.5))
        audio = b"".join([c async for c in stream.synthesize("Hello from polyglot.")])
        await stream.close()
        return audio, stream.request_characters

    audio, characters = asyncio.run(main())
    assert len(audio) > 16000 and characters == len("Hello from polyglot.")


def test_live_translate():
    translator = AmazonTranslate(context_for(SETTINGS), "en", "es", defaults(TranslateOptions))

    async def main():
        await translator.start()
        return await translator.translate("The dog is big.")

    assert "perro" in asyncio.run(main()).lower()


def test_live_transcribe():
    data, rate = soundfile.read(str(THREE_UTTERANCES), dtype="int16")

    async def frames():
        for i in range(0, len(data), 1600):
            yield AudioFrame(data[i:i + 1600].tobytes(), 16000, 1, i / 16000)
            await asyncio.sleep(0.05)  # twice real time: the service wants live pacing

    async def main():
        stt = AmazonTranscribe(context_for(SETTINGS), "en-US", defaults(TranscribeOptions))
        return [t.text async for t in stt.transcribe(frames()) if t.final]

    finals = asyncio.run(main())
    assert any("amiable" in f.lower() for f in finals), finals
