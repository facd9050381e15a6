from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from aicop.assess.results import Assessment as Report
from aicop.store.attestations import approved_for
from aicop.store.models import AttestationRow, Event
from aicop.store.runs import Provenance, record_run
from tests.web.conftest import Web, csrf_of


def _attested_provision(report: Report) -> str:
    """A provision that only a person can decide (needs_attestation, nothing found in the repository)."""
    return next(v.id for v in report.provisions() if v.status.value == "needs_attestation" and not v.findings)


def _post(client: TestClient, path: str, **data: str) -> object:
    token = csrf_of(client.get(path).text)
    return client.post(path, data={"csrf": token, **data})


def _setup(web: Web, report: Report) -> tuple[int, str, str]:
    with web.db.session() as s:
        system = record_run(s, report, Provenance("import", "test")).system_id
    pid = _attested_provision(report)
    return system, pid, f"/systems/{system}/provisions/{pid}"


def test_request_submit_approve_with_events(web: Web, base_report: Report) -> None:
    _, pid, path = _setup(web, base_report)
    assessor, owner = web.signed_in("assessor"), web.signed_in("owner")
    asked = _post(assessor, path, action="request", owner="owner", due_on="2030-01-31")
    assert asked.status_code == 303 and asked.headers["location"].endswith("?done=requested#attestation")  # type: ignore[attr-defined]
    assert "Attestation requested" in assessor.get(asked.headers["location"]).text  # type: ignore[attr-defined]
    submitted = _post(
        owner, path, action="submit", attestation="1", claimed_status="met",
        evidence_url="https://wiki.example.org/ir-plan", statement="Reviewed quarterly <b>by the board</b>.",
    )  # fmt: skip
    assert submitted.status_code == 303, submitted.text  # type: ignore[attr-defined]
    assert "&lt;b&gt;by the board&lt;/b&gt;" in owner.get(path).text
    approved = _post(assessor, path, action="approve", attestation="1", note="seen", expires_on="2031-01-01")
    assert approved.status_code == 303  # type: ignore[attr-defined]
    with web.db.session() as s:
        row = s.get(AttestationRow, 1)
        assert row is not None and (row.state, row.decided_by, row.expires_on) == (
            "approved", "assessor", dt.date(2031, 1, 1)
        )  # fmt: skip
        actions = s.scalars(select(Event.action).where(Event.subject_type == "attestation")).all()
        assert actions == ["attestation.request", "attestation.submit", "attestation.approve"]
        found = approved_for(s, base_report.system["name"], dt.date(2030, 6, 1))  # type: ignore[arg-type]
        assert found[pid].evidence == "https://wiki.example.org/ir-plan"
        assert approved_for(s, base_report.system["name"], dt.date(2031, 1, 2)) == {}  # type: ignore[arg-type]
    feed = web.signed_in("viewer").get("/attestations.json?view=approved").json()
    assert feed["attestations"][0]["provision"] == pid and feed["attestations"][0]["standing"] == "valid"


def test_only_the_owner_submits_and_not_the_owner_approves(web: Web, base_report: Report) -> None:
    _, _, path = _setup(web, base_report)
    _post(web.signed_in("assessor"), path, action="request", owner="owner")
    submit = {
        "action": "submit", "attestation": "1", "claimed_status": "met",
        "evidence_url": "https://x.example/e", "statement": "done",
    }  # fmt: skip
    assert _post(web.signed_in("owner2"), path, **submit).status_code == 403  # type: ignore[attr-defined]
    assert _post(web.signed_in("viewer"), path, **submit).status_code == 403  # type: ignore[attr-defined]
    assert _post(web.signed_in("owner"), path, **submit).status_code == 303  # type: ignore[attr-defined]
    owner_approves = _post(web.signed_in("owner"), path, action="approve", attestation="1")
    assert owner_approves.status_code == 403  # type: ignore[attr-defined]


def test_reject_needs_a_reason_then_the_owner_submits_again(web: Web, base_report: Report) -> None:
    _, _, path = _setup(web, base_report)
    assessor, owner = web.signed_in("assessor"), web.signed_in("owner")
    _post(assessor, path, action="request", owner="owner")
    submit = {
        "action": "submit", "attestation": "1", "claimed_status": "partial",
        "evidence_url": "https://x.example/e", "statement": "half done",
    }  # fmt: skip
    _post(owner, path, **submit)
    assert _post(assessor, path, action="reject", attestation="1").status_code == 422  # type: ignore[attr-defined]
    assert _post(assessor, path, action="reject", attestation="1", note="link is dead").status_code == 303  # type: ignore[attr-defined]
    assert _post(owner, path, **submit).status_code == 303  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,<script>", "ftp://x.example/", "https://", "https://a b/"]
)
def test_evidence_links_that_would_run_are_refused(web: Web, base_report: Report, url: str) -> None:
    _, _, path = _setup(web, base_report)
    _post(web.signed_in("assessor"), path, action="request", owner="owner")
    response = _post(
        web.signed_in("owner"), path, action="submit", attestation="1", claimed_status="met",
        evidence_url=url, statement="x",
    )  # fmt: skip
    assert response.status_code == 422 and "evidence_url" in response.text  # type: ignore[attr-defined]
    with web.db.session() as s:
        assert s.get(AttestationRow, 1).state == "requested"  # type: ignore[union-attr]


def test_long_and_rtl_statements_are_kept_and_escaped(web: Web, base_report: Report) -> None:
    _, _, path = _setup(web, base_report)
    _post(web.signed_in("assessor"), path, action="request", owner="owner")
    statement = "\u202e<script>alert(1)</script>" + "é" * 9000
    response = _post(
        web.signed_in("owner"), path, action="submit", attestation="1", claimed_status="met",
        evidence_url="https://x.example/e", statement=statement,
    )  # fmt: skip
    assert response.status_code == 303  # type: ignore[attr-defined]
    page = web.signed_in("viewer").get(path).text
    assert "&lt;script&gt;alert(1)" in page and "<script>alert(1)" not in page
    too_long = _post(
        web.signed_in("owner"), path, action="submit", attestation="1", claimed_status="met",
        evidence_url="https://x.example/e", statement="x" * 10_001,
    )  # fmt: skip
    assert too_long.status_code in (409, 422)  # type: ignore[attr-defined]


def test_assess_store_takes_approved_attestations(run_cli, web: Web, make_repo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import MANIFEST

    repo = make_repo({"README.md": "# x\n"}, manifest=MANIFEST)

    def assess() -> str:
        return str(
            run_cli(
                "assess",
                repo,
                "--format",
                "json",
                "--fail-on",
                "never",
                "--store",
                "--db",
                tmp_path / "store.sqlite3",
            ).out
        )

    first = assess()
    report = Report.model_validate_json(first)
    _, pid, path = _setup(web, report)
    assert next(v for v in report.provisions() if v.id == pid).status.value == "needs_attestation"
    _post(web.signed_in("assessor"), path, action="request", owner="owner")
    _post(
        web.signed_in("owner"), path, action="submit", attestation="1", claimed_status="met",
        evidence_url="https://x.example/e", statement="we do this",
    )  # fmt: skip
    _post(web.signed_in("assessor"), path, action="approve", attestation="1")
    again = assess()
    result = next(v for v in Report.model_validate_json(again).provisions() if v.id == pid)
    assert (result.status.value, result.basis) == ("met", "attestation")
    assert result.attestation is not None and result.attestation.evidence == "https://x.example/e"


def test_exclusions_need_a_reason_and_an_assessor(web: Web, base_report: Report) -> None:
    _, _, path = _setup(web, base_report)
    assert _post(web.signed_in("owner"), path, action="exclude", reason="not our business").status_code == 403  # type: ignore[attr-defined]
    assert _post(web.signed_in("assessor"), path, action="exclude", reason="short").status_code == 422  # type: ignore[attr-defined]
    done = _post(
        web.signed_in("assessor"), path, action="exclude", reason="No model is trained here: hosted API only."
    )
    assert done.headers["location"].endswith("?done=excluded#attestation")  # type: ignore[attr-defined]
    assert "hosted API only" in web.signed_in("viewer").get(path).text
    assert _post(web.signed_in("assessor"), path, action="include").status_code == 303  # type: ignore[attr-defined]
    assert _post(web.signed_in("assessor"), path, action="include").status_code == 409  # type: ignore[attr-defined]
    with web.db.session() as s:
        actions = s.scalars(select(Event.action).where(Event.subject_type == "exclusion")).all()
        assert actions == ["exclusion.set", "exclusion.remove"]


def test_assess_store_takes_exclusions(run_cli, web: Web, make_repo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import MANIFEST

    repo = make_repo({"README.md": "# x\n"}, manifest=MANIFEST)
    db = tmp_path / "store.sqlite3"
    report = Report.model_validate_json(run_cli("assess", repo, "--format", "json", "--fail-on", "never").out)
    _, pid, path = _setup(web, report)
    _post(
        web.signed_in("assessor"), path, action="exclude", reason="Only a hosted model; nothing trained here."
    )
    again = run_cli("assess", repo, "--format", "json", "--fail-on", "never", "--store", "--db", db)
    result = next(v for v in Report.model_validate_json(again.out).provisions() if v.id == pid)
    assert result.status.value == "not_applicable" and result.basis == "exclusion"
    assert result.exclusion is not None and result.exclusion.reason.startswith("Only a hosted model")
