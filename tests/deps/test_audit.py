"""Verdicts: vulnerable, clean as of the snapshot's date, or not checked; never clean by default."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from aicop.advisory.schemas import osv_full_errors
from aicop.deps.audit import Verdict, audit, curated
from aicop.deps.sources import Dependency
from aicop.deps.store import AdvisoryDB
from aicop.severity import Severity
from tests.deps.osvdata import export, record

TODAY = dt.date(2026, 11, 27)
NOW = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)


def dep(name: str, version: str | None, **kw: object) -> Dependency:
    return Dependency(name, version, "requirements.txt", 1, **kw)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> AdvisoryDB:
    db = AdvisoryDB.open(tmp_path / "adv.sqlite3", create=True)
    db.import_zip(
        export(
            tmp_path / "all.zip",
            [
                record(
                    "GHSA-aaaa-aaaa-aaaa", "flask", [{"introduced": "0"}, {"fixed": "2.3.2"}], severity="HIGH"
                ),
                record(
                    "GHSA-bbbb-bbbb-bbbb",
                    "flask",
                    [{"introduced": "2.0"}, {"fixed": "2.2.5"}],
                    severity="LOW",
                ),
                record("GHSA-cccc-cccc-cccc", "nofix", [{"introduced": "0"}], severity=None),
                record(
                    "GHSA-dddd-dddd-dddd",
                    "gone",
                    [{"introduced": "0"}],
                    withdrawn="2026-11-01T00:00:00Z",
                ),
                record("GHSA-eeee-eeee-eeee", "gitonly", [], versions=[])
                | {
                    "affected": [
                        {
                            "package": {"ecosystem": "PyPI", "name": "gitonly"},
                            "ranges": [
                                {"type": "GIT", "repo": "https://x", "events": [{"introduced": "abc"}]}
                            ],
                        }
                    ]
                },
            ],
        ),
        NOW,
    )
    return db


def verdicts(result_audit: object) -> dict[str, Verdict]:
    return {r.dependency.key: r.verdict for r in result_audit.results}  # type: ignore[attr-defined]


def test_verdicts_with_a_snapshot(store: AdvisoryDB) -> None:
    deps = [
        dep("Flask", "2.2.0"),
        dep("flask-extra", "1.0"),
        dep("nofix", "9.9"),
        dep("gone", "1.0"),
        dep("gitonly", "1.0"),
        dep("weird", "not-a-version!"),
        dep("unpinned", None),
        dep("fromgit", "1.0", origin="git+https://x"),
    ]
    result = audit(deps, store, TODAY)
    assert verdicts(result) == {
        "flask": Verdict.VULNERABLE,
        "flask-extra": Verdict.CLEAN,
        "nofix": Verdict.VULNERABLE,
        "gone": Verdict.CLEAN,  # withdrawn advisories no longer count
        "gitonly": Verdict.NOT_CHECKED,
        "weird": Verdict.NOT_CHECKED,
        "unpinned": Verdict.NOT_CHECKED,
        "fromgit": Verdict.NOT_CHECKED,
    }
    flask = result.results[0]
    assert {m.advisory.id: m.fixed for m in flask.matches} == {
        "GHSA-aaaa-aaaa-aaaa": "2.3.2",
        "GHSA-bbbb-bbbb-bbbb": "2.2.5",
    }
    assert flask.worst is Severity.HIGH
    nofix = result.results[2]
    assert nofix.unfixed() and nofix.worst is None and nofix.at_or_above(Severity.CRITICAL)
    clean = result.results[1]
    assert clean.as_of == "2026-11-25"
    assert [r.dependency.key for r in result.failing()] == ["flask", "nofix"]
    assert not result.stale


def test_without_a_snapshot_nothing_is_clean_but_curated_advisories_still_count() -> None:
    result = audit([dep("torch", "2.5.1"), dep("torch", "2.6.0"), dep("flask", "2.2.0")], None, TODAY)
    assert [r.verdict for r in result.results] == [
        Verdict.VULNERABLE,
        Verdict.NOT_CHECKED,
        Verdict.NOT_CHECKED,
    ]
    assert result.results[0].matches[0].advisory.id == "GHSA-53q9-r3pm-6pq6"
    assert result.results[0].matches[0].fixed == "2.6.0"
    assert "no advisory snapshot" in result.results[1].reason
    assert result.notes and "nothing can be reported clean" in result.notes[0]


def test_a_stale_snapshot_is_flagged(store: AdvisoryDB) -> None:
    result = audit([dep("flask", "3.0.0")], store, TODAY + dt.timedelta(days=30), max_age_days=7)
    assert result.stale and "days old" in result.notes[0]
    assert result.results[0].verdict is Verdict.CLEAN  # still clean as of its date, and said so


def test_threshold_decides_what_fails(store: AdvisoryDB) -> None:
    result = audit([dep("flask", "2.3.0")], store, TODAY, threshold=Severity.CRITICAL)
    assert result.of(Verdict.VULNERABLE) and not result.failing()


def test_curated_advisories_are_valid_osv_with_a_reference_and_a_fixed_version() -> None:
    from importlib import resources

    records = curated()
    assert {"torch", "keras", "transformers", "langchain", "langchain-core"} <= {
        a.package for r in records for a in r.affected
    }
    folder = resources.files("aicop.deps").joinpath("curated")
    import json

    for item in folder.iterdir():
        if item.name.endswith(".json"):
            data = json.loads(item.read_text())
            assert osv_full_errors(data) == [], item.name
            assert item.name == f"{data['id']}.json"
    for adv in records:
        assert adv.references and adv.severity is not None
        for entry in adv.affected:
            assert adv.fixed_versions(entry.package), adv.id
