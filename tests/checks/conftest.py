"""The checks' tests run as an organisation that keeps a fresh OSV snapshot: one PyPI advisory, for a
package none of the generated repositories uses, dated the tests' TODAY. Without it every repository
with a pinned dependency would fail 7.2 for want of a snapshot, which test_p07_vulnerabilities tests
on its own (it points AICOP_ADVISORY_DB elsewhere)."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import pytest

from tests.conftest import TODAY


@pytest.fixture(scope="session")
def fresh_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from aicop.deps.store import AdvisoryDB

    folder = tmp_path_factory.mktemp("advisories")
    export = folder / "all.zip"
    record = {
        "id": "GHSA-test-test-test",
        "modified": f"{TODAY.isoformat()}T00:00:00Z",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "aicop-test-only-package"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}],
            }
        ],
    }
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr("GHSA-test-test-test.json", json.dumps(record))
    db = AdvisoryDB.open(folder / "advisories.sqlite3", create=True)
    db.import_zip(export, dt.datetime.combine(TODAY, dt.time(), tzinfo=dt.UTC))
    db.close()
    return folder / "advisories.sqlite3"


@pytest.fixture(autouse=True)
def advisory_db(fresh_snapshot: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AICOP_ADVISORY_DB", str(fresh_snapshot))
    return fresh_snapshot
