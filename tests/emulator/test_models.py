"""What the emulator copies from the services' models instead of importing a client SDK for it."""

from aws_sdk_transcribe_streaming.models import LanguageCode

from polyglot_emulator.transcribe import LANGUAGE_CODES


def test_transcribe_languages_are_the_streaming_models():
    assert LANGUAGE_CODES == {code.value for code in LanguageCode}
