"""The broadcast pipeline, run as a user runs it, while every service fails at random now and then, Polly's audio
pauses part-way, and one utterance is over Polly's 3,000 characters: each utterance is spoken once per
language, in order, or reported lost with its reason, and the exit code says which; no audio Polly sent for a
sentence is lost to a pause. At real time and as fast as the engines go."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

from polyglot_emulator import Emulator, Fault
from tests.conftest import REPO
from tests.support.cli import assert_no_traceback, polyglot
from tests.support.recordings import tone_bursts

# Over Polly's 3,000 characters once translated, with no punctuation (as Transcribe may give it): sent in pieces.
LONG = " ".join(["the minister thanked the delegates from every region for their patience"] * 48)
SCRIPT = [f"sentence number {n} of the talk" for n in range(1, 13)]
SCRIPT.insert(6, LONG)
PCM = ("es-ES", "fr-FR", "it-IT", "pt-BR")  # the stream targets whose sinks get Polly's bytes as they are
VOICES = {"es-ES": "Lucia", "fr-FR": "Lea", "de-DE": "Vicki", "it-IT": "Bianca", "pt-BR": "Camila",
          "cmn-CN": "Zhiyu"}
TRANSLATE_CODES = {"es-ES": "es", "fr-FR": "fr", "de-DE": "de", "it-IT": "it", "pt-BR": "pt", "cmn-CN": "zh"}
LOST_CODES = {"engine-error", "dropped", "unfinished", "target-failed"}


def inject_random_faults(emulator: Emulator, rng: random.Random) -> list[str]:
    """Transient faults on every service, at random moments. Returns what was injected, for the failure
    message."""
    knobs = emulator.knobs
    injected = []

    def inject(operation: str, fault: Fault) -> None:
        knobs.inject(operation, fault)
        injected.append(f"{operation}: {fault.kind} {fault.error} after {fault.after} {fault.match}")

    for _ in range(3):  # the recognizer's connection: dropped, or the service fails, mid-stream
        kind = rng.choice(["drop", "exception", "throttle"])
        error = "InternalFailureException" if kind == "exception" else ""
        inject("transcribe.stream", Fault(kind, error, after=rng.randint(1, 12)))
    for code in TRANSLATE_CODES.values():
        for _ in range(rng.randint(0, 2)):
            kind = rng.choice(["throttle", "http"])
            inject("translate", Fault(kind, "InternalServerException" if kind == "http" else "",
                                      match={"target": code}))
    for voice in VOICES.values():
        if voice == "Zhiyu":  # SynthesizeSpeech: refused, or cut part-way through its audio
            for _ in range(rng.randint(1, 2)):
                kind = rng.choice(["throttle", "http", "drop"])
                inject("polly.synthesize", Fault(kind, "ServiceFailureException" if kind == "http" else "",
                                                 after=rng.randint(1, 6) if kind == "drop" else 0,
                                                 match={"voice": voice}))
            continue
        for _ in range(rng.randint(1, 2)):  # its audio stalls part-way (service jitter), then goes on
            inject("polly.stream", Fault("pause", after=rng.randint(1, 3), seconds=rng.uniform(0.5, 2.0),
                                         match={"voice": voice}))
        for _ in range(rng.randint(1, 2)):  # its stream: failures, throttling and quotas mid-stream
            kind = rng.choice(["exception", "throttle", "quota"])
            after = rng.randint(1, 4)
            if kind == "quota":
                fault = Fault("exception", "ServiceQuotaExceededException", after=after,
                              fields={"quotaCode": "input-stream-timeout", "serviceCode": "polly"})
            elif kind == "exception":
                fault = Fault("exception", "ServiceFailureException", after=after)
            else:
                fault = Fault("throttle", after=after)
            fault.match = {"voice": voice}
            inject("polly.stream", fault)
    return injected


@pytest.mark.parametrize("pace", ["--realtime", "--fast"])
def test_broadcast_delivers_each_utterance_once_or_says_it_lost_it(emulator, tmp_path, pace):
    seed = int(os.environ.get("POLYGLOT_FAULT_SEED") or random.randrange(1 << 30))
    print(f"fault seed {seed} (POLYGLOT_FAULT_SEED={seed} repeats this run)")
    rng = random.Random(seed)
    emulator.knobs.transcribe_script = SCRIPT
    rec = tone_bursts(tmp_path / "talk.wav", [0.6] * len(SCRIPT), gap=0.9)
    env = {**emulator.env(), "HOME": str(tmp_path), "POLYGLOT_LISTEN_PORT": "0"}
    synced = polyglot("lexicons", "sync", REPO / "pipelines/broadcast.yaml", env=env)
    assert synced.returncode == 0, synced.stderr
    injected = inject_random_faults(emulator, rng)

    result = polyglot("run", REPO / "pipelines/broadcast.yaml", "--input", rec, pace, "-o", tmp_path, env=env)

    context = f"seed {seed}; injected:\n" + "\n".join(injected) + "\n" + result.stderr
    assert_no_traceback(result)
    events = [json.loads(line) for line in Path(tmp_path / "events.jsonl").read_text().splitlines()]
    finals = [e for e in events if e["event"] == "transcript" and e["final"] and e["text"]]
    assert [e["text"] for e in finals] == SCRIPT, context  # heard once each, in order, through every reconnect
    ids = [e["utterance"] for e in finals]
    assert ids == [f"u{n:04d}" for n in range(1, len(SCRIPT) + 1)], context
    lost_anything = False
    for language in VOICES:
        spoken = [e["utterance"] for e in events if e["event"] == "spoken" and e["scope"] == language]
        assert spoken == sorted(set(spoken)), f"{language}: spoken twice or out of order {spoken}\n{context}"
        reported = {e.get("utterance") for e in events if e["event"] == "notice" and e["scope"] == language
                    and e["level"] == "error" and e["code"] in LOST_CODES}
        for uid in ids:
            if uid not in spoken:
                lost_anything = True
                assert uid in reported or any(uid in e["message"] for e in events if e["event"] == "notice"
                                              and e["scope"] == language and e["code"] == "unfinished"), \
                    f"{language}: {uid} neither spoken nor reported lost\n{context}"
    assert result.returncode == (1 if lost_anything else 0), context
    voice_of = {voice: language for language, voice in VOICES.items()}
    for language in PCM:  # every byte of every sentence's finished stream was spoken, none taken for another's
        if any(e["event"] == "notice" and e["scope"] == language and e["level"] == "error" for e in events):
            continue
        sent = sum(c["audio_bytes"] for c in emulator.state.calls("polly.stream")
                   if voice_of[c["voice"]] == language and c["texts"] and "audio_bytes" in c)
        spoken = sum(e["bytes"] for e in events if e["event"] == "spoken" and e["scope"] == language)
        assert spoken == sent, f"{language}: {spoken} bytes spoken of the {sent} Polly sent\n{context}"
    retries = [e for e in events if e["event"] == "notice" and e["code"] in ("retry", "reconnect")]
    assert retries, "the faults were not met"
    assert any(c.get("paused") for c in emulator.state.calls("polly.stream")), "no pause was met"
    pieces = [c for c in emulator.state.calls("polly.stream") if c["texts"] and len(c["texts"][0]) > 1000]
    assert pieces and all(len(c["texts"][0]) <= 3000 for c in pieces), "the long utterance went whole"
