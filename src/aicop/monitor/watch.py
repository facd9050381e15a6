"""``aicop monitor watch``: follow the gateway's live audit log and raise alerts as traffic changes —
a line on stdout, a webhook, Prometheus gauges, and (``exit_on_alert``) the exit code.

The log is read as it grows and verified as it is read, across rotations (the live file renamed to
``NAME.000001.jsonl`` and a new one started: the rest of the old file is read before the new one).
Alerts follow the rules of ``monitor.yaml``; a rule's cool-down stops the same signal and scope from
alerting again too soon. Webhooks are posted with a short timeout: a receiver that fails is reported
on stderr and the watch goes on (an alert is never lost to stdout and the gauges).
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from aicop.audit.chain import rotated
from aicop.errors import InputError
from aicop.monitor.detect import Monitor, Settings
from aicop.monitor.events import ChainReader
from aicop.monitor.model import Alarm

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}


def seconds(text: str | float) -> float:
    """'90', '90s', '10m', '1h', '2d' as seconds."""
    if isinstance(text, int | float):
        return float(text)
    found = _DURATION.match(text)
    if not found:
        raise ValueError(f"not a duration: {text!r} (use 90s, 10m, 1h)")
    return float(found.group(1)) * _UNITS[found.group(2)]


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    signals: list[str] = Field(default=["*"], description="signal names or globs: input.*, key.*")
    scopes: list[str] = Field(default=["*"], description="all, model:NAME, key:ID, or globs")
    cooldown: float = Field(default=600.0, description="seconds (or 10m) before the same alert again")
    webhook: str | None = Field(default=None, description="POST each alert here as JSON")

    @field_validator("cooldown", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> float:
        return seconds(value)

    @field_validator("webhook")
    @classmethod
    def _http(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("a webhook must be an http:// or https:// URL")
        return value

    def matches(self, alarm: Alarm) -> bool:
        return any(fnmatch.fnmatchcase(alarm.signal, s) for s in self.signals) and any(
            fnmatch.fnmatchcase(alarm.scope, s) for s in self.scopes
        )


class WatchConfig(BaseModel):
    """monitor.yaml."""

    model_config = ConfigDict(extra="forbid")

    baseline: int = Field(default=1000, ge=1, description="the first N requests are the baseline")
    window: int = Field(default=500, ge=10)
    stride: int = Field(default=50, ge=1)
    alpha: float = Field(default=0.05, gt=0, lt=1)
    horizon: int = Field(default=10_000, ge=100)
    rules: list[Rule] = Field(default_factory=lambda: [Rule()])
    metrics: str | None = Field(
        default=None, description="HOST:PORT for Prometheus gauges, e.g. 127.0.0.1:9464"
    )
    exit_on_alert: bool = False

    @field_validator("metrics")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[\w.\-\[\]:]+:\d{1,5}", value):
            raise ValueError("metrics must be HOST:PORT, e.g. 127.0.0.1:9464")
        return value

    def settings(self) -> Settings:
        return Settings(
            baseline=self.baseline,
            window=self.window,
            stride=self.stride,
            alpha=self.alpha,
            horizon=self.horizon,
        )


def load_watch_config(path: Path | None) -> WatchConfig:
    if path is None:
        return WatchConfig()
    from aicop.system.yamlsource import load_model

    return load_model(path, WatchConfig, "monitor.yaml")


class Gauges:
    """The watch's state for Prometheus: requests read, chain problems, open alarms, window rates."""

    def __init__(self, address: str) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server

        host, _, port = address.rpartition(":")
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "aicop_monitor_requests", "Requests read from the log", registry=self.registry
        )
        self.problems = Gauge(
            "aicop_monitor_chain_problems", "Integrity problems found", registry=self.registry
        )
        self.open = Gauge(
            "aicop_monitor_alarm_open",
            "1 while an alarm is open",
            ["signal", "scope"],
            registry=self.registry,
        )
        self.alerts = Counter("aicop_monitor_alerts", "Alerts raised", ["signal"], registry=self.registry)
        self.server, self.thread = start_http_server(int(port), addr=host.strip("[]"), registry=self.registry)

    def close(self) -> None:
        self.server.shutdown()


class Follower:
    """New complete lines of a log file and of the files it is rotated into, in order."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle: Any = None
        self.inode: int | None = None
        self.number = 0
        self.partial = b""

    def _open(self) -> bool:
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            return False
        self.handle, self.inode, self.number, self.partial = handle, os.fstat(handle.fileno()).st_ino, 0, b""
        return True

    def lines(self) -> list[tuple[bytes, str]]:
        if self.handle is None and not self._open():
            return []
        out = self._drain()
        try:
            rotated = self.path.stat().st_ino != self.inode
        except FileNotFoundError:
            rotated = False
        if rotated:  # the rest of the old file was read above; continue with the new one
            self.handle.close()
            if self._open():
                out += self._drain()
        return out

    def _drain(self) -> list[tuple[bytes, str]]:
        data = self.partial + self.handle.read()
        *complete, self.partial = data.split(b"\n")
        out = []
        for raw in complete:
            self.number += 1
            out.append((raw, f"{self.path.name} line {self.number}"))
        return out

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()


def watch(
    path: Path,
    config: WatchConfig,
    emit: Callable[[str], None],
    *,
    idle_exit: float | None = None,
    poll: float = 0.25,
) -> int:
    """Follow ``path`` until interrupted (or ``idle_exit`` seconds without new lines); the exit code:
    1 when an alert was raised (with ``exit_on_alert`` at once) or the chain broke, else 0."""
    import httpx

    if not path.is_file():
        raise InputError("no such log file", path=path)
    reader = ChainReader(path)
    monitor = Monitor(config.settings())
    history: list[Alarm] = []
    for old in rotated(path):  # the parts rotated before the watch began, first
        with old.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                found = reader.line(raw, f"{old.name} line {number}")
                if found is not None:
                    history += monitor.feed(found)
    follower = Follower(path)
    gauges = Gauges(config.metrics) if config.metrics else None
    last_alert: dict[tuple[int, str, str], float] = {}
    alerted = False
    reported = 0
    quiet_since = time.monotonic()
    client = httpx.Client(timeout=5.0)
    try:
        while True:
            lines = follower.lines()
            opened, history = history, []
            for raw, where in lines:
                found = reader.line(raw, where)
                if found is not None:
                    if gauges:
                        gauges.requests.inc()
                    opened += monitor.feed(found)
            for problem in reader.integrity.problems[reported:]:
                emit(f"integrity: {problem}")
                alerted = True
            reported = len(reader.integrity.problems)
            if gauges:
                gauges.problems.set(reported)
                _open_gauges(gauges, monitor)
            for alarm in opened:
                alerted |= _alert(alarm, config, emit, client, last_alert, gauges)
            if alerted and config.exit_on_alert:
                return 1
            if lines:
                quiet_since = time.monotonic()
            elif idle_exit is not None and time.monotonic() - quiet_since >= idle_exit:
                for alarm in monitor.finish():
                    alerted |= _alert(alarm, config, emit, client, last_alert, gauges)
                return 1 if alerted else 0
            else:
                time.sleep(poll)
    finally:
        client.close()
        follower.close()
        if gauges:
            gauges.close()


def _open_gauges(gauges: Gauges, monitor: Monitor) -> None:
    for alarm in monitor.alarms:
        gauges.open.labels(alarm.signal, alarm.scope).set(1 if alarm.end_index is None else 0)


def _alert(
    alarm: Alarm,
    config: WatchConfig,
    emit: Callable[[str], None],
    client: Any,
    last: dict[tuple[int, str, str], float],
    gauges: Gauges | None,
) -> bool:
    from aicop.monitor.report import alarm_line

    raised = False
    now = time.monotonic()
    for number, rule in enumerate(config.rules):
        if not rule.matches(alarm):
            continue
        key = (number, alarm.signal, alarm.scope)
        if key in last and now - last[key] < rule.cooldown:
            continue
        last[key] = now
        raised = True
        emit("alert: " + alarm_line(alarm))
        if gauges:
            gauges.alerts.labels(alarm.signal).inc()
        if rule.webhook:
            body = {"source": "aicop monitor", "alarm": alarm.model_dump(mode="json")}
            try:
                response = client.post(
                    rule.webhook, content=json.dumps(body), headers={"content-type": "application/json"}
                )
                if response.status_code >= 300:
                    print(
                        f"aicop: warning: webhook {rule.webhook} answered HTTP {response.status_code}",
                        file=sys.stderr,
                    )
            except Exception as err:  # httpx's transport errors: the alert stands, the receiver failed
                print(f"aicop: warning: webhook {rule.webhook} failed: {type(err).__name__}", file=sys.stderr)
    return raised
