"""The inventory and audit-trail checks, met and not met."""

from __future__ import annotations

from pathlib import Path

import pytest

from aicop.assess.results import Status
from aicop.integrity import inventory
from tests.checks.helpers import provision
from tests.conftest import MANIFEST, MakeRepo

FILES = {"models/clf.safetensors": "weights", "data/train.csv": "a,b\n1,2\n", "prompts/system.md": "Be kind."}


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def test_checks(make_repo: MakeRepo) -> None:
    root = make_repo(FILES, manifest=MANIFEST)
    assert provision(root, "5.1").status is Status.NOT_MET and provision(root, "2.2").status is Status.NOT_MET
    inventory.record(root, None)
    assert provision(root, "5.1").status is Status.MET
    assert provision(root, "5.2").status is Status.MET
    assert provision(root, "2.2").status is Status.MET
    (root / "data/train.csv").write_text("poisoned\n")
    result = provision(root, "5.2")
    assert result.status is Status.NOT_MET and "data/train.csv" in result.findings[0].message


def test_tampered_audit_trail(make_repo: MakeRepo) -> None:
    root = make_repo(FILES, manifest=MANIFEST)
    inventory.record(root, None)
    log = root / ".aicop" / "audit.jsonl"
    log.write_text(log.read_text().replace('"assets":', '"assets":9'))
    assert provision(root, "2.2").status is Status.NOT_MET


SIGNED_MANIFEST = (
    MANIFEST
    + """\
models:
  - name: clf
    path: models/clf
  - name: ranker
    path: models/ranker.safetensors
signing:
  public_key: keys/signing.pub.pem
"""
)


def signature_finding(root: Path) -> tuple[Status, str]:
    found = [f for f in provision(root, "5.2").findings if f.check == "assets.signatures"]
    assert len(found) == 1
    return found[0].status, found[0].message


def test_signatures(make_repo: MakeRepo, tmp_path: Path) -> None:
    from aicop.integrity import signing
    from tests.integrity.test_signing import write_keys

    root = make_repo(
        {"models/clf/weights.safetensors": "w", "models/ranker.safetensors": "r", "keys/.keep": ""},
        manifest=SIGNED_MANIFEST,
    )
    key, pub = write_keys(tmp_path)
    (root / "keys" / "signing.pub.pem").write_bytes(pub.read_bytes())
    status, message = signature_finding(root)
    assert status is Status.NOT_MET and "unsigned: clf, ranker" in message
    signing.sign_directory(root / "models/clf", key, root / "models/clf/model.sig")
    status, message = signature_finding(root)
    assert status is Status.PARTIAL and "unsigned: ranker" in message
    ranker = root / "models/ranker.safetensors"
    signing.sign_directory(ranker, key, root / "models/ranker.safetensors.sig")  # a one-file model
    assert signature_finding(root)[0] is Status.MET
    (root / "models/ranker.safetensors.sig").unlink()
    inventory.record(root, None)
    signing.sign_inventory(root, None, key)
    assert signature_finding(root)[0] is Status.MET
    (root / "models/ranker.safetensors").write_text("swapped")
    status, message = signature_finding(root)
    assert status is Status.NOT_MET and "ranker" in message
    _, other = write_keys(tmp_path, name="other")
    (root / "keys" / "signing.pub.pem").write_bytes(other.read_bytes())
    status, message = signature_finding(root)
    assert status is Status.NOT_MET and "another key" in message
