from __future__ import annotations

import subprocess

from aicop.assess.results import Status
from tests.checks.helpers import provision, status
from tests.conftest import MANIFEST, MakeRepo

MATERIAL = "# AI security awareness\n\nLast reviewed: {date}\n\n- prompt injection\n"


def test_met_when_reviewed_within_six_months(make_repo: MakeRepo) -> None:
    root = make_repo({"docs/security-awareness.md": MATERIAL.format(date="2026-09-01")}, manifest=MANIFEST)
    assert status(root, "1.1") is Status.MET
    result = provision(root, "1.1.1")
    assert result.status is Status.MET
    assert result.findings[0].evidence[0].line == 3


def test_not_met_when_review_is_older_than_six_months(make_repo: MakeRepo) -> None:
    root = make_repo({"docs/security-awareness.md": MATERIAL.format(date="2026-02-10")}, manifest=MANIFEST)
    result = provision(root, "1.1.1")
    assert result.status is Status.NOT_MET
    assert "290 days ago" in result.findings[0].message


def test_not_met_without_material(make_repo: MakeRepo) -> None:
    root = make_repo(manifest=MANIFEST)
    assert status(root, "1.1") is Status.NOT_MET
    assert status(root, "1.1.1") is Status.NOT_MET


def test_last_commit_date_when_the_file_has_no_date(make_repo: MakeRepo) -> None:
    root = make_repo({"awareness.md": "# Awareness\n\nModules.\n"}, manifest=MANIFEST)
    env = {
        "GIT_AUTHOR_DATE": "2026-10-01T12:00:00Z",
        "GIT_COMMITTER_DATE": "2026-10-01T12:00:00Z",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@e",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@e",
        "PATH": "/usr/bin:/bin",
    }
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "x"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True)
    result = provision(root, "1.1.1")
    assert result.status is Status.MET
    assert result.findings[0].evidence[0].detail == "last commit 2026-10-01"


def test_partial_without_any_date(make_repo: MakeRepo) -> None:
    root = make_repo({"awareness.md": "# Awareness\n"}, manifest=MANIFEST)
    assert status(root, "1.1.1") is Status.PARTIAL
