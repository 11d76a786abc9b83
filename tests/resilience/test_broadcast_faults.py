"""The broadcast pipeline, run as a user runs it, while every service fails at random now and then: each
utterance is spoken once per language, in order, or reported lost with its reason, and the exit code says
which. At real time and as fast as the engines go."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

from polyglot_emulator import Emulator, Fault
from runner.testing.cli import assert_no_traceback, polyglot
from runner.testing.recordings import tone_bursts
from tests.conftest import REPO

SCRIPT = [f"sentence number {n} of the talk" for n in range(1, 13)]
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
    retries = [e for e in events if e["event"] == "notice" and e["code"] in ("retry", "reconnect")]
    assert retries, "the faults were not met"
