"""The AWS context every engine shares: one boto3 client per service and endpoint, identified as polyglot's."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from runner.config.model import AwsConfig
from runner.engines.aws.context import AwsContext, context_for


def test_lanes_asking_at_once_share_one_client(emulator, monkeypatch):
    context = AwsContext(AwsConfig())
    created = []
    make = context.session.client
    monkeypatch.setattr(context.session, "client", lambda *a, **k: created.append(a) or make(*a, **k))
    with ThreadPoolExecutor(16) as pool:  # every lane of a broadcast wants its client at the same moment
        clients = list(pool.map(lambda _: context.client("translate"), range(16)))
    assert len({id(c) for c in clients}) == 1
    assert len(created) == 1  # a client costs ~100 ms of CPU to build: not one per lane
    assert context.client("polly") is not clients[0]


def test_requests_say_they_come_from_polyglot(emulator):
    client = AwsContext(AwsConfig()).client("translate")
    client.translate_text(Text="hello", SourceLanguageCode="en", TargetLanguageCode="fr")
    [call] = emulator.state.calls("translate")
    assert call["user_agent"].startswith("polyglot/0.1.0 Boto3/")


def test_a_changed_environment_gets_new_clients(emulator, monkeypatch):
    """A process that runs a second session after pointing the SDKs elsewhere (another endpoint) must not reach
    the first endpoint through a client it built before."""
    before = context_for(AwsConfig()).client("translate")
    assert context_for(AwsConfig()).client("translate") is before
    elsewhere = emulator.endpoint.replace("localhost", "127.0.0.1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_TRANSLATE", elsewhere)
    after = context_for(AwsConfig()).client("translate")
    assert after is not before and after.meta.endpoint_url == elsewhere
