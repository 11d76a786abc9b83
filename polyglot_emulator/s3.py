"""Emulated S3, just enough for synthesis tasks: objects the tasks wrote, fetched path-style. A PUT stores the
body as sent: it does not decode aws-chunked uploads (boto3's default since it adds checksum trailers; a client
that PUTs here sets ``request_checksum_calculation="when_required"``)."""

from __future__ import annotations

from urllib.parse import unquote

from polyglot_emulator import errors
from polyglot_emulator.common import State
from polyglot_emulator.http import Request, Response


async def handle(state: State, request: Request, response: Response) -> None:
    parts = unquote(request.path).lstrip("/").split("/", 1)
    if len(parts) != 2 or request.method not in ("GET", "HEAD", "PUT"):
        await errors.s3_reply(state, response, "s3.unknown", "InvalidRequest",
                              f"the emulated S3 serves GET, HEAD and PUT of path-style /bucket/key, not "
                              f"{request.method} {request.path}")
        return
    bucket, key = parts
    if request.method == "PUT":
        state.objects[(bucket, key)] = (await request.read(), request.headers.get("content-type", ""))
        await response.respond(200, b"", headers=[("etag", '"emulated"')])
        return
    found = state.objects.get((bucket, key))
    if found is None:
        await errors.s3_reply(state, response, "s3.get", "NoSuchKey", "The specified key does not exist.", key)
        return
    data, content_type = found
    state.record("s3.get", bucket=bucket, key=key)
    content_type = content_type or "binary/octet-stream"
    if request.method == "HEAD":  # the object's headers, its length included, and no body
        await response.start(200, [("content-type", content_type), ("content-length", str(len(data))),
                                   ("etag", '"emulated"')])
        await response.end()
        return
    await response.respond(200, data, content_type=content_type, headers=[("etag", '"emulated"')])
