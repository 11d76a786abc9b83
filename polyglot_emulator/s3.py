"""Emulated S3, path-style (/bucket/key): GetObject and HeadObject (synthesis tasks' results), PutObject (with
its Content-Type and Cache-Control, and faults: ``s3.put``), DeleteObject and ListObjectsV2 (the HLS output's
publishing). Buckets are not modelled: any bucket holds any key. An upload in the aws-chunked encoding (boto3's
default, to send a checksum trailer) is decoded; its checksum is not verified."""

from __future__ import annotations

from urllib.parse import unquote
from xml.sax.saxutils import escape

from polyglot_emulator import errors
from polyglot_emulator.common import State, http_fault
from polyglot_emulator.http import Request, Response

LOGGED_BODY_BYTES = 64 * 1024  # PUTs record their body in the log up to this size (playlists, for the tests)


async def handle(state: State, request: Request, response: Response) -> None:
    parts = unquote(request.path).lstrip("/").split("/", 1)
    if len(parts) == 1 and parts[0] and request.method == "GET" and request.query.get("list-type") == ["2"]:
        await _list(state, parts[0], request, response)
        return
    if len(parts) != 2 or request.method not in ("GET", "HEAD", "PUT", "DELETE"):
        await errors.s3_reply(state, response, "s3.unknown", "InvalidRequest",
                              f"the emulated S3 serves GET, HEAD, PUT and DELETE of path-style /bucket/key and "
                              f"ListObjectsV2, not {request.method} {request.path}")
        return
    bucket, key = parts
    if request.method == "PUT":
        await _put(state, bucket, key, request, response)
        return
    if request.method == "DELETE":
        state.objects.pop((bucket, key), None)
        state.record("s3.delete", bucket=bucket, key=key)
        await response.respond(204, b"")
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


async def _put(state: State, bucket: str, key: str, request: Request, response: Response) -> None:
    body = await request.read()
    fault = state.knobs.take_fault("s3.put", key=key)
    if fault is not None and await http_fault(state, response, "s3.put", fault):
        return
    if "aws-chunked" in request.headers.get("content-encoding", ""):
        body = decode_aws_chunked(body)
    content_type = request.headers.get("content-type", "")
    state.objects[(bucket, key)] = (body, content_type)
    state.record("s3.put", bucket=bucket, key=key, size=len(body), content_type=content_type,
                 cache_control=request.headers.get("cache-control", ""),
                 body=body if len(body) <= LOGGED_BODY_BYTES else None)
    await response.respond(200, b"", headers=[("etag", '"emulated"')])


async def _list(state: State, bucket: str, request: Request, response: Response) -> None:
    """ListObjectsV2, in one page (the emulator holds few objects)."""
    prefix = request.query.get("prefix", [""])[0]
    keys = sorted(k for b, k in state.objects if b == bucket and k.startswith(prefix))
    contents = "".join(f"<Contents><Key>{escape(k)}</Key><Size>{len(state.objects[(bucket, k)][0])}</Size>"
                       f"<ETag>\"emulated\"</ETag><StorageClass>STANDARD</StorageClass></Contents>" for k in keys)
    xml = (f'<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
           f"<Name>{escape(bucket)}</Name><Prefix>{escape(prefix)}</Prefix><KeyCount>{len(keys)}</KeyCount>"
           f"<MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>{contents}</ListBucketResult>")
    state.record("s3.list", bucket=bucket, prefix=prefix)
    await response.respond(200, xml.encode(), content_type="application/xml")


def decode_aws_chunked(body: bytes) -> bytes:
    """The payload of an aws-chunked body: ``hex-size[;chunk-signature=...]\\r\\ndata\\r\\n`` chunks up to a zero
    one, then trailers (the checksum), which are dropped."""
    out = bytearray()
    at = 0
    while True:
        line_end = body.index(b"\r\n", at)
        size = int(body[at:line_end].split(b";", 1)[0], 16)
        at = line_end + 2
        if size == 0:
            return bytes(out)
        out += body[at:at + size]
        at += size + 2
