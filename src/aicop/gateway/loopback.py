"""Helpers for running the gateway and the mock upstream on loopback (the demo, the benchmark, tests)."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_up(url: str, seconds: float = 20.0) -> None:
    """Return once ``url`` answers at all; raise TimeoutError after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not answer within {seconds:.0f} s") from None
            time.sleep(0.1)


def create_key(config: Path, name: str) -> str:
    """A new all-models key in the key file that gateway.yaml ``config`` names; the key itself."""
    from aicop.gateway.config import load_config, resolve
    from aicop.gateway.keys import KeyStore

    store = KeyStore(resolve(config.parent, load_config(config).auth.keys))
    return store.create(name, ["*"])[0]
