"""The gateway checks: 4.1, 4.3, 4.6, 6.1, 8.2 and 12.1 from gateway.yaml and the audit log."""

from __future__ import annotations

from pathlib import Path

from aicop.assess.results import Status
from aicop.gateway.auditlog import GatewayLog
from aicop.gateway.keys import KeyStore
from tests.checks.helpers import assessed, provision
from tests.conftest import MANIFEST, MakeRepo

CONFIG = "audit:\n  path: logs/gateway.jsonl\nauth:\n  keys: keys.json\n"


def served(root: Path, requests: int = 3) -> None:
    log = GatewayLog(root / "deploy" / "logs" / "gateway.jsonl")
    for n in range(requests):
        log.write("gen_ai.request", {"gen_ai.request.model": "m", "n": n})
    log.close()
    store = KeyStore(root / "deploy" / "keys.json")
    store.create("app", ["mock-small"])
    store.create("old", ["*"])
    store.revoke("old")


def test_a_guarded_gateway_with_a_live_log_meets_all(make_repo: MakeRepo) -> None:
    root = make_repo({"deploy/gateway.yaml": CONFIG}, manifest=MANIFEST)
    served(root)
    for pid in ("4.1", "4.3", "4.6", "6.1", "8.2", "12.1"):
        result = provision(root, pid)
        assert result.status is Status.MET, (pid, [f.message for f in result.findings])
    access = provision(root, "6.1")
    assert any(
        "1 live keys (1 scoped to named models), 1 revoked" in e.detail
        for f in access.findings
        for e in f.evidence
    )


def test_guards_off_and_auth_off_are_not_met(make_repo: MakeRepo) -> None:
    config = (
        CONFIG + "guards:\n  input:\n    injection: 'off'\n  output:\n    redact: false\n    leak: 'off'\n"
    )
    root = make_repo(
        {"deploy/gateway.yaml": config.replace("auth:\n  keys: keys.json\n", "auth:\n  enabled: false\n")},
        manifest=MANIFEST,
    )
    served(root)
    assert provision(root, "4.1").status is Status.NOT_MET
    assert provision(root, "4.6").status is Status.NOT_MET
    assert provision(root, "6.1").status is Status.NOT_MET


def test_missing_and_tampered_logs(make_repo: MakeRepo) -> None:
    root = make_repo({"deploy/gateway.yaml": CONFIG}, manifest=MANIFEST)
    result = provision(root, "12.1")
    assert result.status is Status.NOT_MET and "no gateway audit log" in result.findings[0].message
    served(root)
    log = root / "deploy" / "logs" / "gateway.jsonl"
    lines = log.read_text().splitlines()
    log.write_text("\n".join([lines[0], lines[2]]) + "\n")
    tampered = provision(root, "12.1")
    assert tampered.status is Status.NOT_MET and "tampered" in tampered.findings[0].message


def test_no_gateway_no_findings(make_repo: MakeRepo) -> None:
    root = make_repo({}, manifest=MANIFEST)
    checks = {f.check for r in assessed(root).provisions() for f in r.findings}
    assert not {c for c in checks if c and c.startswith("gateway.")}


def test_a_broken_gateway_yaml_is_an_error(make_repo: MakeRepo) -> None:
    root = make_repo({"gateway.yaml": "limits:\n  concurrent: none\n"}, manifest=MANIFEST)
    result = provision(root, "4.1")
    assert result.findings[0].status is Status.ERROR and "gateway.yaml:2" in result.findings[0].message


def test_limits_too_high_to_limit_and_keys_with_logprobs(make_repo: MakeRepo) -> None:
    config = CONFIG + "limits:\n  requests_per_minute: 1000000\n  concurrent: 5000\n"
    root = make_repo({"deploy/gateway.yaml": config}, manifest=MANIFEST)
    served(root)
    limits = provision(root, "4.3")
    assert limits.status is Status.NOT_MET
    assert "requests_per_minute above 60,000, concurrent above 1,000" in limits.findings[0].message
    assert provision(root, "8.2").status is Status.MET
    KeyStore(root / "deploy" / "keys.json").create("analytics", ["*"], logprobs=True)
    metadata = provision(root, "8.2")
    assert metadata.status is Status.NOT_MET and "analytics" in metadata.findings[0].evidence[0].detail
