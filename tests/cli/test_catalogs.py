"""The catalogs from the command line: assess against the final Code, diff, crosswalk, migrate, dispose,
and the bad inputs of each (exit 2, file and line named, nothing written)."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from aicop.catalog import load_catalog
from tests.conftest import EXAMPLE, MANIFEST, CliResult, MakeRepo

Run = Callable[..., CliResult]


def _example(tmp_path: Path) -> Path:
    root = tmp_path / "example"
    shutil.copytree(EXAMPLE, root)
    return root


def test_assess_against_the_final_code_names_it_in_every_report(run_cli: Run, make_repo: MakeRepo) -> None:
    root = make_repo({"docs/decommissioning.md": "# Retiring\n## Decommissioning\nx\n"}, manifest=MANIFEST)
    out = root / "out"
    result = run_cli("assess", root, "--catalog", "dsit-2025-01", "-q", "-o", out, "--fail-on", "never")
    assert result.code == 0, result.err
    report = json.loads((out / "aicop-report.json").read_text())
    assert report["catalog"]["id"] == "dsit-2025-01" and report["catalog"]["stage"] == "final"
    assert len([v for p in report["principles"] for v in p["provisions"]]) == 72
    assert "dsit-2025-01, final: published 31 January 2025" in (out / "aicop-report.md").read_text()
    assert "dsit-2025-01, final" in (out / "aicop-report.html").read_text()
    sarif = json.loads((out / "aicop-report.sarif").read_text())
    assert sarif["runs"][0]["properties"]["catalogStage"] == "final"
    oscal = json.loads((out / "aicop-report.oscal.json").read_text())
    assert "(final)" in oscal["assessment-results"]["results"][0]["title"]


def test_the_manifest_names_its_catalog(run_cli: Run, make_repo: MakeRepo) -> None:
    manifest = MANIFEST.replace("version: 1\n", "version: 1\ncatalog: etsi-en-304-223\n")
    manifest += '\nexclusions:\n  "5.5.1-1":\n    reason: we never transfer models or data to anyone\n'
    root = make_repo(manifest=manifest)
    result = run_cli("assess", root, "--format", "json", "--fail-on", "never")
    report = json.loads(result.out)
    assert report["catalog"]["id"] == "etsi-en-304-223"
    v = next(v for p in report["principles"] for v in p["provisions"] if v["id"] == "5.5.1-1")
    assert v["basis"] == "exclusion"


def test_data_controller_is_assessed_as_data_custodian(run_cli: Run, make_repo: MakeRepo) -> None:
    root = make_repo(manifest=MANIFEST.replace("[developer, system-operator]", "[data-controller]"))
    report = json.loads(run_cli("assess", root, "--catalog", "dsit-2025-01", "--format", "json").out)
    assert report["roles"] == ["data-custodian"]
    assert any("data-controller is called data-custodian" in w for w in report["warnings"])
    v = next(v for p in report["principles"] for v in p["provisions"] if v["id"] == "2.5")
    assert v["applicable"]


def test_attestations_with_ids_of_another_catalog_are_refused(run_cli: Run, make_repo: MakeRepo) -> None:
    manifest = MANIFEST + (
        'attestations:\n  "6.3":\n    status: met\n    owner: CISO\n'
        "    evidence: https://wiki/x\n    date: 2026-01-01\n"
    )
    root = make_repo(manifest=manifest)
    result = run_cli("assess", root, "--catalog", "dsit-2025-01", "-q")
    assert result.code == 2
    assert (
        f"{root / 'aicop.yaml'}:6: attestations.6.3: this manifest's ids are those of catalog dsit-2024-05"
        in result.err
    )
    assert "aicop manifest migrate --to dsit-2025-01" in result.err
    named = root / "aicop.yaml"
    named.write_text(
        manifest.replace("version: 1\n", "version: 1\ncatalog: dsit-2025-01\n").replace('"6.3"', '"1.4"')
    )
    result = run_cli("manifest", "validate", named)
    assert result.code == 2 and ":7: attestations.1.4: no provision 1.4 in catalog dsit-2025-01" in result.err


def test_migrate_keeps_comments_and_marks_changes_for_review(run_cli: Run, tmp_path: Path) -> None:
    root = _example(tmp_path)
    manifest = root / "aicop.yaml"
    before = manifest.read_text()
    result = run_cli("manifest", "migrate", manifest, "--to", "dsit-2025-01")
    assert result.code == 0, result.err
    after = manifest.read_text()
    for comment in [line for line in before.splitlines() if line.lstrip().startswith("#")]:
        assert comment in after
    assert "catalog: dsit-2025-01" in after
    assert '"1.2.2":' in after and '"1.3":' not in after  # draft 1.3 moved to final 1.2.2
    assert "# REVIEW (aicop migrate): was 6.2, merged" in after
    assert "took out entries whose provision dsit-2025-01 removed: 1.4" in after
    assert "  review attestations.6.3" in result.out
    assert run_cli("manifest", "validate", manifest).code == 0
    assert run_cli("assess", root, "-q", "--fail-on", "never").code == 0


def test_migrate_renames_data_controller(run_cli: Run, make_repo: MakeRepo) -> None:
    root = make_repo(
        manifest=MANIFEST.replace("[developer, system-operator]", "[developer, data-controller]")
    )
    assert run_cli("manifest", "migrate", root / "aicop.yaml", "--to", "etsi-en-304-223").code == 0
    assert "roles: [developer, data-custodian]" in (root / "aicop.yaml").read_text()


def test_migrate_twice_is_refused_and_leaves_the_manifest_untouched(run_cli: Run, tmp_path: Path) -> None:
    root = _example(tmp_path)
    manifest = root / "aicop.yaml"
    assert run_cli("manifest", "migrate", manifest, "--to", "dsit-2025-01").code == 0
    migrated = manifest.read_bytes()
    result = run_cli("manifest", "migrate", manifest, "--to", "dsit-2025-01")
    assert result.code == 2
    assert f"{manifest}:3: catalog: dsit-2025-01: already migrated" in result.err
    assert manifest.read_bytes() == migrated


def test_migrate_refuses_an_unknown_id_and_writes_nothing(run_cli: Run, make_repo: MakeRepo) -> None:
    manifest = MANIFEST + 'exclusions:\n  "9.9":\n    reason: no such provision in any catalog\n'
    root = make_repo(manifest=manifest)
    result = run_cli("manifest", "migrate", root / "aicop.yaml", "--to", "dsit-2025-01")
    assert result.code == 2 and ":6: exclusions.9.9" in result.err
    assert (root / "aicop.yaml").read_text() == manifest


def test_diff_draft_to_final_counts_every_kind_of_change(run_cli: Run) -> None:
    data = json.loads(run_cli("catalog", "diff", "dsit-2024-05", "dsit-2025-01", "--format", "json").out)
    counts = Counter(c["relation"] for c in data["changes"])
    assert counts == {
        "moved": 22,
        "strengthened": 10,
        "reworded": 9,
        "merged": 9,
        "removed": 8,
        "weakened": 5,
        "same": 5,
        "split": 5,
        "new": 11,
    }
    split = next(c for c in data["changes"] if c["old"] == ["5.3"])
    assert (split["relation"], split["new"]) == ("split", ["5.3", "5.3.1"])
    etsi = json.loads(run_cli("catalog", "diff", "dsit-2024-05", "etsi-en-304-223", "--format", "json").out)
    assert next(c for c in etsi["changes"] if c["old"] == ["5.3"])["new"] == ["5.2.1-3", "5.2.1-3.1"]


def test_diff_final_to_etsi_is_renumbering(run_cli: Run) -> None:
    text = run_cli("catalog", "diff", "dsit-2025-01", "etsi-en-304-223", "--format", "csv").out
    assert text.count("\n") == 73 and "moved,13.2,5.5.1-2," in text


def test_diff_bad_input(run_cli: Run) -> None:
    assert run_cli("catalog", "diff", "dsit-2025-01", "dsit-2024-05").code == 2
    result = run_cli("catalog", "diff", "dsit-2024-05", "dsit-2025-01", "--relation", "renamed")
    assert result.code == 2 and "unknown kind 'renamed'" in result.err


def test_crosswalk_json_validates_against_its_schema(run_cli: Run) -> None:
    schema = json.loads(run_cli("catalog", "crosswalk", "--format", "schema").out)
    data = json.loads(run_cli("catalog", "crosswalk", "--format", "json").out)
    jsonschema.validate(data, schema)
    assert len(data["entries"]) == 84
    assert run_cli("catalog", "crosswalk", "--format", "csv").out.count("\n") == 85


def test_checks_list_prints_final_coverage(run_cli: Run) -> None:
    data = json.loads(run_cli("checks", "list", "--catalog", "dsit-2025-01", "--format", "json").out)
    assert data["catalog"]["stage"] == "final"
    assert len(data["coverage"]["covered"]) >= 34 and {"13.1", "13.2", "5.3"} <= set(
        data["coverage"]["covered"]
    )
    notice = next(c for c in data["checks"] if c["id"] == "users.notice")
    assert notice["controls"][-1] == "user-notice-opt-out" and "7.4" not in notice["provisions"]
    text = run_cli("checks", "list", "--catalog", "etsi-en-304-223").out
    assert "Automated or document evidence for" in text and "of 72 provisions of etsi-en-304-223" in text


def test_a_catalog_file_with_a_duplicate_id(run_cli: Run, tmp_path: Path) -> None:
    raw = json.loads(load_catalog("dsit-2025-01").model_dump_json())
    raw["principles"][12]["provisions"].append(dict(raw["principles"][12]["provisions"][1]))
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(raw, indent=1))
    result = run_cli("catalog", "list", "--catalog", path)
    assert result.code == 2 and f"{path}:" in result.err and "duplicate id 13.2" in result.err


def test_a_mapping_to_a_control_no_check_provides(run_cli: Run, tmp_path: Path, make_repo: MakeRepo) -> None:
    path = tmp_path / "mine.json"
    path.write_text(load_catalog("dsit-2025-01").model_dump_json())
    (tmp_path / "mine.mapping.csv").write_text(
        "provision,control,basis\n6.4,disclosure-policy,x\n6.5,made-up,x\n"
    )
    result = run_cli("assess", make_repo(manifest=MANIFEST), "--catalog", path, "-q")
    assert result.code == 2
    assert (
        f"{tmp_path / 'mine.mapping.csv'}:3: provision 6.5 maps to control made-up, which no check provides"
        in result.err
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--method", "deleted", "--note", "bucket emptied"], "recorded disposal of models/m.onnx (deleted)"),
        (["--method", "transferred", "--note", "handed over"], "needs --recipient"),
    ],
)
def test_dispose(run_cli: Run, make_repo: MakeRepo, args: list[str], message: str) -> None:
    root = make_repo({"models/m.onnx": b"\x08\x01"}, manifest=MANIFEST)
    assert run_cli("inventory", root).code == 0
    result = run_cli("dispose", "models/m.onnx", "--root", root, *args)
    assert message in (result.out + result.err)
    assert result.code == (0 if "recorded" in message else 2)


def test_show_an_etsi_clause_and_a_final_provision(run_cli: Run) -> None:
    result = run_cli("catalog", "show", "5.5.1-2", "--catalog", "etsi-en-304-223")
    assert result.code == 0 and "In dsit-2025-01: 13.2" in result.out and "aicop's summary" in result.out
    assert run_cli("catalog", "show", "5.5.1", "--catalog", "etsi-en-304-223").out.startswith(
        "Principle 5.5.1"
    )
    assert "affected-entity" in run_cli("catalog", "show", "10.3", "--catalog", "dsit-2025-01").out
    assert run_cli("catalog", "show", "13.3", "--catalog", "dsit-2025-01").code == 2


def test_a_manifest_cannot_claim_a_role_that_does_not_implement_the_code(
    run_cli: Run, make_repo: MakeRepo
) -> None:
    root = make_repo(manifest=MANIFEST.replace("[developer, system-operator]", "[developer, end-user]"))
    result = run_cli("manifest", "validate", root / "aicop.yaml")
    assert result.code == 2 and ":4: roles: Value error, end-user is not a role" in result.err


def test_migrate_copies_a_split_provisions_attestation_to_each_part(
    run_cli: Run, make_repo: MakeRepo
) -> None:
    manifest = (
        MANIFEST
        + "attestations:\n  4.1: {status: partial, owner: CISO, evidence: https://y, date: 2026-01-01}\n"
    )
    root = make_repo(manifest=manifest)
    assert run_cli("manifest", "migrate", root / "aicop.yaml", "--to", "dsit-2025-01").code == 0
    text = (root / "aicop.yaml").read_text()
    assert "'4.1': {status: partial" in text and "'4.3': {status: partial" in text and "&id" not in text
    assert text.count("REVIEW (aicop migrate): was 4.1, split") == 2


def test_migrate_keeps_a_merged_entry_in_a_review_comment(run_cli: Run, make_repo: MakeRepo) -> None:
    manifest = MANIFEST + (
        "attestations:\n"
        '  "2.3": {status: met, owner: CISO, evidence: https://a, date: 2026-01-01}\n'
        '  "2.7": {status: partial, owner: CTO, evidence: https://b, date: 2026-02-01}\n'
    )
    root = make_repo(manifest=manifest)
    result = run_cli("manifest", "migrate", root / "aicop.yaml", "--to", "dsit-2025-01")
    text = (root / "aicop.yaml").read_text()
    assert result.code == 0 and text.count('"2.4":') == 1
    assert "2.7 (merged) also maps here; kept 2.3's entry; 2.7's was: status: partial, owner: CTO" in text


def test_a_manifest_naming_an_unknown_catalog(run_cli: Run, make_repo: MakeRepo) -> None:
    root = make_repo(manifest=MANIFEST.replace("version: 1\n", "version: 1\ncatalog: dsit-2026-13\n"))
    for args in (["assess", root, "-q"], ["manifest", "validate", root / "aicop.yaml"]):
        result = run_cli(*args)
        assert result.code == 2 and f"{root / 'aicop.yaml'}:2: catalog: 'dsit-2026-13'" in result.err


def test_list_by_role_maps_the_role_and_includes_provisions_for_every_organisation(run_cli: Run) -> None:
    rows = json.loads(
        run_cli(
            "catalog", "list", "--catalog", "dsit-2025-01", "--role", "data-controller", "--format", "json"
        ).out
    )
    ids = {r["id"] for r in rows}
    assert {"1.1", "2.5", "5.4"} <= ids and "2.3" not in ids  # 1.1 binds every organisation; 2.3 developers
