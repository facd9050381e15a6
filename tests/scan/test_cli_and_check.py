"""aicop scan: exit codes, formats; and the assess check built on it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from aicop.assess.results import Status
from tests.checks.helpers import provision
from tests.conftest import IN_CI, MANIFEST, ROOT, CliResult, MakeRepo
from tests.scan import builders as b

Run = Callable[..., CliResult]


def test_exit_codes(run_cli: Run, tmp_path: Path) -> None:
    (tmp_path / "good.safetensors").write_bytes(b.safetensors_bytes())
    (tmp_path / "bad.pkl").write_bytes(b.evil_pickle())
    (tmp_path / "empty.pt").write_bytes(b"")
    assert run_cli("scan", tmp_path / "good.safetensors").code == 0
    unsafe = run_cli("scan", tmp_path / "bad.pkl")
    assert (
        unsafe.code == 1
        and "os.system" in unsafe.out
        and unsafe.out.rstrip().splitlines()[-1].startswith("UNSAFE")
    )
    assert run_cli("scan", tmp_path / "empty.pt").code == 2
    assert run_cli("scan", tmp_path).code == 1  # unsafe outranks could-not-scan
    assert run_cli("scan").code == 2


def test_json_output(run_cli: Run, tmp_path: Path) -> None:
    (tmp_path / "bad.pkl").write_bytes(b.evil_pickle())
    data = json.loads(run_cli("scan", "--format", "json", tmp_path).out)
    assert data["unsafe"] is True
    finding = data["findings"][0]
    assert {"rule", "severity", "path", "member", "offset", "callable", "message"} <= set(finding)


def test_sarif_output_validates(run_cli: Run, tmp_path: Path) -> None:
    schema_path = ROOT / ".venv" / "share" / "sarif" / "sarif-schema-2.1.0.json"
    if not schema_path.is_file():
        if IN_CI:
            pytest.fail("SARIF schema missing")
        pytest.skip("SARIF schema not fetched")
    (tmp_path / "bad.pkl").write_bytes(b.evil_pickle())
    (tmp_path / "empty.pt").write_bytes(b"")
    log = json.loads(run_cli("scan", "--format", "sarif", tmp_path).out)
    jsonschema.Draft4Validator(json.loads(schema_path.read_text())).validate(log)
    assert {r["ruleId"] for r in log["runs"][0]["results"]} == {"pickle.dangerous-import", "scan.error"}


def test_policy_file(run_cli: Run, tmp_path: Path) -> None:
    model = tmp_path / "pipe.pkl"
    model.write_bytes(b"cmycompany.features\nTextCleaner\n)\x81.")
    assert run_cli("scan", model).code == 1
    policy = tmp_path / "policy.yaml"
    policy.write_text("allow: [mycompany.features.TextCleaner]\n")
    assert run_cli("scan", "--policy", policy, model).code == 0
    policy.write_text("allow: 3\n")
    bad = run_cli("scan", "--policy", policy, model)
    assert bad.code == 2 and "'allow' must be a list" in bad.err


def test_manifest_models(run_cli: Run, make_repo: MakeRepo) -> None:
    root = make_repo(
        {"models/m.pkl": b.evil_pickle()}, manifest=MANIFEST + "models:\n  - {name: m, path: models}\n"
    )
    result = run_cli("scan", "--manifest", root / "aicop.yaml")
    assert result.code == 1 and "models/m.pkl" in result.out


def test_check_met_with_safe_models(make_repo: MakeRepo) -> None:
    root = make_repo({"models/model.safetensors": b.safetensors_bytes()}, manifest=MANIFEST)
    result = provision(root, "2.6")
    assert result.status is Status.MET
    assert result.findings[0].evidence[0].path == "models/model.safetensors"


def test_check_not_met_with_a_malicious_model(make_repo: MakeRepo) -> None:
    data_pkl, storages = b.torch_state_dict_pickle()
    root = make_repo(
        {
            "models/model.safetensors": b.safetensors_bytes(),
            "checkpoints/model.pt": b.torch_zip(data_pkl, storages, {"archive/data/7": b.evil_pickle(2)}),
        },
        manifest=MANIFEST,
    )
    for pid in ("2.6", "2.7", "7.2"):
        result = provision(root, pid)
        assert result.status is Status.NOT_MET, pid
    assert "os.system" in provision(root, "2.7").findings[0].message


def test_check_reports_unscannable_models(make_repo: MakeRepo) -> None:
    root = make_repo({"models/model.pt": b""}, manifest=MANIFEST)
    assert provision(root, "2.6").status is Status.ERROR
