"""What changed in the repository after the register's last review (provision 3.1.1): the commits that
touched a model, prompt, dataset or configuration, read from ``git log``, and uncommitted edits.

git is run as a subprocess (it is what the repository already uses; a Python git library would add a
dependency to read three fields). Outside a git checkout, or without git, the answer is ``None`` and
the caller says so, rather than guessing from file times that a checkout resets.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

MAX_COMMITS = 50
TIMEOUT_S = 20


@dataclass(frozen=True)
class Change:
    commit: str  # short hash, or "uncommitted"
    day: dt.date | None
    subject: str
    paths: tuple[str, ...]


def _git(root: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout if out.returncode == 0 else None


def changes_since(root: Path, paths: Sequence[str], since: dt.date) -> list[Change] | None:
    """Commits after the end of day ``since`` that touched ``paths`` (relative to ``root``), newest
    first, and uncommitted edits to them; ``None`` when ``root`` is not in a git checkout."""
    if _git(root, "rev-parse", "--is-inside-work-tree") is None:
        return None
    if not paths:
        return []
    log = _git(
        root,
        "log",
        f"--since={since.isoformat()}T23:59:59",
        f"-n{MAX_COMMITS}",
        "--format=%x00%h%x09%cs%x09%s",
        "--name-only",
        "--relative",
        "--",
        *paths,
    )
    if log is None:
        return None
    found: list[Change] = []
    for block in log.split("\x00")[1:]:
        head, _, rest = block.partition("\n")
        commit, day, subject = [*head.split("\t", 2), "", ""][:3]
        try:
            when: dt.date | None = dt.date.fromisoformat(day)
        except ValueError:
            when = None
        if when is not None and when <= since:
            continue  # committer dates are not monotonic; --since is a hint, not a filter
        found.append(Change(commit, when, subject, tuple(p for p in rest.splitlines() if p.strip())))
    status = _git(root, "status", "--porcelain", "--", *paths)
    edited = tuple(line[3:] for line in (status or "").splitlines() if len(line) > 3)
    if edited:
        found.insert(0, Change("uncommitted", None, "edits not yet committed", edited))
    return found
