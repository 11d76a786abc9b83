"""Output formats and the sample rates each allows (Amazon Polly's rules, applied to every engine so that a
config moves between the local and the AWS engines unchanged)."""

from __future__ import annotations

SAMPLE_RATES: dict[str, tuple[int, ...]] = {
    "pcm": (8000, 16000),
    "mp3": (8000, 16000, 22050, 24000, 44100, 48000),
    "ogg_vorbis": (8000, 16000, 22050, 24000, 44100, 48000),
    "ogg_opus": (48000,),
    "mulaw": (8000,),
    "alaw": (8000,),
}

# StartSpeechSynthesisTask is narrower than SynthesizeSpeech: mp3 and ogg_vorbis up to 24 kHz (its SampleRate doc).
TASK_SAMPLE_RATES: dict[str, tuple[int, ...]] = {
    **SAMPLE_RATES, "mp3": (8000, 16000, 22050, 24000), "ogg_vorbis": (8000, 16000, 22050, 24000),
}

FILE_EXTENSIONS: dict[str, str] = {
    "pcm": ".raw", "mp3": ".mp3", "ogg_vorbis": ".ogg", "ogg_opus": ".opus", "mulaw": ".ulaw", "alaw": ".alaw",
}


def default_sample_rate(fmt: str, voice_engine: str = "standard") -> int:
    """Polly's defaults: pcm 16 kHz; mp3/ogg_vorbis 22.05 kHz for standard voices, 24 kHz for the others."""
    if fmt in ("mp3", "ogg_vorbis"):
        return 22050 if voice_engine == "standard" else 24000
    return {"pcm": 16000, "ogg_opus": 48000, "mulaw": 8000, "alaw": 8000}[fmt]
