from __future__ import annotations

import pytest

from aicop.assess.results import Status
from tests.checks.helpers import assessed
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
