from __future__ import annotations

import pytest

from aicop.assess.results import Status
from tests.checks.helpers import assessed, provision
from tests.conftest import MANIFEST, MakeRepo

NOTICE = """\
# About our AI assistant
## Your responsibilities
Do not share secrets.
## How your data is used
Stored for 90 days.
## Using it securely
Only through our app.
## Limitations
It can be wrong.
## Opting out
Turn off AI answers in settings.
"""


def _statuses(root: object) -> dict[str, Status]:
    return {v.id: v.status for v in assessed(root).provisions() if v.id.startswith("10.")}  # type: ignore[arg-type]


def test_complete_notice(make_repo: MakeRepo) -> None:
    root = make_repo({"docs/user-notice.md": NOTICE}, manifest=MANIFEST)
    statuses = _statuses(root)
    assert all(statuses[pid] is Status.MET for pid in ("10.1", "10.3", "10.3.1", "10.3.2"))


@pytest.mark.parametrize(("section", "pid"), [("## Opting out", "10.3.2"), ("## Limitations", "10.3.1")])
def test_missing_section(make_repo: MakeRepo, section: str, pid: str) -> None:
    start = NOTICE.index(section)
    end = NOTICE.find("##", start + 3)
    notice = NOTICE[:start] + (NOTICE[end:] if end > 0 else "")
    root = make_repo({"docs/user-notice.md": notice}, manifest=MANIFEST)
    assert _statuses(root)[pid] is Status.NOT_MET


def test_no_notice(make_repo: MakeRepo) -> None:
    statuses = _statuses(make_repo(manifest=MANIFEST))
    assert statuses["10.1"] is Status.NOT_MET and statuses["10.3.2"] is Status.NOT_MET


RISK_NOTICE = """\
# About the assistant
## Prohibited uses
Do not use it to get other customers' data.
## Known limitations
It can be wrong about recent policy changes.
## Failure modes
It may invent an order number; check before acting.
## If a security incident affects you
We email you within 72 hours and help you secure your account.
"""


def test_notice_states_prohibited_uses_limitations_and_incident_support(make_repo: MakeRepo) -> None:
    root = make_repo({"docs/user-notice.md": RISK_NOTICE}, manifest=MANIFEST)
    for pid in ("4.4", "4.5", "10.2"):
        assert provision(root, pid).status is Status.MET, pid


@pytest.mark.parametrize(
    ("section", "pid", "outcome"),
    [
        ("## Prohibited uses", "4.4", Status.NOT_MET),
        ("## Failure modes", "4.5", Status.PARTIAL),
        ("## If a security incident", "10.2", Status.NOT_MET),
    ],
)
def test_notice_missing_a_risk_section(make_repo: MakeRepo, section: str, pid: str, outcome: Status) -> None:
    start = RISK_NOTICE.index(section)
    end = RISK_NOTICE.find("##", start + 3)
    notice = RISK_NOTICE[:start] + (RISK_NOTICE[end:] if end > 0 else "")
    result = provision(make_repo({"docs/user-notice.md": notice}, manifest=MANIFEST), pid)
    assert result.status is outcome


def test_a_todo_in_the_notice_is_partial_never_met(make_repo: MakeRepo) -> None:
    notice = RISK_NOTICE.replace("Do not use it to get other customers' data.", "TODO: list prohibited uses")
    result = provision(make_repo({"docs/user-notice.md": notice}, manifest=MANIFEST), "4.4")
    assert result.status is Status.PARTIAL and "TODO markers (line 3)" in result.findings[0].message
