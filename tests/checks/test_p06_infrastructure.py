from __future__ import annotations

import pytest

from aicop.assess.results import Status
from tests.checks.helpers import provision, status
from tests.conftest import MANIFEST, MakeRepo

SECURITY_TXT = "Contact: mailto:security@example.com\nExpires: {expires}\n"


def test_security_md_with_a_contact(make_repo: MakeRepo) -> None:
    root = make_repo(
        {"SECURITY.md": "# Security\n\nReport vulnerabilities to security@example.com.\n"}, manifest=MANIFEST
    )
    result = provision(root, "6.3")
    assert result.status is Status.MET
    assert result.findings[0].evidence[0].line == 3


def test_security_md_without_a_contact_is_partial(make_repo: MakeRepo) -> None:
    root = make_repo({"SECURITY.md": "# Security\n\nPlease report issues.\n"}, manifest=MANIFEST)
    assert status(root, "6.3") is Status.PARTIAL


@pytest.mark.parametrize(
    ("expires", "expected"), [("2027-03-01T00:00:00Z", Status.MET), ("2026-01-01T00:00:00Z", Status.NOT_MET)]
)
def test_security_txt_expiry(make_repo: MakeRepo, expires: str, expected: Status) -> None:
    root = make_repo({".well-known/security.txt": SECURITY_TXT.format(expires=expires)}, manifest=MANIFEST)
    result = provision(root, "6.3")
    assert result.status is expected
    if expected is Status.NOT_MET:
        assert "expired on 2026-01-01" in result.findings[0].message
        assert result.findings[0].evidence[0].line == 2


def test_expired_security_txt_is_a_defect_even_beside_security_md(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "SECURITY.md": "Report to security@example.com\n",
            ".well-known/security.txt": SECURITY_TXT.format(expires="2025-01-01T00:00:00Z"),
        },
        manifest=MANIFEST,
    )
    assert status(root, "6.3") is Status.NOT_MET


def test_no_disclosure_policy(make_repo: MakeRepo) -> None:
    root = make_repo(manifest=MANIFEST)
    result = provision(root, "6.3")
    assert result.status is Status.NOT_MET and result.findings[0].absence


PLAN = """\
# Incident response
## Roles and contacts
On-call engineer.
## Detection and triage
Alerts page the on-call.
## Containment and recovery
Roll back the model.
## Communication
Notify customers within 72 hours.
"""


def test_incident_plan_met(make_repo: MakeRepo) -> None:
    root = make_repo({"docs/incident-response.md": PLAN}, manifest=MANIFEST)
    assert status(root, "6.4") is Status.MET


def test_incident_plan_partial(make_repo: MakeRepo) -> None:
    root = make_repo({"docs/incident-response.md": PLAN.split("## Communication")[0]}, manifest=MANIFEST)
    result = provision(root, "6.4")
    assert result.status is Status.PARTIAL
    assert "communication and notification" in result.findings[0].message
    remedy = result.findings[0].remediation or ""
    assert remedy.startswith("Add to docs/incident-response.md a section")
    assert remedy.endswith("on each of: communication and notification.")  # only what is missing


def test_incident_plan_missing(make_repo: MakeRepo) -> None:
    assert status(make_repo(manifest=MANIFEST), "6.4") is Status.NOT_MET
