"""The advisory database: imports validated record by record, all or nothing for the zip, and what
changed since the last import."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from aicop.deps.store import AdvisoryDB, AdvisoryDBError
from aicop.severity import Severity
from tests.deps.osvdata import export, record

NOW = dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC)


def db(tmp_path: Path) -> AdvisoryDB:
    return AdvisoryDB.open(tmp_path / "adv.sqlite3", create=True)


def test_import_stores_records_with_date_digest_and_severity(tmp_path: Path) -> None:
    zip_path = export(
        tmp_path / "all.zip",
        [
            record("GHSA-aaaa-aaaa-aaaa", "Some_Package", [{"introduced": "0"}, {"fixed": "1.2"}]),
            record(
                "PYSEC-2026-1",
                "other",
                [{"introduced": "0"}],
                severity=None,
            )
            | {"severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]},
        ],
    )
    store = db(tmp_path)
    report = store.import_zip(zip_path, NOW)
    assert report.first and sorted(report.added) == ["GHSA-aaaa-aaaa-aaaa", "PYSEC-2026-1"]
    assert report.snapshot.records == 2 and report.snapshot.ecosystems == ["PyPI"]
    assert report.snapshot.data_date == "2026-11-25T00:00:00Z"
    assert len(report.snapshot.sha256) == 64
    (found,) = store.advisories_for("PyPI", "some-package")  # matched on the PEP 503 name
    assert found.id == "GHSA-aaaa-aaaa-aaaa" and found.severity is Severity.HIGH
    (scored,) = store.advisories_for("PyPI", "other")
    assert scored.severity is Severity.CRITICAL  # from the CVSS 3.1 vector (9.8)


def test_reimport_reports_added_modified_withdrawn_removed(tmp_path: Path) -> None:
    store = db(tmp_path)
    first = [
        record("GHSA-aaaa-aaaa-aaaa", "a", [{"introduced": "0"}]),
        record("GHSA-bbbb-bbbb-bbbb", "b", [{"introduced": "0"}]),
        record("GHSA-cccc-cccc-cccc", "c", [{"introduced": "0"}]),
    ]
    store.import_zip(export(tmp_path / "1.zip", first), NOW)
    second = [
        record("GHSA-aaaa-aaaa-aaaa", "a", [{"introduced": "0"}]),  # unchanged
        record(
            "GHSA-bbbb-bbbb-bbbb", "b", [{"introduced": "0"}, {"fixed": "2"}], modified="2026-11-26T00:00:00Z"
        ),
        record("GHSA-cccc-cccc-cccc", "c", [{"introduced": "0"}], withdrawn="2026-11-26T00:00:00Z"),
        record("GHSA-dddd-dddd-dddd", "d", [{"introduced": "0"}]),
    ]
    report = store.import_zip(export(tmp_path / "2.zip", second[:3] + second[3:]), NOW)
    assert not report.first
    assert report.added == ["GHSA-dddd-dddd-dddd"]
    assert report.modified == ["GHSA-bbbb-bbbb-bbbb", "GHSA-cccc-cccc-cccc"]
    assert report.withdrawn == ["GHSA-cccc-cccc-cccc"]
    assert report.removed == []
    third = store.import_zip(export(tmp_path / "3.zip", second[:2]), NOW)
    assert third.removed == ["GHSA-cccc-cccc-cccc", "GHSA-dddd-dddd-dddd"]
    assert store.advisories_for("PyPI", "d") == []


def test_records_breaking_the_schema_are_skipped_and_named(tmp_path: Path) -> None:
    good = record("GHSA-aaaa-aaaa-aaaa", "a", [{"introduced": "0"}])
    no_introduced = record("GHSA-bbbb-bbbb-bbbb", "b", [{"fixed": "1.0"}])
    two_kinds = record("GHSA-cccc-cccc-cccc", "c", [{"introduced": "0", "fixed": "1.0"}])
    bad_id = record("ACME-1", "d", [{"introduced": "0"}])
    zip_path = export(
        tmp_path / "all.zip",
        [good, no_introduced, two_kinds, bad_id],
        raw={"junk.json": b"{not json", "empty.json": b"", "README.txt": b"not a record"},
    )
    report = db(tmp_path).import_zip(zip_path, NOW)
    assert report.snapshot.records == 1
    skipped = {s.member: s for s in report.skipped}
    assert set(skipped) == {
        "GHSA-bbbb-bbbb-bbbb.json",
        "GHSA-cccc-cccc-cccc.json",
        "ACME-1.json",
        "junk.json",
        "empty.json",
    }
    assert skipped["GHSA-bbbb-bbbb-bbbb.json"].record == "GHSA-bbbb-bbbb-bbbb"
    assert "OSV schema" in skipped["ACME-1.json"].reason
    assert "not JSON" in skipped["junk.json"].reason


@pytest.mark.parametrize("cut", [0, 30, -25])
def test_corrupt_or_truncated_zip_imports_nothing(tmp_path: Path, cut: int) -> None:
    zip_path = export(
        tmp_path / "all.zip",
        [record(f"GHSA-aaaa-aaaa-aa{i:02d}", "a", [{"introduced": "0"}]) for i in range(20)],
    )
    data = zip_path.read_bytes()
    (tmp_path / "bad.zip").write_bytes(b"garbage" if cut == 0 else data[:cut])
    store = db(tmp_path)
    with pytest.raises(AdvisoryDBError, match=r"bad\.zip: .*nothing imported"):
        store.import_zip(tmp_path / "bad.zip", NOW)
    assert store.snapshots() == []


def test_a_member_with_a_bad_crc_imports_nothing(tmp_path: Path) -> None:
    zip_path = export(
        tmp_path / "all.zip", [record("GHSA-aaaa-aaaa-aaaa", "a", [{"introduced": "0"}], details="x" * 400)]
    )
    data = bytearray(zip_path.read_bytes())
    offset = data.index(b"GHSA-aaaa-aaaa-aaaa.json") + len("GHSA-aaaa-aaaa-aaaa.json") + 10
    data[offset] ^= 0xFF  # flip a byte of the compressed record
    (tmp_path / "flipped.zip").write_bytes(bytes(data))
    store = db(tmp_path)
    with pytest.raises(AdvisoryDBError, match="nothing imported"):
        store.import_zip(tmp_path / "flipped.zip", NOW)
    assert store.snapshots() == []


def test_an_export_with_no_valid_record_is_refused(tmp_path: Path) -> None:
    zip_path = export(tmp_path / "all.zip", [], raw={"x.json": b"[]"})
    with pytest.raises(AdvisoryDBError, match="no valid OSV record"):
        db(tmp_path).import_zip(zip_path, NOW)


def test_opening_a_missing_or_foreign_database(tmp_path: Path) -> None:
    with pytest.raises(AdvisoryDBError, match="import OSV's PyPI export first"):
        AdvisoryDB.open(tmp_path / "none.sqlite3", create=False)
    (tmp_path / "not.sqlite3").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(AdvisoryDBError, match="not an aicop advisory database"):
        AdvisoryDB.open(tmp_path / "not.sqlite3", create=False)
