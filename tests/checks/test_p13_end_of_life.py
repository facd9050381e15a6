from __future__ import annotations

from pathlib import Path

import pytest

from aicop.assess.results import Status
from aicop.errors import InputError
from aicop.integrity.disposal import record_disposal, retirements
from aicop.integrity.inventory import record
from aicop.system.yamlsource import load_manifest
from tests.checks.final_helpers import final_results
from tests.conftest import MANIFEST, MakeRepo

PROCEDURE = """\
# Decommissioning
## Transfer of ownership
Before a model or dataset is handed over, we delete our copies.
## Retiring the system
We decommission the endpoint first.
## Deletion of models, data and configuration
Buckets are deleted and keys destroyed.
## Backups and copies
Snapshots are expired within 30 days.
"""


def test_a_complete_procedure_meets_both(make_repo: MakeRepo) -> None:
    results = final_results(make_repo({"docs/decommissioning.md": PROCEDURE}, manifest=MANIFEST))
    assert results["13.1"].status is Status.MET and results["13.2"].status is Status.MET
    assert results["13.2"].findings[0].evidence[0].path == "docs/decommissioning.md"


def test_a_procedure_without_transfer_is_partial_for_13_1(make_repo: MakeRepo) -> None:
    text = PROCEDURE.replace("## Transfer of ownership\nBefore a model or dataset is handed over", "## X\nWe")
    results = final_results(make_repo({"docs/data-disposal.md": text}, manifest=MANIFEST))
    assert results["13.1"].status is Status.PARTIAL
    assert "transfer of ownership" in results["13.1"].findings[0].message


def test_no_procedure_is_a_gap(make_repo: MakeRepo) -> None:
    results = final_results(make_repo(manifest=MANIFEST))
    assert results["13.1"].status is Status.NOT_MET and results["13.1"].gap


def _retire(root: Path) -> None:
    manifest = load_manifest(root / "aicop.yaml", root)
    record(root, manifest)
    (root / "models" / "old.onnx").unlink()
    record(root, manifest)


def test_a_retired_asset_without_a_disposal_event_is_not_met(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "docs/decommissioning.md": PROCEDURE,
            "models/old.onnx": b"\x08\x01",
            "models/new.onnx": b"\x08\x02",
        },
        manifest=MANIFEST,
    )
    _retire(root)
    assert [r.path for r in retirements(root)] == ["models/old.onnx"]
    results = final_results(root)
    assert results["13.2"].status is Status.NOT_MET
    assert "models/old.onnx" in " ".join(f.message for f in results["13.2"].findings)


def test_a_recorded_disposal_meets_it(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "docs/decommissioning.md": PROCEDURE,
            "models/old.onnx": b"\x08\x01",
            "models/new.onnx": b"\x08\x02",
        },
        manifest=MANIFEST,
    )
    _retire(root)
    record_disposal(root, "models/old.onnx", method="deleted", note="bucket and two backups deleted")
    results = final_results(root)
    assert results["13.2"].status is Status.MET
    assert any("deleted" in (e.detail or "") for f in results["13.2"].findings for e in f.evidence)


@pytest.mark.parametrize(
    ("path", "method", "recipient", "message"),
    [
        ("models/never.onnx", "deleted", None, "never recorded"),
        ("models/old.onnx", "burnt", None, "not one of"),
        ("models/old.onnx", "transferred", None, "needs --recipient"),
    ],
)
def test_disposal_bad_input(
    make_repo: MakeRepo, path: str, method: str, recipient: str | None, message: str
) -> None:
    root = make_repo({"models/old.onnx": b"\x08\x01"}, manifest=MANIFEST)
    record(root, load_manifest(root / "aicop.yaml", root))
    with pytest.raises(InputError, match=message):
        record_disposal(root, path, method=method, note="n", recipient=recipient)


def test_the_draft_never_runs_them(make_repo: MakeRepo) -> None:
    from tests.checks.helpers import assessed

    a = assessed(make_repo({"docs/decommissioning.md": PROCEDURE}, manifest=MANIFEST))
    assert not any(c.id.startswith("eol.") and c.provisions for c in a.checks)
