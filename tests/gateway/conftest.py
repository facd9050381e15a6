"""A gateway in front of the mock upstream, both in-process (the mock served by uvicorn on an ephemeral
loopback port in a thread, the gateway's client talking to it over TCP), with one live key of each kind."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.testclient import TestClient

from aicop.gateway import classifier
from aicop.gateway.app import Gateway
from aicop.gateway.config import GatewayConfig
from aicop.gateway.keys import KeyStore
from aicop.gateway.limiter import Limiter
from aicop.gateway.mock import make_app
from aicop.gateway.serve import audit_log, corked_protocol
from tests.conftest import IN_CI


def model_folder() -> Path:
    """The embedding model's folder; without it the test is skipped (failed in CI, where make install
    puts it)."""
    reason = classifier.missing()
    if reason is not None:
        if IN_CI:
            pytest.fail(reason + " (make install puts it there)")
        pytest.skip(reason)
    found = classifier.model_dir()
    assert found is not None
    return found


class Served:
    """An ASGI app served by uvicorn on 127.0.0.1, on a port the kernel chose, in a thread."""

    def __init__(self, app: Any) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.port = int(self.socket.getsockname()[1])
        # the gateway's own protocol (one send an answer, overload refused on the headers), as
        # `aicop gateway serve` runs it
        early = app.early_refusal if isinstance(app, Gateway) else None
        config = uvicorn.Config(app, log_level="error", server_header=False, http=corked_protocol(early))
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("server did not start")
            time.sleep(0.01)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.socket.close()


@pytest.fixture(scope="session")
def mock_upstream() -> Iterator[Served]:
    """The mock upstream (echo behaviour, no state), one per test worker."""
    served = Served(make_app())
    yield served
    served.stop()


@dataclass
class Running:
    client: TestClient
    gateway: Gateway
    key: str  # all models
    small: str  # mock-small only
    rich: str  # logprobs allowed
    keys: KeyStore
    log: Path

    def chat(self, content: str, key: str | None = None, **extra: Any) -> httpx.Response:
        body = {"model": "mock-small", "messages": [{"role": "user", "content": content}], **extra}
        return self.client.post("/v1/chat/completions", json=body, headers=self.auth(key))

    def auth(self, key: str | None = None) -> dict[str, str]:
        return {"authorization": f"Bearer {key or self.key}"}


Start = Callable[..., Running]


def settings(tmp_path: Path, number: int = 0, **sections: Any) -> GatewayConfig:
    base: dict[str, Any] = {
        "upstream": {"url": "http://127.0.0.1:9/v1", "timeout": 2},  # nothing listens on port 9
        "auth": {"keys": str(tmp_path / "keys.json")},
        "audit": {"path": str(tmp_path / f"audit{number}" / "gateway.jsonl")},
    }
    for name, values in sections.items():
        base[name] = {**base.get(name, {}), **values} if isinstance(values, dict) else values
    return GatewayConfig.model_validate(base)


@pytest.fixture
def start(tmp_path: Path, mock_upstream: Served) -> Iterator[Start]:
    opened: list[TestClient] = []

    def make(**sections: Any) -> Running:
        upstream_settings = {"url": f"{mock_upstream.url}/v1", **sections.pop("upstream", {})}
        config = settings(tmp_path, len(opened), upstream=upstream_settings, **sections)
        keys = KeyStore(Path(config.auth.keys))
        secrets = {}
        for name in ("all", "small", "rich"):
            scopes = ["mock-small"] if name == "small" else ["*"]
            secrets[name], _ = keys.create(f"{name}-{len(opened)}", scopes, logprobs=name == "rich")
        limiter = Limiter(config.limits, prefix=f"test-{os.getpid()}-{os.urandom(4).hex()}")
        gateway = Gateway(config, keys, audit_log(config, tmp_path), limiter)
        client = TestClient(gateway.app, raise_server_exceptions=True)
        client.__enter__()
        opened.append(client)
        log = Path(config.audit.path)
        return Running(client, gateway, secrets["all"], secrets["small"], secrets["rich"], keys, log)

    yield make
    for client in opened:
        client.__exit__(None, None, None)


def records(log: Path) -> list[dict[str, Any]]:
    import json

    from aicop.audit.chain import rotated

    out = []
    for file in [*rotated(log), log]:
        out += [json.loads(line) for line in file.read_text().splitlines()]
    return out


def service(url: str, probe: Callable[[], object]) -> None:
    """Skip (or, in CI, fail) when a service the test needs is not running."""
    try:
        probe()
    except Exception as err:
        message = f"{url} is not reachable ({err})"
        if IN_CI:
            pytest.fail(message + "; CI requires it (AICOP_REQUIRE_SERVICES)")
        pytest.skip(message)
