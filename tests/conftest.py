"""Shared fixtures: small repositories built in tmp_path, and a CLI runner that returns exit codes."""

from __future__ import annotations

import datetime as dt
import os
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from aicop.catalog import Catalog, load_catalog

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "support-assistant"
TODAY = dt.date(2026, 11, 27)
IN_CI = bool(os.environ.get("CI") or os.environ.get("AICOP_REQUIRE_SERVICES"))


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


MakeRepo = Callable[..., Path]


@pytest.fixture
def make_repo(tmp_path: Path) -> MakeRepo:
    """``make_repo({"docs/x.md": "text", ...}, manifest=...)`` writes a repository and returns its root."""

    def make(
        files: dict[str, str | bytes] | None = None, *, manifest: str | None = None, name: str = "repo"
    ) -> Path:
        root = tmp_path / name
        root.mkdir(parents=True, exist_ok=True)
        for rel, content in (files or {}).items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(textwrap.dedent(content), encoding="utf-8")
        if manifest is not None:
            (root / "aicop.yaml").write_text(textwrap.dedent(manifest), encoding="utf-8")
        return root

    return make


MANIFEST = """\
version: 1
system:
  name: test-system
roles: [developer, system-operator]
"""


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliResult]:
    from aicop.cli.main import main

    def run(*args: str | Path) -> CliResult:
        monkeypatch.setattr(sys, "argv", ["aicop"])
        try:
            main([str(a) for a in args])
        except SystemExit as exc:
            code = int(exc.code or 0)
        else:  # pragma: no cover - main always exits
            code = 0
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture(autouse=True)
def _no_user_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read or write the cache in the user's home (aicop.sourcecheck.facts)."""
    monkeypatch.setenv("AICOP_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "aicop-cache"))


@pytest.fixture(autouse=True)
def _no_machine_advisories(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the advisory database of the machine it runs on (a developer's import would make
    7.2 pass here and fail on a fresh CI machine): by default there is none; tests that need one set it."""
    monkeypatch.setenv("AICOP_ADVISORY_DB", str(tmp_path_factory.getbasetemp() / "no-advisories.sqlite3"))
