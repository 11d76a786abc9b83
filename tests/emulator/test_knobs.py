"""The emulator's knobs, seen by a real client (boto3's Translate): latency counted from the request's arrival,
faults used one per call in order, only by the calls they match, ``repeat`` kept for every call, a dropped
connection, and the YAML form ``polyglot emulator --knobs`` reads."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.config
import botocore.exceptions
import pytest

from polyglot_emulator import Emulator, Fault, Knobs
from polyglot_emulator.backend import Backend
from polyglot_emulator.knobs import Latency

WORK = 0.3  # seconds the slow backend takes to translate


def translate_client(emulator: Emulator, attempts: int = 1) -> Any:
    return boto3.client("translate", endpoint_url=emulator.endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test", verify=str(emulator.ca.ca_file),
                        config=botocore.config.Config(retries={"total_max_attempts": attempts, "mode": "standard"}))


def translate(client: Any, target: str = "fr") -> str:
    return str(client.translate_text(Text="hello", SourceLanguageCode="en", TargetLanguageCode=target)
               ["TranslatedText"])


def error_code(client: Any, target: str = "fr") -> str | None:
    try:
        translate(client, target)
    except botocore.exceptions.ClientError as exc:
        return str(exc.response["Error"]["Code"])
    return None


class SlowBackend(Backend):
    """The real backend, with translation work of a known length: what the latency knob must not add to."""

    async def translate(self, text: str, source: str, target: str,
                        terms: list[tuple[str, str]] | None = None) -> str:
        await asyncio.sleep(WORK)
        return await super().translate(text, source, target, terms)


@pytest.fixture(scope="module")
def slow_emulator() -> Iterator[Emulator]:
    with Emulator() as emulator:
        assert emulator.state is not None
        emulator.state.backend = SlowBackend()
        yield emulator


def timed(client: Any) -> float:
    began = time.monotonic()
    translate(client)
    return time.monotonic() - began


@pytest.mark.parametrize("first_byte, least, most", [(0.6, 0.6, 0.6 + WORK * 0.7), (0.1, WORK, WORK + 0.25)],
                         ids=["knob-longer-than-work", "work-longer-than-knob"])
def test_latency_is_counted_from_the_request_arrival_not_after_the_work(slow_emulator, first_byte, least, most):
    client = translate_client(slow_emulator)
    timed(client)  # connection and TLS handshake out of the way
    slow_emulator.knobs.set_latency("translate", first_byte=first_byte)
    try:
        assert least <= timed(client) < most  # the larger of the knob and the work, never their sum
    finally:
        slow_emulator.knobs.reset()


def test_faults_are_used_in_order_one_per_call(emulator):
    client = translate_client(emulator)
    emulator.knobs.inject("translate", Fault("http", "ServiceUnavailableException"))
    emulator.knobs.inject("translate", Fault("throttle"))
    assert [error_code(client) for _ in range(3)] == ["ServiceUnavailableException", "TooManyRequestsException",
                                                      None]


def test_a_fault_only_hits_the_calls_it_matches(emulator):
    client = translate_client(emulator)
    emulator.knobs.inject("translate", Fault("http", match={"target": "de"}))
    assert error_code(client, "fr") is None  # not matched: the fault stays queued
    assert error_code(client, "de") == "InternalServerException"
    assert error_code(client, "de") is None  # used up


def test_a_repeated_fault_hits_every_call_it_matches(emulator):
    client = translate_client(emulator)
    emulator.knobs.inject("translate", Fault("http", "ServiceUnavailableException", repeat=True,
                                             match={"target": "de"}))
    assert [error_code(client, t) for t in ("de", "fr", "de", "de")] == \
        ["ServiceUnavailableException", None, "ServiceUnavailableException", "ServiceUnavailableException"]


def test_a_dropped_connection_is_a_connection_error_and_a_retry_gets_through(emulator):
    emulator.knobs.inject("translate", Fault("drop"))
    with pytest.raises(botocore.exceptions.ConnectionClosedError):
        translate(translate_client(emulator))
    emulator.knobs.inject("translate", Fault("drop"))
    assert translate(translate_client(emulator, attempts=2))  # boto3 retried on a new connection
    assert emulator.state is not None and len(emulator.state.calls("translate")) == 3


def test_knobs_from_yaml_are_the_knobs_set_in_code():
    knobs = Knobs.from_dict({
        "latency": {"translate": {"first_byte": 0.15}, "polly.stream": {"first_byte": 0.2, "per_chunk": 0.01}},
        "faults": {"polly.stream": [{"kind": "exception", "error": "ServiceQuotaExceededException",
                                     "fields": {"quotaCode": "input-stream-timeout"}, "after": 2}],
                   "translate": [{"kind": "http", "repeat": True, "match": {"target": "de"}}]},
        "transcribe_script": ["one", "two"], "task_steps": 1})
    assert knobs.latency == {"translate": Latency(0.15, 0.0), "polly.stream": Latency(0.2, 0.01)}
    assert list(knobs.faults["polly.stream"]) == [Fault("exception", "ServiceQuotaExceededException",
                                                        fields={"quotaCode": "input-stream-timeout"}, after=2)]
    assert list(knobs.faults["translate"]) == [Fault("http", repeat=True, match={"target": "de"})]
    assert (knobs.transcribe_script, knobs.task_steps) == (["one", "two"], 1)
    with pytest.raises(ValueError, match="not one of http, exception, drop, throttle"):
        Knobs.from_dict({"faults": {"translate": [{"kind": "slow"}]}})


def test_translate_expansion_makes_every_translation_longer(emulator):
    client = translate_client(emulator)
    emulator.knobs.translate_expansion = 1.5
    text = str(client.translate_text(Text="one two three four, five six.", SourceLanguageCode="en",
                                     TargetLanguageCode="fr")["TranslatedText"])
    assert len(text.split()) == 9 and text.startswith("one") and "[" not in text
