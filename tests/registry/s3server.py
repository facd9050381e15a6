"""A real S3-compatible server on loopback for the tests and the benchmark: moto's server mode in a
process of its own, on an ephemeral port, with an injectable per-request latency.

Run as a script it prints ``PORT`` on its first line and serves until killed. The latency is set at
run time by ``PUT /_latency/<milliseconds>`` (answered by the wrapper, never seen by moto): every
other request then sleeps that long before moto answers it, which is how a distant store's round
trip is simulated. Credentials are moto's: any key is accepted.
"""

from __future__ import annotations

import os
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
        return self.app(environ, start_response)


def serve() -> None:
    import logging

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
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
