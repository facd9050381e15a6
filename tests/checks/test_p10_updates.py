from __future__ import annotations

from aicop.assess.results import Status
from tests.checks.final_helpers import final_results
from tests.conftest import MANIFEST, MakeRepo

NOTICE = "# Notice\n## Model updates\nWe tell you two weeks ahead.\n## Security updates\nBy email.\n"


def test_a_notice_covering_both_meets_both(make_repo: MakeRepo) -> None:
    results = final_results(make_repo({"docs/user-notice.md": NOTICE}, manifest=MANIFEST))
    assert results["7.4"].status is Status.MET and results["10.2.2"].status is Status.MET


def test_a_notice_without_security_updates_misses_10_2_2(make_repo: MakeRepo) -> None:
    notice = NOTICE.split("## Security")[0]
    results = final_results(make_repo({"docs/user-notice.md": notice}, manifest=MANIFEST))
    assert results["7.4"].status is Status.MET and results["10.2.2"].status is Status.NOT_MET
