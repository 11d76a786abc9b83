"""Streaming voice activity detection with the Silero VAD model faster-whisper ships (ONNX, 1 thread).

faster-whisper's own ``SileroVADModel.__call__`` starts from a fresh state on every call, which suits whole
files; a live stream needs the recurrent state (and the last 64 samples of context) carried from one call to the
next, so this drives the same ONNX session chunk by chunk with its state kept.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

# onnxruntime (1.2x on Linux too) starts a telemetry system on its first session: a database under
# ~/.cache/Microsoft and events meant for the network. polyglot's offline engines send nothing anywhere.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

CHUNK = 512  # samples per probability at 16 kHz (32 ms): what the model is trained on
CONTEXT = 64  # samples of the previous chunk the model sees before each one


def silero_session() -> Any:
    """The ONNX session of the Silero VAD model in faster-whisper's assets (loaded once per process)."""
    global _session
    if _session is None:
        from faster_whisper.vad import get_vad_model

        _session = get_vad_model().session
    return _session


_session: Any = None


class StreamingVad:
    """Speech probabilities for consecutive 512-sample chunks of one stream. Not thread-safe: one per stream."""

    def __init__(self) -> None:
        self.session = silero_session()
        self.h = np.zeros((1, 1, 128), dtype=np.float32)
        self.c = np.zeros((1, 1, 128), dtype=np.float32)
        self.context = np.zeros(CONTEXT, dtype=np.float32)

    def probabilities(self, audio: np.ndarray) -> np.ndarray:
        """One probability per whole chunk of ``audio`` (its length a multiple of CHUNK)."""
        chunks = audio.reshape(-1, CHUNK)
        if not len(chunks):
            return np.zeros(0, dtype=np.float32)
        previous = np.vstack([self.context[None, :], chunks[:-1, -CONTEXT:]])
        batch = np.concatenate([previous, chunks], axis=1).astype(np.float32)
        out, self.h, self.c = self.session.run(None, {"input": batch, "h": self.h, "c": self.c})
        self.context = chunks[-1, -CONTEXT:].copy()
        return np.asarray(out, dtype=np.float32).reshape(-1)
