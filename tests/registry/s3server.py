"""A real S3-compatible server on loopback for the tests and the benchmark: moto's server mode in a
process of its own, on an ephemeral port, with an injectable per-request latency.

Run as a script it prints ``PORT`` on its first line and serves until killed. The latency is set at
run time by ``PUT /_latency/<milliseconds>`` (answered by the wrapper, never seen by moto): every
other request then sleeps that long before moto answers it, which is how a distant store's round
trip is simulated. Credentials are moto's: any key is accepted.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",  # never ask an instance-metadata address for credentials
}


class Latency:
    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app, self.seconds = app, 0.0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_latency/"):
            self.seconds = float(path.rsplit("/", 1)[1]) / 1000
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        if self.seconds:
            time.sleep(self.seconds)
        answer = _ranged_get(environ) or _list_versions(environ)
        if answer is not None:
            status, headers, body = answer
            start_response(status, headers)
            return [body]
        return self.app(environ, start_response)


_RANGE = re.compile(r"bytes=(\d+)-(\d+)$")


def _ranged_get(environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes] | None:
    """A ranged GET of an object answered from moto's own storage, reading only the range: moto reads
    the whole object for every range request (a 2 GiB object hashed in 8 MiB ranges would cost 512
    GiB of copying in the server, which measures moto, not aicop). Anything unusual (no version
    match, an odd range, extra parameters) goes to moto as before."""
    match = _RANGE.match(environ.get("HTTP_RANGE", ""))
    if environ.get("REQUEST_METHOD") != "GET" or match is None:
        return None
    from urllib.parse import parse_qs, unquote

    query = parse_qs(environ.get("QUERY_STRING", ""))
    if set(query) - {"versionId"}:
        return None
    bucket_name, _, key_name = unquote(environ.get("PATH_INFO", "")).lstrip("/").partition("/")
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    try:
        backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
        key = backend.get_object(bucket_name, key_name, version_id=query.get("versionId", [None])[0])
    except Exception:  # any lookup moto would answer differently: let it
        return None
    if key is None or not hasattr(key, "_value_buffer"):
        return None
    begin, end = int(match.group(1)), int(match.group(2))
    size = key.size
    if begin >= size:
        return None
    end = min(end, size - 1)
    with key.lock:
        key._value_buffer.seek(begin)
        body = key._value_buffer.read(end - begin + 1)
    headers = [
        ("Content-Type", "binary/octet-stream"),
        ("Content-Length", str(len(body))),
        ("Content-Range", f"bytes {begin}-{end}/{size}"),
        ("ETag", key.etag),
        ("Last-Modified", key.last_modified_RFC1123),
        ("Accept-Ranges", "bytes"),
        ("x-amz-version-id", str(key.version_id)),
    ]
    return "206 Partial Content", headers, body


def share_buffers_when_listing() -> None:
    """moto's ListObjectVersions deep-copies every version of every key in the bucket, for every page
    it answers, only to set ``is_latest`` on the copies; a deep copy of a key writes the object's whole
    content into a new temporary file. A listing of 10,000 objects (10 pages) thus copied the bucket's
    bytes ten times, and those deleted temporary files stayed open until collected: 53 GB of them
    filled the disk. Here a key's deep copy is a shallow one that shares the content buffer and never
    closes it; the listing reads only the keys' metadata."""
    from moto.s3.models import FakeKey

    dispose = FakeKey.dispose

    def dispose_own(self: FakeKey, garbage: bool = False) -> None:
        if not self.__dict__.get("_listed_copy"):  # a listing's copy: the buffer is the original's
            dispose(self, garbage)

    def shallow(self: FakeKey, memo: dict[int, Any]) -> FakeKey:
        clone = object.__new__(FakeKey)
        clone.__dict__.update(self.__dict__)
        clone.__dict__["_listed_copy"] = True
        return clone

    FakeKey.dispose = dispose_own  # type: ignore[method-assign]
    FakeKey.__deepcopy__ = shallow  # type: ignore[attr-defined]


_LISTING = {"versions", "prefix", "key-marker", "version-id-marker", "max-keys", "encoding-type"}


def _list_versions(environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes] | None:
    """ListObjectVersions without a delimiter (how s3fs lists a prefix), answered from moto's keys.
    moto's own answer costs about 0.4 ms of CPU per version in its generic response serializer (4 s
    of the server's CPU for 10,000 objects, more than the scan of those objects), which would
    measure moto's listing, not aicop's re-run. Same contents and paging as S3: versions by key,
    newest first, delete markers among them, ``max-keys`` entries a page, the next page after
    ``key-marker``/``version-id-marker``. Anything else (a delimiter, other parameters) goes to moto."""
    from urllib.parse import parse_qs, quote, unquote
    from xml.sax.saxutils import escape

    query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).items()}
    if query.get("delimiter") == "":  # what s3fs sends: no delimiter
        del query["delimiter"]
    if environ.get("REQUEST_METHOD") != "GET" or "versions" not in query or set(query) - _LISTING:
        return None
    bucket_name = unquote(environ.get("PATH_INFO", "")).strip("/")
    if not bucket_name or "/" in bucket_name or query.get("encoding-type", "url") != "url":
        return None
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import FakeDeleteMarker, s3_backends

    try:
        bucket = s3_backends[DEFAULT_ACCOUNT_ID]["aws"].get_bucket(bucket_name)
        max_keys = int(query.get("max-keys", "1000"))
    except Exception:  # no such bucket, a bad number: moto's own error
        return None
    prefix, key_marker = query.get("prefix", ""), query.get("key-marker", "")
    version_marker = query.get("version-id-marker", "")
    encode = (lambda text: quote(text, safe="")) if "encoding-type" in query else escape
    names = [n for n in sorted(bucket.keys) if n.startswith(prefix) and n >= key_marker]  # sorted(): atomic
    entries: list[str] = []
    last: tuple[str, str] | None = None
    truncated = False
    skipping = bool(key_marker)
    for name in names:
        versions = list(reversed(bucket.keys.getlist(name)))  # moto appends: newest last
        for index, version in enumerate(versions):
            if skipping:
                if name == key_marker and version_marker and version.version_id != version_marker:
                    continue
                if name == key_marker and not version_marker:
                    break  # a key marker alone: start after that key
                skipping = False
                if name == key_marker:
                    continue  # the marker's own version was on the previous page
            if len(entries) == max_keys:
                truncated = True
                break
            latest = "true" if index == 0 else "false"
            common = (
                f"<Key>{encode(name)}</Key><VersionId>{version.version_id}</VersionId>"
                f"<IsLatest>{latest}</IsLatest><LastModified>{version.last_modified_ISO8601}</LastModified>"
            )
            if isinstance(version, FakeDeleteMarker):
                entries.append(f"<DeleteMarker>{common}</DeleteMarker>")
            else:
                entries.append(
                    f"<Version>{common}<ETag>{escape(version.etag)}</ETag><Size>{version.size}</Size>"
                    f"<StorageClass>{version.storage_class}</StorageClass></Version>"
                )
            last = (name, version.version_id)
        if truncated:
            break
    head = (
        f"<Name>{escape(bucket_name)}</Name><Prefix>{encode(prefix)}</Prefix>"
        f"<KeyMarker>{encode(key_marker)}</KeyMarker><VersionIdMarker>{escape(version_marker)}</VersionIdMarker>"
        f"<MaxKeys>{max_keys}</MaxKeys><IsTruncated>{'true' if truncated else 'false'}</IsTruncated>"
    )
    if "encoding-type" in query:
        head += "<EncodingType>url</EncodingType>"
    if truncated and last is not None:
        head += f"<NextKeyMarker>{encode(last[0])}</NextKeyMarker>"
        head += f"<NextVersionIdMarker>{last[1]}</NextVersionIdMarker>"
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        f"{head}{''.join(entries)}</ListVersionsResult>"
    ).encode()
    return "200 OK", [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))], body


def serve() -> None:
    import logging

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    share_buffers_when_listing()
    app = Latency(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


class S3Server:
    """The server process, its endpoint, and a boto3 client on it."""

    def __init__(self) -> None:
        env = {**os.environ, **ENV}
        self.process = subprocess.Popen(
            [sys.executable, __file__], stdout=subprocess.PIPE, env=env, text=True
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if not line.isdigit():
            self.process.kill()
            raise RuntimeError(f"the S3 server did not start: {line!r}")
        self.port = int(line)
        self.endpoint = f"http://127.0.0.1:{self.port}"
        os.environ.update(ENV)
        import boto3

        self.client = boto3.client("s3", endpoint_url=self.endpoint)

    def latency(self, milliseconds: float) -> None:
        import urllib.request

        request = urllib.request.Request(f"{self.endpoint}/_latency/{milliseconds}", method="PUT")
        urllib.request.urlopen(request, timeout=10).read()

    def bucket(self, name: str, *, versioned: bool = True) -> str:
        self.client.create_bucket(Bucket=name)
        if versioned:
            self.client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        return name

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


if __name__ == "__main__":
    serve()
