"""One source connection to an Icecast server (2.4+): an HTTP PUT of the mount, ``Expect: 100-continue``,
basic auth, the stream's ``ice-*`` headers, and a body that lasts as long as the stream does.

Icecast answers 200 once the mount is ours (401: wrong credentials, 403: mount in use or source limit) and
then sends nothing until it drops us; the response "body" ends when the server closes the connection, which
is how a mid-run disconnect is noticed. The MP3 title is updated through ``/admin/metadata`` with the same
credentials (Icecast lets a source update its own mount).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import re
from collections.abc import AsyncIterator

import aiohttp

CONNECT_SECONDS = 10.0
# Icecast 2.4 reads a source's body raw, to the end of the connection: it does not decode chunked transfer
# encoding (the chunk sizes would land in the stream), and an HTTP/1.1 body needs a length or chunks. So the
# request declares a length no stream reaches (years at any bitrate) and the body ends when we close.
UNBOUNDED_LENGTH = str(10**12)
REFUSALS = {
    401: "wrong user or password",
    403: "the mount is in use, not allowed, or the server has its maximum of sources",
    404: "no such mount on this server",
}


class SourceRefused(Exception):
    """The server answered, and said no: permanent until someone changes the server or the config."""


class SourceUnreachable(Exception):
    """No answer: connection refused, timed out, dropped before the server said yes or no."""


class SourceConnection:
    def __init__(self, http: aiohttp.ClientSession, base_url: str, mount: str, user: str, password: str,
                 headers: dict[str, str]) -> None:
        self.http = http
        self.url = base_url.rstrip("/") + mount
        self.base_url = base_url.rstrip("/")
        self.mount = mount
        self._auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        self.headers = headers
        self._response: aiohttp.ClientResponse | None = None
        self._closed_by_server: asyncio.Task[None] | None = None

    async def open(self, body: AsyncIterator[bytes]) -> None:
        """Claim the mount and start sending ``body``; raises SourceRefused or SourceUnreachable."""
        timeout = aiohttp.ClientTimeout(total=None, connect=CONNECT_SECONDS, sock_connect=CONNECT_SECONDS,
                                        sock_read=None)
        try:
            response = await self.http.put(self.url, data=body, expect100=True, timeout=timeout, headers={
                **self.headers, "Authorization": self._auth, "Content-Length": UNBOUNDED_LENGTH})
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise SourceUnreachable(_reason(exc)) from exc
        if response.status != 200:
            detail = await _short_text(response)
            response.close()
            meaning = REFUSALS.get(response.status, response.reason or "refused")
            raise SourceRefused(f"{response.status} {meaning}" + (f" ({detail})" if detail else ""))
        self._response = response
        self._closed_by_server = asyncio.create_task(self._until_closed(response))

    async def _until_closed(self, response: aiohttp.ClientResponse) -> None:
        with contextlib.suppress(aiohttp.ClientError, OSError, TimeoutError):
            while await response.content.read(4096):
                pass

    async def closed(self) -> None:
        """Until the server ends the connection (or the connection breaks)."""
        if self._closed_by_server is not None:
            await asyncio.shield(self._closed_by_server)

    async def update_title(self, title: str) -> None:
        """The stream's title (MP3: what players show as the ICY StreamTitle). Best effort."""
        params = {"mount": self.mount, "mode": "updinfo", "song": title, "charset": "UTF-8"}
        with contextlib.suppress(aiohttp.ClientError, OSError, TimeoutError):
            async with self.http.get(f"{self.base_url}/admin/metadata", params=params,
                                     headers={"Authorization": self._auth},
                                     timeout=aiohttp.ClientTimeout(total=5)) as response:
                await response.read()

    async def close(self) -> None:
        if self._closed_by_server is not None:
            self._closed_by_server.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._closed_by_server
            self._closed_by_server = None
        if self._response is not None:
            self._response.close()
            self._response = None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return f"no answer within {CONNECT_SECONDS:g}s"
    if isinstance(exc, aiohttp.ClientConnectorError) and exc.os_error is not None:
        error = exc.os_error  # asyncio words it "Connect call failed (...)": the errno says it better
        return os.strerror(error.errno) if error.errno else str(error)
    return str(exc) or type(exc).__name__


async def _short_text(response: aiohttp.ClientResponse) -> str:
    """The server's own words, tags stripped, on one line (Icecast's error pages are a few words)."""
    with contextlib.suppress(Exception):
        text = (await asyncio.wait_for(response.content.read(2048), 2)).decode("utf-8", "replace")
        return " ".join(re.sub(r"<[^>]*>", " ", text).split())[:200]
    return ""
