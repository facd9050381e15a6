"""The gateway and the mock upstream served by uvicorn on loopback ports, as users run them: no server
header, a slow body refused, an upstream timeout, a stream the upstream cuts half-way."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from aicop.gateway.loopback import create_key, free_port, wait_up
from aicop.gateway.mock import make_app
from aicop.gateway.serve import build
from tests.gateway.conftest import Served, records, settings


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    upstream = Served(make_app())
    config = settings(
        tmp_path,
        upstream={"url": f"http://127.0.0.1:{upstream.port}/v1", "timeout": 1.0},
        limits={"body_seconds": 0.5},
    )
    gateway = build(config, tmp_path)
    assert gateway.keys is not None
    secret, _ = gateway.keys.create("served", ["*"])
    front = Served(gateway.app)
    yield f"http://127.0.0.1:{front.port}", secret, Path(config.audit.path)
    front.stop()
    upstream.stop()


def test_served_request_has_no_server_header(served: tuple[str, str, Path]) -> None:
    url, key, _ = served
    body = {"model": "mock-small", "messages": [{"role": "user", "content": "hi"}]}
    response = httpx.post(f"{url}/v1/chat/completions", json=body, headers={"authorization": f"Bearer {key}"})
    assert response.status_code == 200 and "server" not in response.headers


def test_upstream_timeout(served: tuple[str, str, Path]) -> None:
    url, key, log = served
    body = {"model": "mock-small", "messages": [{"role": "user", "content": "__slow__"}]}
    response = httpx.post(
        f"{url}/v1/chat/completions", json=body, headers={"authorization": f"Bearer {key}"}, timeout=10
    )
    assert response.status_code == 504 and response.json()["error"]["code"] == "upstream_timeout"
    assert records(log)[-1]["data"]["aicop.decision"] == "upstream_timeout"


def test_slow_body_is_refused(served: tuple[str, str, Path]) -> None:
    url, key, log = served
    port = int(url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        head = (
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {key}\r\nContent-Length: 100\r\n\r\n"
        )
        raw.sendall(head.encode() + b'{"model":')  # and then nothing more
        received = b""
        while b"\r\n\r\n" not in received:
            received += raw.recv(65536)
        headers, _, body = received.partition(b"\r\n\r\n")
        length = int(
            next(h for h in headers.split(b"\r\n") if h.lower().startswith(b"content-length")).split(b":")[1]
        )
        while len(body) < length:  # the body may come in a packet of its own
            body += raw.recv(65536)
    assert headers.startswith(b"HTTP/1.1 408")
    assert json.loads(body)["error"]["code"] == "body_timeout"
    assert records(log)[-1]["data"]["aicop.decision"] == "body_timeout"


def test_stream_cut_by_the_upstream(served: tuple[str, str, Path]) -> None:
    url, key, log = served
    body = {
        "model": "mock-small",
        "stream": True,
        "messages": [{"role": "user", "content": "a b c d e f __cut__"}],
    }
    with httpx.stream(
        "POST", f"{url}/v1/chat/completions", json=body, headers={"authorization": f"Bearer {key}"}
    ) as response:
        lines = [line for line in response.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    assert json.loads(lines[-2][6:])["error"]["code"] == "upstream_cut"
    assert records(log)[-1]["data"]["aicop.decision"] == "upstream_cut"


def test_acknowledged_requests_survive_a_kill(tmp_path: Path) -> None:
    """Every answer a client received is in the log after the gateway process is killed with SIGKILL."""
    import os
    import signal
    import subprocess
    import sys

    from aicop.audit import verify_log

    upstream = Served(make_app())
    port = free_port()
    (tmp_path / "gateway.yaml").write_text(
        f"upstream:\n  url: http://127.0.0.1:{upstream.port}/v1\nlisten:\n  port: {port}\n"
        "audit:\n  path: audit.jsonl\nauth:\n  keys: keys.json\n"
    )
    aicop = str(Path(sys.executable).parent / "aicop")
    key = create_key(tmp_path / "gateway.yaml", "k")
    process = subprocess.Popen(
        [aicop, "gateway", "serve", "--config", str(tmp_path / "gateway.yaml")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_up(f"http://127.0.0.1:{port}/healthz")
        body = {"model": "mock-small", "messages": [{"role": "user", "content": "hi"}]}
        answered = 0
        with httpx.Client(headers={"authorization": f"Bearer {key}"}) as client:
            for _ in range(30):
                answered += (
                    client.post(f"http://127.0.0.1:{port}/v1/chat/completions", json=body).status_code == 200
                )
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
        upstream.stop()
    count, problems = verify_log(tmp_path / "audit.jsonl")
    assert answered == 30 and count >= 30 and problems == []


def test_corked_transport_sends_what_one_step_wrote_at_once() -> None:
    """An answer's head and body leave in one send; close sends what is pending first."""
    import asyncio

    from aicop.gateway.serve import Corked

    class Recorder(asyncio.Transport):
        def __init__(self) -> None:
            super().__init__()
            self.sent: list[bytes] = []
            self.closed = False

        def write(self, data: Any) -> None:
            self.sent.append(bytes(data))

        def is_closing(self) -> bool:
            return self.closed

        def get_write_buffer_size(self) -> int:
            return 0

        def close(self) -> None:
            self.closed = True

    async def scenario() -> tuple[list[bytes], list[bytes], bool]:
        real = Recorder()
        corked = Corked(real, asyncio.get_running_loop())
        corked.write(b"HTTP/1.1 200 OK\r\n\r\n")
        corked.write(b"body")
        assert real.sent == [] and corked.get_write_buffer_size() == 23
        await asyncio.sleep(0)  # the end of the step
        first = list(real.sent)
        corked.writelines([b"a", b"b"])
        corked.close()  # flushes before closing
        return first, real.sent[1:], real.closed

    first, then, closed = asyncio.run(scenario())
    assert first == [b"HTTP/1.1 200 OK\r\n\r\nbody"] and then == [b"ab"] and closed
