from __future__ import annotations

from aicop.assess.results import Status
from tests.checks.helpers import status
from tests.conftest import MANIFEST, MakeRepo


def test_met_with_a_requirements_document(make_repo: MakeRepo) -> None:
    root = make_repo(
        {"docs/requirements.md": "# Requirements\n\n## Problem\n\nSlow answers.\n"}, manifest=MANIFEST
    )
    assert status(root, "2.1") is Status.MET


def test_not_met_when_it_states_no_problem(make_repo: MakeRepo) -> None:
    root = make_repo({"docs/requirements.md": "# Notes\n\nTBD\n"}, manifest=MANIFEST)
    assert status(root, "2.1") is Status.NOT_MET


def test_not_met_without_a_document(make_repo: MakeRepo) -> None:
    # requirements.txt is a dependency list, not a requirements document
    root = make_repo({"requirements.txt": "numpy==1.26.4\n"}, manifest=MANIFEST)
    assert status(root, "2.1") is Status.NOT_MET
