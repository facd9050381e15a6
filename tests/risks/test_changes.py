from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

import pytest

from aicop.risks.changes import changes_since

pytestmark = pytest.mark.skipif(
    subprocess.run(["git", "--version"], capture_output=True, check=False).returncode != 0, reason="no git"
)


def git(root: Path, *args: str, day: str | None = None) -> None:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t")
    env["GIT_COMMITTER_EMAIL"] = "t@example.com"
    if day:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"{day}T12:00:00+00:00"
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)


def repo(tmp_path: Path) -> Path:
    root = tmp_path / "r"
    (root / "prompts").mkdir(parents=True)
    git(root, "init", "-q")
    (root / "prompts" / "system.md").write_text("v1\n")
    (root / "README.md").write_text("x\n")
    git(root, "add", ".")
    git(root, "commit", "-qm", "first prompt", day="2026-01-10")
    (root / "prompts" / "system.md").write_text("v2\n")
    git(root, "commit", "-qam", "sharper prompt", day="2026-03-05")
    (root / "README.md").write_text("y\n")
    git(root, "commit", "-qam", "docs only", day="2026-04-01")
    return root


def test_commits_after_the_review_on_watched_paths(tmp_path: Path) -> None:
    root = repo(tmp_path)
    found = changes_since(root, ["prompts/system.md"], dt.date(2026, 2, 1))
    assert found is not None
    assert [(c.subject, c.day) for c in found] == [("sharper prompt", dt.date(2026, 3, 5))]
    assert found[0].paths == ("prompts/system.md",)
    assert changes_since(root, ["prompts/system.md"], dt.date(2026, 3, 5)) == []  # same day: reviewed with it


def test_uncommitted_edits_count(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (root / "prompts" / "system.md").write_text("v3\n")
    found = changes_since(root, ["prompts"], dt.date(2026, 6, 1))
    assert found is not None and [c.commit for c in found] == ["uncommitted"]


def test_outside_git_there_is_no_answer(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    assert changes_since(tmp_path / "plain", ["x"], dt.date(2026, 1, 1)) is None
