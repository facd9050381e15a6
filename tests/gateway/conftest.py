"""A gateway in front of the mock upstream, both in-process (the gateway's httpx client talks to the
mock through an ASGI transport), with one live key of each kind."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from aicop.gateway.app import Gateway
from aicop.gateway.config import GatewayConfig
from aicop.gateway.keys import KeyStore
from aicop.gateway.limiter import Limiter
from aicop.gateway.mock import make_app
from aicop.gateway.serve import audit_log
from tests.conftest import IN_CI


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
        "upstream": {"url": "http://upstream/v1", "timeout": 2},
        "auth": {"keys": str(tmp_path / "keys.json")},
        "audit": {"path": str(tmp_path / f"audit{number}" / "gateway.jsonl")},
    }
    for name, values in sections.items():
        base[name] = {**base.get(name, {}), **values} if isinstance(values, dict) else values
    return GatewayConfig.model_validate(base)


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Start]:
    opened: list[TestClient] = []

    def make(**sections: Any) -> Running:
        config = settings(tmp_path, len(opened), **sections)
        keys = KeyStore(Path(config.auth.keys))
        secrets = {}
        for name in ("all", "small", "rich"):
            scopes = ["mock-small"] if name == "small" else ["*"]
            secrets[name], _ = keys.create(f"{name}-{len(opened)}", scopes, logprobs=name == "rich")
        upstream = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=make_app()), base_url="http://upstream"
        )
        limiter = Limiter(config.limits, prefix=f"test-{os.getpid()}-{os.urandom(4).hex()}")
        gateway = Gateway(config, keys, audit_log(config, tmp_path), limiter, client=upstream)
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
