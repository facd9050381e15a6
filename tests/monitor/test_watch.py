"""``aicop monitor watch``: follows a growing log across a rotation, alerts on stdout and to a webhook on
loopback with a cool-down, serves Prometheus gauges, and rejects a bad monitor.yaml by line."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from aicop.errors import InputError
from aicop.gateway.loopback import free_port
from aicop.monitor.simulate import Plan, write_log
from aicop.monitor.watch import Follower, Rule, WatchConfig, load_watch_config, watch


class Hooks(http.server.BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        Hooks.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def hook() -> Iterator[str]:
    server = http.server.HTTPServer(("127.0.0.1", 0), Hooks)
    Hooks.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


def test_watch_alerts_once_per_cooldown_to_stdout_and_the_webhook(tmp_path: Path, hook: str) -> None:
    log = tmp_path / "gw.jsonl"
    write_log(Plan(requests=2500, seed=21, probe_at=1200), log)
    config = WatchConfig(rules=[Rule(signals=["key.*"], webhook=hook, cooldown=3600)])
    lines: list[str] = []
    code = watch(log, config, lines.append, idle_exit=0.3, poll=0.05)
    assert code == 1
    alerts = [line for line in lines if line.startswith("alert: ")]
    assert alerts and all("key:probe" in line for line in alerts)
    assert len(alerts) == len({line.split(" up:")[0] for line in alerts})  # one per signal: the cool-down
    assert Hooks.received and Hooks.received[0]["alarm"]["scope"] == "key:probe"


def test_watch_on_steady_traffic_is_quiet(tmp_path: Path) -> None:
    log = tmp_path / "gw.jsonl"
    write_log(Plan(requests=2000, seed=22), log)
    port = free_port()
    lines: list[str] = []
    config = WatchConfig(metrics=f"127.0.0.1:{port}")
    assert watch(log, config, lines.append, idle_exit=0.3, poll=0.05) == 0
    assert lines == []


def test_gauges_are_served_while_watching(tmp_path: Path) -> None:
    log = tmp_path / "gw.jsonl"
    write_log(Plan(requests=1500, seed=23), log)
    port = free_port()
    seen: list[str] = []

    def scrape(line: str) -> None:
        seen.append(line)

    result: list[int] = []
    thread = threading.Thread(
        target=lambda: result.append(
            watch(log, WatchConfig(metrics=f"127.0.0.1:{port}"), scrape, idle_exit=2.0, poll=0.05)
        )
    )
    thread.start()
    body = ""
    for _ in range(40):
        try:
            body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=1).text
            if "aicop_monitor_requests_total 1500.0" in body:
                break
        except httpx.HTTPError:
            pass
        threading.Event().wait(0.05)
    thread.join(10)
    assert "aicop_monitor_requests_total 1500.0" in body and "aicop_monitor_chain_problems 0.0" in body
    assert result == [0]


def test_follower_reads_across_a_rotation(tmp_path: Path) -> None:
    live = tmp_path / "gw.jsonl"
    live.write_bytes(b"one\ntwo\npart")
    follower = Follower(live)
    assert [raw for raw, _ in follower.lines()] == [b"one", b"two"]
    with live.open("ab") as handle:
        handle.write(b"ial\n")
    live.rename(tmp_path / "gw.000001.jsonl")
    live.write_bytes(b"three\n")
    assert [raw for raw, _ in follower.lines()] == [b"partial", b"three"]
    follower.close()


def test_a_bad_monitor_yaml_names_the_line(tmp_path: Path) -> None:
    config = tmp_path / "monitor.yaml"
    config.write_text("window: 100\nrules:\n  - signals: ['input.*']\n    cooldwn: 10m\n")
    with pytest.raises(InputError, match=r"monitor.yaml:4: rules.0.cooldwn: unknown field"):
        load_watch_config(config)
    config.write_text("rules:\n  - cooldown: soon\n")
    with pytest.raises(InputError, match="not a duration"):
        load_watch_config(config)
    assert load_watch_config(None).window == 500
