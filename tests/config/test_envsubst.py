import pytest

from runner.config.envsubst import InterpolationError, interpolate

ENV = {"RATE": "22050", "EMPTY": "", "NAME": "es"}


@pytest.mark.parametrize("text,expected", [
    ("${RATE}", "22050"),
    ("out/${NAME}.wav", "out/es.wav"),
    ("${MISSING:-16000}", "16000"),
    ("${EMPTY:-fallback}", "fallback"),
    ("${EMPTY-fallback}", ""),
    ("${MISSING-fallback}", "fallback"),
    ("${MISSING:-${NAME}}", "es"),
    ("$$HOME", "$HOME"),
    ("cost $5", "cost $5"),
    ("plain", "plain"),
])
def test_forms(text, expected):
    assert interpolate(text, ENV).text == expected


def test_unchanged_text_is_reported_as_unchanged():
    assert not interpolate("plain $ text", ENV).changed
    assert interpolate("${NAME}", ENV).changed


@pytest.mark.parametrize("text,message", [
    ("${MISSING}", "MISSING is not set"),
    ("${MISSING:?set the mic name}", "MISSING: set the mic name"),
    ("${EMPTY:?must not be empty}", "EMPTY: must not be empty"),
    ("${unterminated", "unterminated"),
    ("${1BAD}", "invalid variable name"),
    ("${NAME:+x}", "invalid expression"),
])
def test_errors(text, message):
    with pytest.raises(InterpolationError, match=message):
        interpolate(text, ENV)
