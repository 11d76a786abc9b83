"""A minimal ctypes binding to the libespeak-ng that the ``espeakng-loader`` wheel bundles (1.52, with data).

Only what synthesis needs: initialize, list voices, set voice and parameters, synthesize with a callback.
libespeak-ng keeps global state and is not thread-safe, so every call runs on one dedicated thread.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import espeakng_loader

from runner.errors import EngineUnavailable

AUDIO_OUTPUT_SYNCHRONOUS = 2
CHARS_UTF8 = 1
ENDPAUSE = 0x1000
PHONEME_INPUT = 0x100  # espeakPHONEMES: text may hold [[phoneme mnemonics]] (a glossary's pronunciations)
IPA_OUTPUT = 0x02  # espeak_TextToPhonemes: IPA, not espeak's mnemonics
PARAM_RATE = 1
PARAM_VOLUME = 2
PARAM_PITCH = 3
BUFFER_MS = 60  # callback granularity: the first audio chunk is ready after this much speech


class _Voice(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),  # (priority byte, NUL-terminated language) pairs, ending with a 0 byte
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


_Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


@dataclass(frozen=True)
class VoiceInfo:
    name: str
    identifier: str
    languages: tuple[str, ...]

    def matches(self, wanted: str) -> bool:
        w = wanted.lower()
        return w in (self.name.lower(), self.identifier.lower(), self.identifier.rsplit("/", 1)[-1].lower()) or \
            w in (lang.lower() for lang in self.languages)


class EspeakLibrary:
    """The process-wide libespeak-ng, driven from its own thread."""

    _instance: EspeakLibrary | None = None
    _instance_lock = threading.Lock()

    @classmethod
    def get(cls) -> EspeakLibrary:
        with cls._instance_lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def __init__(self) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="espeak-ng")
        self._sink: Callable[[bytes], bool] | None = None
        self._callback = _Callback(self._on_audio)  # keep a reference: ctypes must not collect it
        self.sample_rate, self.voices = self._thread.submit(self._init).result()

    def _init(self) -> tuple[int, tuple[VoiceInfo, ...]]:
        try:
            lib = ctypes.CDLL(espeakng_loader.get_library_path())
        except OSError as exc:
            raise EngineUnavailable(f"cannot load libespeak-ng from espeakng-loader: {exc}") from exc
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))
        lib.espeak_ListVoices.argtypes = [ctypes.c_void_p]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
                                     ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
        rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, BUFFER_MS,
                                     espeakng_loader.get_data_path().encode(), 0)
        if rate <= 0:
            raise EngineUnavailable("libespeak-ng failed to initialize (is the espeak-ng-data folder intact?)")
        lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
        lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_char_p), ctypes.c_int, ctypes.c_int]
        lib.espeak_SetSynthCallback(self._callback)
        self._lib = lib
        return rate, tuple(self._list_voices())

    def _list_voices(self) -> list[VoiceInfo]:
        out: list[VoiceInfo] = []
        array = self._lib.espeak_ListVoices(None)
        i = 0
        while array[i]:
            v = array[i].contents
            out.append(VoiceInfo(v.name.decode(), v.identifier.decode(), _languages(v.languages)))
            i += 1
        return out

    def find_voice(self, wanted: str) -> VoiceInfo | None:
        base = wanted.split("+", 1)[0]  # "es+f3": voice es with variant f3
        return next((v for v in self.voices if v.matches(base)), None)

    def synthesize(self, text: str, voice: str, words_per_minute: int, pitch: int,
                   on_audio: Callable[[bytes], bool], phoneme_input: bool = False) -> Future[None]:
        """Queue a synthesis on the espeak thread; ``on_audio`` gets each chunk and returns False to stop.
        ``phoneme_input``: ``[[...]]`` in the text is espeak phoneme mnemonics (a glossary's pronunciations)."""
        return self._thread.submit(self._synthesize, text, voice, words_per_minute, pitch, on_audio, phoneme_input)

    def phonemes(self, text: str, voice: str, phoneme_input: bool = False) -> str:
        """The IPA espeak-ng says ``text`` with, clause by clause (what a lexicon or pronunciation changes)."""
        return self._thread.submit(self._phonemes, text, voice, phoneme_input).result()

    def _phonemes(self, text: str, voice: str, phoneme_input: bool) -> str:
        if self._lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise EngineUnavailable(f"espeak-ng has no voice '{voice}'")
        buffer = ctypes.create_string_buffer(text.encode("utf-8"))
        pointer = ctypes.c_char_p(ctypes.addressof(buffer))
        mode = CHARS_UTF8 | (PHONEME_INPUT if phoneme_input else 0)
        clauses = []
        while pointer.value:
            clauses.append((self._lib.espeak_TextToPhonemes(ctypes.byref(pointer), mode, IPA_OUTPUT) or b"").decode())
        return " ".join(c.strip() for c in clauses if c.strip())

    def _synthesize(self, text: str, voice: str, wpm: int, pitch: int, on_audio: Callable[[bytes], bool],
                    phoneme_input: bool = False) -> None:
        if self._lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise EngineUnavailable(f"espeak-ng has no voice '{voice}'")
        self._lib.espeak_SetParameter(PARAM_RATE, wpm, 0)
        self._lib.espeak_SetParameter(PARAM_PITCH, pitch, 0)
        data = text.encode("utf-8")
        self._sink = on_audio
        try:
            flags = CHARS_UTF8 | ENDPAUSE | (PHONEME_INPUT if phoneme_input else 0)
            err = self._lib.espeak_Synth(data, len(data) + 1, 0, 0, 0, flags, None, None)
        finally:
            self._sink = None
        if err != 0:
            raise RuntimeError(f"espeak_Synth failed with status {err}")

    def _on_audio(self, wav: ctypes._Pointer, numsamples: int, events: int) -> int:
        if numsamples > 0 and self._sink is not None:
            if not self._sink(ctypes.string_at(wav, numsamples * 2)):
                return 1  # abort synthesis
        return 0


def _languages(ptr: int | None) -> tuple[str, ...]:
    """Decode espeak's packed language list: repeated (priority byte, C string), ended by a zero byte."""
    if not ptr:
        return ()
    out = []
    offset = 0
    while ctypes.c_ubyte.from_address(ptr + offset).value != 0:
        lang = ctypes.string_at(ptr + offset + 1)
        out.append(lang.decode(errors="replace"))
        offset += 1 + len(lang) + 1
    return tuple(out)
