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
