"""The client side of ``aicop assess --push URL``: which commit was assessed, and sending the report.

The commit comes from the CI's own variables (GitHub Actions, GitLab CI, Azure Pipelines, Jenkins,
CircleCI, Bitbucket, Buildkite, or plain ``AICOP_COMMIT``), else from the repository's ``.git`` files,
read as files: running ``git`` in a repository under assessment would run whatever its
``.git/config`` names (``core.fsmonitor``), and aicop never executes what it inspects.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from aicop.errors import AicopError

TOKEN_ENV = "AICOP_PUSH_TOKEN"  # noqa: S105 - the name of the variable, not a secret
COMMIT_VARS = (
    "AICOP_COMMIT",
    "GITHUB_SHA",
    "CI_COMMIT_SHA",
    "BUILD_SOURCEVERSION",
    "GIT_COMMIT",
    "CIRCLE_SHA1",
    "BITBUCKET_COMMIT",
    "BUILDKITE_COMMIT",
)
REF_VARS = (
    "AICOP_REF",
    "GITHUB_REF_NAME",
    "CI_COMMIT_REF_NAME",
    "BUILD_SOURCEBRANCHNAME",
    "BRANCH_NAME",
    "GIT_BRANCH",
    "CIRCLE_BRANCH",
    "BITBUCKET_BRANCH",
    "BUILDKITE_BRANCH",
)


class PushError(AicopError):
    """The run could not be recorded by the server."""


@dataclass(frozen=True)
class Origin:
    commit: str | None
    ref: str | None
    ci_url: str | None


def origin(repo: Path, env: dict[str, str] | None = None) -> Origin:
    env = dict(os.environ) if env is None else env
    commit = next((env[v].strip() for v in COMMIT_VARS if env.get(v, "").strip()), None)
    ref = next((env[v].strip() for v in REF_VARS if env.get(v, "").strip()), None)
    if commit is None:
        commit, head_ref = git_head(repo)
        ref = ref or head_ref
    return Origin(commit, ref, _ci_url(env))


def _ci_url(env: dict[str, str]) -> str | None:
    if env.get("GITHUB_RUN_ID") and env.get("GITHUB_REPOSITORY"):
        server = env.get("GITHUB_SERVER_URL", "https://github.com")
        return f"{server}/{env['GITHUB_REPOSITORY']}/actions/runs/{env['GITHUB_RUN_ID']}"
    for var in ("CI_JOB_URL", "BUILD_URL", "CIRCLE_BUILD_URL", "BUILDKITE_BUILD_URL"):
        if env.get(var, "").startswith(("https://", "http://")):
            return env[var]
    return None


def git_head(repo: Path) -> tuple[str | None, str | None]:
    """(commit, branch) of the repository at or above ``repo``, read from its .git files; (None, None)
    when there is no repository or its files are not what git writes."""
    git = _git_dir(repo.resolve())
    if git is None:
        return None, None
    try:
        head = (git / "HEAD").read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None, None
    if not head.startswith("ref: "):
        return (head if _is_sha(head) else None), None
    ref = head[5:].strip()
    branch = ref.removeprefix("refs/heads/")
    common = _common_dir(git)
    for base in dict.fromkeys((git, common)):
        try:
            value = (base / ref).read_text(encoding="utf-8", errors="replace").strip()
            if _is_sha(value):
                return value, branch
        except (OSError, ValueError):
            pass
        try:
            for line in (base / "packed-refs").read_text(encoding="utf-8", errors="replace").splitlines():
                sha, _, name = line.partition(" ")
                if name.strip() == ref and _is_sha(sha):
                    return sha, branch
        except OSError:
            pass
    return None, branch


def _git_dir(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / ".git"
        if candidate.is_dir():
            return candidate
        if candidate.is_file():  # a worktree or submodule: "gitdir: PATH"
            try:
                text = candidate.read_text(encoding="utf-8", errors="replace").strip()
            except OSError:  # unreadable: no commit known, as for any other missing git file
                return None
            if text.startswith("gitdir: "):
                target = Path(text[8:].strip())
                return target if target.is_absolute() else (folder / target).resolve()
            return None
    return None


def _common_dir(git: Path) -> Path:
    try:
        text = (git / "commondir").read_text(encoding="utf-8").strip()
    except OSError:
        return git
    target = Path(text)
    return target if target.is_absolute() else (git / target).resolve()


def _is_sha(text: str) -> bool:
    return len(text) in (40, 64) and all(c in "0123456789abcdef" for c in text)


def endpoint(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise PushError(f"--push {url}: give the server's http:// or https:// URL")
    url = url.rstrip("/")
    return url if url.endswith("/api/v1/runs") else f"{url}/api/v1/runs"


def push(url: str, token: str, report_json: str, where: Origin, timeout: float = 30.0) -> dict[str, Any]:
    """Send the report; the server's answer (run id, system, created, url) or a ``PushError``."""
    import json

    target = endpoint(url)
    body = (
        '{"report":'
        + report_json
        + ","
        + json.dumps({"commit": where.commit, "ref": where.ref, "ci_url": where.ci_url})[1:]
    )
    try:
        response = httpx.post(
            target,
            content=body.encode(),
            headers={"authorization": f"Bearer {token}", "content-type": "application/json"},
            timeout=timeout,
        )
    except httpx.HTTPError as err:
        raise PushError(f"push to {target} failed: {err}") from None
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    if response.status_code in (200, 201) and isinstance(answer, dict):
        return answer
    detail = (
        answer.get("error", response.reason_phrase) if isinstance(answer, dict) else response.reason_phrase
    )
    field = answer.get("field") if isinstance(answer, dict) else None
    raise PushError(
        f"push to {target} refused ({response.status_code}): "
        + (f"{field}: {detail}" if field else str(detail))
    )
