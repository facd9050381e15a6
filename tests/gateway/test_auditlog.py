"""The gateway's audit log: a chain across rotated files, signed checkpoints, privacy by hashes, a
restart that continues the chain, and every kind of tampering found by aicop audit verify."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from aicop.audit import verify_log
from aicop.audit.chain import rotated
from aicop.errors import InputError
from aicop.gateway.auditlog import GatewayLog
from tests.conftest import CliResult
from tests.gateway.conftest import records

Run = Callable[..., CliResult]


def fill(log: GatewayLog, count: int) -> None:
    for n in range(count):
        log.write("gen_ai.request", {"gen_ai.request.model": "m", "gen_ai.input.messages": [f"prompt {n}"]})


def test_rotation_keeps_one_chain(tmp_path: Path) -> None:
    path = tmp_path / "gw.jsonl"
    log = GatewayLog(path, rotate_bytes=4096)
    fill(log, 60)
    log.close()
    parts = rotated(path)
    assert len(parts) >= 2 and parts[0].name == "gw.000001.jsonl"
    assert verify_log(path) == (60, [])
    assert [r["seq"] for r in records(path)] == list(range(1, 61))


def test_restart_continues_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "gw.jsonl"
    first = GatewayLog(path, rotate_bytes=4096)
    fill(first, 30)
    first.close()
    second = GatewayLog(path, rotate_bytes=4096)
    fill(second, 5)
    second.close()
    assert verify_log(path) == (35, [])


def test_privacy_hashes_keeps_no_content(tmp_path: Path) -> None:
    path = tmp_path / "gw.jsonl"
    log = GatewayLog(path, privacy="hashes")
    log.write("gen_ai.request", {"gen_ai.input.messages": ["my secret plan"], "gen_ai.request.model": "m"})
    log.close()
    text = path.read_text()
    assert "secret plan" not in text
    assert set(records(path)[0]["data"]["gen_ai.input.messages"]) == {"sha256"}


@pytest.mark.parametrize("kind", ["ed25519", "p256"])
def test_signed_checkpoints(tmp_path: Path, run_cli: Run, kind: str) -> None:
    key = (
        ed25519.Ed25519PrivateKey.generate() if kind == "ed25519" else ec.generate_private_key(ec.SECP256R1())
    )
    public = tmp_path / "audit.pub"
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    path = tmp_path / "gw.jsonl"
    log = GatewayLog(path, checkpoint_every=10, signer=key)
    fill(log, 25)
    log.close()
    assert sum(r["event"] == "checkpoint" for r in records(path)) == 2
    ok = run_cli("audit", "verify", path, "--public-key", public)
    assert ok.code == 0 and "27 records, chain intact" in ok.out
    # a chain rewritten from the start, hashes and all, cannot carry valid signatures
    other = ed25519.Ed25519PrivateKey.generate().public_key()
    stranger = tmp_path / "other.pub"
    stranger.write_bytes(
        other.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    bad = run_cli("audit", "verify", path, "--public-key", stranger)
    assert bad.code == 1 and "checkpoint 11 is not signed by the given key" in bad.out


def tampered(tmp_path: Path, change: Callable[[list[str]], list[str]]) -> list[str]:
    path = tmp_path / "gw.jsonl"
    log = GatewayLog(path)
    fill(log, 6)
    log.close()
    lines = path.read_text().splitlines()
    path.write_text("\n".join(change(lines)) + "\n")
    return verify_log(path)[1]


def edit(lines: list[str]) -> list[str]:
    record = json.loads(lines[2])
    record["data"]["gen_ai.request.model"] = "other"
    return [*lines[:2], json.dumps(record), *lines[3:]]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (edit, "record 3 was edited"),
        (lambda lines: lines[:3] + lines[4:], "record 5 where 4 was expected (missing or deleted)"),
        (lambda lines: [lines[0], lines[2], lines[1], *lines[3:]], "record 3 where 2 was expected"),
        (lambda lines: lines[:4], "the log ends at record 4 but its head says 6: truncated"),
    ],
)
def test_tampering_is_found(tmp_path: Path, change: Callable[[list[str]], list[str]], expected: str) -> None:
    problems = tampered(tmp_path, change)
    assert any(expected in p for p in problems), problems


def test_truncated_log_is_not_written_over(tmp_path: Path) -> None:
    path = tmp_path / "gw.jsonl"
    log = GatewayLog(path)
    fill(log, 5)
    log.close()
    path.write_text("\n".join(path.read_text().splitlines()[:3]) + "\n")
    with pytest.raises(InputError, match="it was truncated"):
        GatewayLog(path)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"gen_ai.input.messages": [{"role": "user", "content": 'héllo ✓ \u2028 "quoted" \\ back'}]},
        {"z": 1.5, "a": [1e16, -0.0, 3, None, True], "m": {"b": 2, "a": {"d": [], "c": "x"}}},
        {"aicop.guards": [{"guard": "leak", "kinds": ["canary"]}], "nan": float("nan")},
    ],
)
def test_a_record_is_the_canonical_json_it_always_was(data: dict[str, Any]) -> None:
    """Each field encoded once must give the same line and hash as encoding the whole record (what
    'aicop audit verify' recomputes)."""
    from aicop.audit.chain import new_record, record_hash

    record, line = new_record(41, "ab" * 32, "gen_ai.request", data, "key:k1", "2026-11-29T05:00:00+00:00")
    assert record["hash"] == record_hash(record)
    assert line == (json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n").encode()
    assert json.loads(line)["seq"] == 42
