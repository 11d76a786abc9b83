"""What every AWS engine shares: credentials and region from the standard AWS chain, boto3 clients, and the
configuration of the smithy-based streaming clients (awscrt HTTP/2 transport, same credentials).

Endpoints follow the SDKs' own overrides (``AWS_ENDPOINT_URL_POLLY``, ``AWS_ENDPOINT_URL_TRANSLATE``,
``AWS_ENDPOINT_URL_TRANSCRIBE_STREAMING``, ``AWS_ENDPOINT_URL_S3``), or an engine's ``endpoint_url`` option.
"""

from __future__ import annotations

import asyncio
import os
import platform
import threading
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.credentials
import botocore.exceptions
from botocore.config import Config as BotocoreConfig
from smithy_aws_core.identity.components import AWSCredentialsIdentity, AWSIdentityProperties
from smithy_core.aio.interfaces.identity import IdentityResolver

from runner import __version__
from runner.config.model import AwsConfig
from runner.errors import CredentialsError

POOL_CONNECTIONS = 64  # one per target lane and then some: boto3's default of 10 would serialize a broadcast
# A fixed User-Agent: requests show up as polyglot's in CloudTrail, and botocore does not rebuild its own
# (twice per request, about a fifth of a Translate call's client CPU) when one is given.
USER_AGENT = (f"polyglot/{__version__} Boto3/{boto3.__version__} md/Botocore#{botocore.__version__} "
              f"lang/python#{platform.python_version()} os/{platform.system().lower()}")


class BotocoreCredentials(IdentityResolver[AWSCredentialsIdentity, AWSIdentityProperties]):
    """Hands the smithy clients the credentials boto3 resolved (profiles, SSO, roles), refreshed as they expire."""

    def __init__(self, credentials: botocore.credentials.Credentials) -> None:
        self._credentials = credentials

    async def get_identity(self, *, properties: AWSIdentityProperties) -> AWSCredentialsIdentity:
        frozen = await asyncio.to_thread(self._credentials.get_frozen_credentials)
        return AWSCredentialsIdentity(access_key_id=frozen.access_key, secret_access_key=frozen.secret_key,
                                      session_token=frozen.token)


@dataclass
class AwsContext:
    settings: AwsConfig

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._creating = threading.Lock()  # one client per key, even when every lane asks at once
        self._session: boto3.Session | None = None
        self._clients: dict[tuple[str, str | None], Any] = {}

    @property
    def session(self) -> boto3.Session:
        with self._lock:
            if self._session is None:
                try:
                    self._session = boto3.Session(profile_name=self.settings.profile,
                                                  region_name=self.settings.region)
                except botocore.exceptions.ProfileNotFound as exc:
                    name = exc.kwargs.get("profile", self.settings.profile)
                    raise CredentialsError(f"AWS profile '{name}' is not in the shared config or credentials "
                                           "files") from exc
            return self._session

    @property
    def region(self) -> str:
        region = self.session.region_name
        if not region:
            raise CredentialsError("no AWS region: set aws.region in the pipeline, AWS_REGION, or --region")
        return region

    def credentials(self) -> botocore.credentials.Credentials:
        try:
            credentials = self.session.get_credentials()
        except botocore.exceptions.BotoCoreError as exc:
            raise CredentialsError(f"AWS credentials could not be loaded: {exc}") from exc
        if credentials is None:
            where = f"profile '{self.settings.profile}'" if self.settings.profile else \
                "environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), shared credentials file, AWS_PROFILE"
            raise CredentialsError(f"no AWS credentials found (looked in: {where}); set them or use --profile")
        return credentials

    def client(self, service: str, endpoint_url: str | None = None, timeout: float = 30) -> Any:
        """A boto3 client, shared per (service, endpoint); thread-safe for calls."""
        key = (service, endpoint_url)
        with self._creating:
            if key in self._clients:
                return self._clients[key]
            client = self._clients[key] = self.own_client(service, endpoint_url, timeout)
            return client

    def own_client(self, service: str, endpoint_url: str | None = None, timeout: float = 30) -> Any:
        """A boto3 client of the caller's own, not shared: close it when done, so that its pooled connections
        do not outlive the one call it was for."""
        self.credentials()  # fail here, clearly, rather than inside the first call
        extra: dict[str, Any] = {"s3": {"addressing_style": "path"}} if service == "s3" else {}
        config = BotocoreConfig(max_pool_connections=POOL_CONNECTIONS, connect_timeout=min(timeout, 10),
                                read_timeout=timeout, retries={"total_max_attempts": 1, "mode": "standard"},
                                user_agent=USER_AGENT, **extra)  # no SDK retries: polyglot retries visibly
        return self.session.client(service, region_name=self.region, endpoint_url=endpoint_url, config=config)

    async def smithy_config(self, config_class: Any, endpoint_url: str | None) -> Any:
        """Resolved config for a smithy client: this context's region and credentials, the awscrt transport."""
        from runner.engines.aws.transport import (
            CheckedCRTClient,
            ignore_cancelled_future_errors,
            read_event_streams_directly,
        )

        ignore_completed_stream_writes(asyncio.get_running_loop())
        ignore_cancelled_future_errors()
        read_event_streams_directly()
        overrides: dict[str, Any] = {
            "region": self.region,
            "transport": CheckedCRTClient(),
            "aws_credentials_identity_resolver": BotocoreCredentials(self.credentials()),
        }
        if endpoint_url:
            overrides["endpoint_uri"] = endpoint_url
        return await config_class.resolve(**overrides)


def ignore_completed_stream_writes(loop: asyncio.AbstractEventLoop) -> None:
    """awscrt writes the end of a request body in a background task. When the service has already ended the
    stream (Polly does right after CloseStreamEvent, Transcribe after an exception), that write fails and
    asyncio logs the unretrieved error. Nothing is lost, so that one error is dropped; everything else still
    reaches the previous handler."""
    if getattr(loop, "_polyglot_crt_filter", False):
        return
    previous = loop.get_exception_handler()

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if exc is not None and "AWS_ERROR_HTTP_STREAM_HAS_COMPLETED" in f"{exc!r}":
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)
    loop._polyglot_crt_filter = True  # type: ignore[attr-defined]


_contexts: dict[tuple[object, ...], AwsContext] = {}


def context_for(settings: AwsConfig) -> AwsContext:
    """One context per (profile, region, AWS environment) in a process, so every engine shares its session and
    clients. The environment is part of the key because the SDKs read endpoints, CA bundles and credentials
    from it when a client is built: a process that runs another session after changing them (tests, embedding
    applications) must not reach the old endpoint through a cached client."""
    environment = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("AWS_") or k == "SSL_CERT_FILE"))
    key = (settings.profile, settings.region, environment)
    if key not in _contexts:
        _contexts[key] = AwsContext(settings)
    return _contexts[key]
