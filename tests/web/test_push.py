from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from aicop.assess.results import Assessment as Report
from aicop.store.accounts import create_api_token, revoke_api_token
from aicop.store.models import Assessment
from aicop.store.push import git_head, origin
from tests.web.conftest import Live, Web


def _token(web: Web) -> str:
    with web.db.session() as s:
        return create_api_token(s, "ci", actor="test")[1]


def test_push_records_and_dedups(web: Web, base_report: Report) -> None:
    token = _token(web)
    client = web.client()
    body = {"report": json.loads(base_report.model_dump_json()), "commit": "a" * 40, "ref": "main"}
    first = client.post("/api/v1/runs", json=body, headers={"authorization": f"Bearer {token}"})
    assert first.status_code == 201 and first.json()["created"] is True
    again = client.post("/api/v1/runs", json=body, headers={"authorization": f"Bearer {token}"})
    assert again.status_code == 200 and again.json() == {**first.json(), "created": False}
    with web.db.session() as s:
        run = s.scalars(select(Assessment)).one()
        assert (run.commit, run.ref, run.recorded_by) == ("a" * 40, "main", "token:ci")


@pytest.mark.parametrize("header", [None, "Bearer wrong", "Basic abc", "Bearer "])
def test_push_without_a_valid_token_is_401(web: Web, base_report: Report, header: str | None) -> None:
    _token(web)
    headers = {"authorization": header} if header is not None else {}
    response = web.client().post("/api/v1/runs", content=base_report.model_dump_json(), headers=headers)
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    with web.db.session() as s:
        assert s.scalars(select(Assessment)).all() == []


def test_a_revoked_token_is_401(web: Web, base_report: Report) -> None:
    token = _token(web)
    with web.db.session() as s:
        revoke_api_token(s, 1, actor="test")
    response = web.client().post(
        "/api/v1/runs", content=base_report.model_dump_json(), headers={"authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"not json", "(body)"),
        (b"[]", "(body)"),
        (b'{"report": {"version": "2.1.0", "runs": []}}', "report.schema_version"),
        (b'{"version": "2.1.0", "runs": []}', "schema_version"),
        (b'{"report": {"schema_version": "1.0"}}', "report.tool"),
    ],
)
def test_a_malformed_push_is_422_naming_the_field(web: Web, body: bytes, field: str) -> None:
    token = _token(web)
    response = web.client().post("/api/v1/runs", content=body, headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 422
    assert response.json()["field"] == field


def test_commit_meta_must_be_strings(web: Web, base_report: Report) -> None:
    token = _token(web)
    body = {"report": json.loads(base_report.model_dump_json()), "commit": {"$gt": ""}}
    response = web.client().post("/api/v1/runs", json=body, headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 422 and response.json()["field"] == "commit"


def test_assess_push_end_to_end(run_cli, live: Live, make_repo, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import MANIFEST

    repo = make_repo({"README.md": "# x\n"}, manifest=MANIFEST)
    monkeypatch.setenv("AICOP_PUSH_TOKEN", _token(live.web))
    monkeypatch.setenv("GITHUB_SHA", "b" * 40)
    monkeypatch.setenv("GITHUB_REF_NAME", "release/1.0")
    result = run_cli("assess", repo, "--push", live.url, "--quiet", "--fail-on", "never")
    assert result.code == 0, result.err
    assert "pushed: test-system recorded as run 1" in result.err
    with live.web.db.session() as s:
        run = s.scalars(select(Assessment)).one()
        assert (run.commit, run.ref) == ("b" * 40, "release/1.0")


def test_assess_push_refusals_exit_2(run_cli, live: Live, make_repo, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo({"README.md": "# x\n"})
    monkeypatch.delenv("AICOP_PUSH_TOKEN", raising=False)
    result = run_cli("assess", repo, "--push", live.url, "--quiet")
    assert result.code == 2 and "AICOP_PUSH_TOKEN" in result.err
    monkeypatch.setenv("AICOP_PUSH_TOKEN", "aicop_wrong")
    result = run_cli("assess", repo, "--push", live.url, "--quiet", "--fail-on", "never")
    assert result.code == 2 and "refused (401)" in result.err and "Traceback" not in result.err
    result = run_cli("assess", repo, "--push", "ftp://x", "--quiet")
    assert result.code == 2 and "http:// or https://" in result.err


def test_the_commit_is_read_from_git_files_without_running_git(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "work", str(repo)], check=True)
    (repo / "f").write_text("x")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "add", "f"], check=True)
    subprocess.run([*git, "commit", "-qm", "one"], check=True)
    expected = subprocess.run(
        [*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()
    (repo / "sub").mkdir()
    assert git_head(repo / "sub") == (expected, "work")
    subprocess.run([*git, "pack-refs", "--all"], check=True)  # the branch now lives in packed-refs only
    assert git_head(repo) == (expected, "work")
    assert origin(repo, env={}).commit == expected
    assert origin(repo, env={"CI_COMMIT_SHA": "c" * 40, "CI_COMMIT_REF_NAME": "mr-1"}).ref == "mr-1"
    assert git_head(tmp_path / "elsewhere") == (None, None) or tmp_path.joinpath(".git").exists()


def test_an_unreadable_git_file_means_no_commit_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").write_text("gitdir: elsewhere\n")  # a worktree's or submodule's .git file
    real = Path.read_text

    def read_text(self: Path, *args: object, **kwargs: object) -> str:
        if self.name == ".git":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "read_text", read_text)
    assert git_head(tmp_path) == (None, None)
