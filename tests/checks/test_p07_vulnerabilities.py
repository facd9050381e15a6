"""7.2 (known vulnerabilities, snapshot fresh) and 7.2.1 (flagged components justified)."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import pytest

from aicop.assess.results import Status
from tests.checks.helpers import provision, status
from tests.conftest import MANIFEST, TODAY, MakeRepo


def snapshot(folder: Path, modified: dt.date, records: list[dict[str, object]]) -> Path:
    from aicop.deps.store import AdvisoryDB

    export = folder / "all.zip"
    with zipfile.ZipFile(export, "w") as archive:
        for rec in records:
            archive.writestr(f"{rec['id']}.json", json.dumps(rec | {"modified": f"{modified}T00:00:00Z"}))
    db = AdvisoryDB.open(folder / "adv.sqlite3", create=True)
    db.import_zip(export, dt.datetime.combine(TODAY, dt.time(), tzinfo=dt.UTC))
    db.close()
    return folder / "adv.sqlite3"


def adv(ident: str, package: str, events: list[dict[str, str]], severity: str = "HIGH") -> dict[str, object]:
    return {
        "id": ident,
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": package},
                "ranges": [{"type": "ECOSYSTEM", "events": events}],
            }
        ],
        "database_specific": {"severity": severity},
    }


def test_clean_dependencies_with_a_fresh_snapshot_are_met(make_repo: MakeRepo) -> None:
    root = make_repo({"requirements.txt": "numpy==1.26.4 --hash=sha256:abcd\n"}, manifest=MANIFEST)
    result = provision(root, "7.2")
    assert result.status is Status.MET
    assert any("clean as of 2026-11-27" in f.message for f in result.findings)


def test_a_vulnerable_dependency_is_not_met(make_repo: MakeRepo) -> None:
    root = make_repo({"requirements.txt": "torch==2.5.1 --hash=sha256:abcd\n"}, manifest=MANIFEST)
    result = provision(root, "7.2")
    assert result.status is Status.NOT_MET
    (finding,) = [f for f in result.findings if "GHSA-53q9-r3pm-6pq6" in f.message]
    assert "fixed in 2.6.0" in finding.message and finding.evidence[0].line == 1


def test_no_snapshot_is_not_met(make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AICOP_ADVISORY_DB", str(tmp_path / "none.sqlite3"))
    root = make_repo({"requirements.txt": "numpy==1.26.4 --hash=sha256:abcd\n"}, manifest=MANIFEST)
    result = provision(root, "7.2")
    assert result.status is Status.NOT_MET
    assert any("not checked against an advisory snapshot" in f.message for f in result.findings)


def test_a_stale_snapshot_is_not_met(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = snapshot(
        tmp_path, TODAY - dt.timedelta(days=40), [adv("GHSA-xxxx-xxxx-xxxx", "other", [{"introduced": "0"}])]
    )
    monkeypatch.setenv("AICOP_ADVISORY_DB", str(old))
    root = make_repo({"requirements.txt": "numpy==1.26.4 --hash=sha256:abcd\n"}, manifest=MANIFEST)
    result = provision(root, "7.2")
    assert result.status is Status.NOT_MET and any("40 days old" in f.message for f in result.findings)


def test_severity_threshold_and_policy_db_from_the_manifest(make_repo: MakeRepo, tmp_path: Path) -> None:
    db = snapshot(
        tmp_path, TODAY, [adv("GHSA-low0-low0-low0", "numpy", [{"introduced": "0"}, {"fixed": "2.0"}], "LOW")]
    )
    manifest = MANIFEST + f"advisories:\n  db: {db}\n  fail_severity: medium\n"
    root = make_repo({"requirements.txt": "numpy==1.26.4 --hash=sha256:abcd\n"}, manifest=manifest)
    result = provision(root, "7.2")
    assert result.status is Status.MET
    assert any("below medium" in f.message for f in result.findings)


def test_a_broken_lock_file_is_an_error(make_repo: MakeRepo) -> None:
    root = make_repo({"requirements.txt": "numpy==1.0\nnumpy==2.0\n"}, manifest=MANIFEST)
    result = provision(root, "7.2")
    assert result.status is Status.ERROR
    assert any("pinned twice" in f.message for f in result.findings)


REMOTE_MODEL = """\
models:
  - name: chat
    uri: hf://someone/chat-model
    source: Hugging Face Hub
"""


def test_flagged_models_need_a_justification(make_repo: MakeRepo) -> None:
    root = make_repo(manifest=MANIFEST + REMOTE_MODEL)
    result = provision(root, "7.2.1")
    assert result.status is Status.NOT_MET
    messages = " ".join(f.message for f in result.findings)
    assert "without a pinned revision" in messages and "no licence" in messages


@pytest.mark.parametrize(
    ("review", "shared", "expected"),
    [
        ("2027-06-01", "true", Status.MET),
        ("2027-06-01", "false", Status.PARTIAL),
        ("2026-01-01", "true", Status.NOT_MET),  # expired before TODAY
    ],
)
def test_justifications(make_repo: MakeRepo, review: str, shared: str, expected: Status) -> None:
    manifest = (
        MANIFEST
        + REMOTE_MODEL
        + f"""\
justifications:
  - component: chat
    reason: the only model with Welsh support; reviewed with the vendor each quarter
    owner: ml-lead@example.com
    review: {review}
    shared_with_operators: {shared}
"""
    )
    assert status(make_repo(manifest=manifest), "7.2.1") is expected


def test_blocked_source_and_bad_revision(make_repo: MakeRepo) -> None:
    manifest = (
        MANIFEST
        + """\
models:
  - name: a
    uri: hf://untrusted-org/a
    revision: 0123456789abcdef0123456789abcdef01234567
    licence: mit
  - name: b
    uri: hf://good-org/b
    revision: badbadbadbadbadbadbadbadbadbadbadbadbad0
    licence: mit
advisories:
  blocked_model_sources: ["hf://untrusted-org/*"]
  bad_model_revisions:
    hf://good-org/b: [badbadbadbadbadbadbadbadbadbadbadbadbad0]
"""
    )
    result = provision(make_repo(manifest=manifest), "7.2.1")
    messages = [f.message for f in result.findings]
    assert any("source the organisation blocks" in m for m in messages)
    assert any("known to be bad" in m for m in messages)
    assert result.status is Status.NOT_MET
    supply = provision(make_repo(manifest=manifest, name="again"), "7.2")
    assert supply.status is Status.NOT_MET  # a blocked source or a bad revision is a 7.2 finding too
    assert sum("model " in f.message for f in supply.findings) == 2


def test_well_documented_models_are_met(make_repo: MakeRepo) -> None:
    manifest = MANIFEST + (
        "models:\n  - name: m\n    uri: hf://org/m\n    revision: 0123456789abcdef0123456789abcdef01234567\n"
        "    licence: apache-2.0\n"
    )
    assert status(make_repo(manifest=manifest), "7.2.1") is Status.MET


def test_a_third_party_local_model_without_card_or_signature_is_flagged(make_repo: MakeRepo) -> None:
    manifest = MANIFEST + "models:\n  - name: m\n    path: models/m.safetensors\n    licence: mit\n"
    root = make_repo({"models/m.safetensors": b"\x00" * 16}, manifest=manifest)
    messages = [f.message for f in provision(root, "7.2.1").findings]
    assert any("no model card" in m for m in messages) and any("not signed" in m for m in messages)
