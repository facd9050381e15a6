from __future__ import annotations

from aicop.assess.results import Status
from tests.checks.final_helpers import final_results
from tests.conftest import MANIFEST, MakeRepo

PLAN = "# Incident plan\n## Roles\nOn call.\n## Recovery\nRestore from backup.\n"


def test_a_plan_that_names_models_and_data_meets_5_3(make_repo: MakeRepo) -> None:
    plan = PLAN + "## Models\nWeights are rebuilt from the registry.\n## Data\nThe index is rebuilt.\n"
    results = final_results(make_repo({"docs/incident-response.md": plan}, manifest=MANIFEST))
    assert results["5.3"].status is Status.MET


def test_a_generic_plan_is_partial(make_repo: MakeRepo) -> None:
    results = final_results(make_repo({"docs/incident-response.md": PLAN}, manifest=MANIFEST))
    assert results["5.3"].status is Status.PARTIAL
    assert "the models" in results["5.3"].findings[0].message
