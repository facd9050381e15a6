"""A real S3-compatible server (moto's server mode, its own process, an ephemeral loopback port) for
the registry tests, and a small real Ray cluster on 127.0.0.1 for the few tests that need one."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.registry.s3server import ENV, S3Server


@pytest.fixture(scope="session")
def s3() -> Iterator[S3Server]:
    server = S3Server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def bucket(s3: S3Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """A new versioned bucket, with credentials and endpoint in the environment as a user's would be."""
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3.endpoint)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return s3.bucket(f"models-{uuid.uuid4().hex[:12]}")


def upload(s3: S3Server, bucket: str, files: dict[str, bytes], prefix: str = "") -> None:
    for key, data in files.items():
        s3.client.put_object(Bucket=bucket, Key=prefix + key, Body=data)
