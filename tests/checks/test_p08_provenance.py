from __future__ import annotations

from aicop.assess.results import Status
from tests.checks.final_helpers import final_results
from tests.conftest import MANIFEST, MakeRepo

DATASETS = """\
datasets:
  - name: kb
    path: data/kb
    source: help centre export
  - name: tickets
    path: data/tickets.csv
"""


def test_every_dataset_with_a_source_meets_8_2(make_repo: MakeRepo) -> None:
    manifest = MANIFEST + DATASETS + "    source: support tickets\n"
    results = final_results(make_repo({"data/kb/a.md": "x", "data/tickets.csv": "a\n1\n"}, manifest=manifest))
    assert results["8.2"].status is Status.MET
    assert [e.key for e in results["8.2"].findings[0].evidence] == [
        "datasets[0].source",
        "datasets[1].source",
    ]


def test_a_dataset_without_a_source_is_partial(make_repo: MakeRepo) -> None:
    results = final_results(
        make_repo({"data/kb/a.md": "x", "data/tickets.csv": "a\n1\n"}, manifest=MANIFEST + DATASETS)
    )
    assert results["8.2"].status is Status.PARTIAL
    assert "tickets" in results["8.2"].findings[0].message


def test_no_datasets_is_an_absence(make_repo: MakeRepo) -> None:
    results = final_results(make_repo(manifest=MANIFEST))
    assert results["8.2"].status is Status.NOT_MET and results["8.2"].findings[0].absence
