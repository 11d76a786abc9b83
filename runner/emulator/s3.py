"""Emulated S3, just enough for synthesis tasks: objects the tasks wrote, fetched path-style."""

from __future__ import annotations

from urllib.parse import unquote

from runner.emulator.common import State, error, request_id
from runner.emulator.http import Request, Response


async def handle(state: State, request: Request, response: Response) -> None:
    parts = unquote(request.path).lstrip("/").split("/", 1)
    if len(parts) != 2:
        await error(response, 400, "InvalidRequest", "path-style /bucket/key expected")
        return
    bucket, key = parts
    if request.method == "PUT":
        state.objects[(bucket, key)] = (await request.read(), request.headers.get("content-type", ""))
        await response.respond(200, b"", headers=[("etag", '"emulated"')])
        return
    found = state.objects.get((bucket, key))
    if found is None:
        body = (f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>NoSuchKey</Code><Message>The specified key "
                f"does not exist.</Message><Key>{key}</Key><RequestId>{request_id()}</RequestId></Error>")
        await response.respond(404, body.encode(), content_type="application/xml")
        return
    data, content_type = found
    state.record("s3.get", bucket=bucket, key=key)
    await response.respond(200, b"" if request.method == "HEAD" else data, content_type=content_type or
                           "binary/octet-stream", headers=[("etag", '"emulated"')])
