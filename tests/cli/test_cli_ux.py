"""The command line as a person meets it: tables that read at 80 columns and in a pipe, a closed pipe
that ends quietly, and user mistakes that exit 2 naming the place before any work is done."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult

Run = Callable[..., CliResult]
AICOP = str(Path(sys.executable).parent / "aicop")  # the console script, as a user runs it


def _words_in_order(text: str, haystack: str) -> bool:
    """Whether the words of ``text`` appear in ``haystack`` in order (a wrapped cell keeps them)."""
    position = 0
    for word in text.split():
        found = haystack.find(word, position)
        if found < 0:
            return False
        position = found + len(word)
    return True


@pytest.mark.parametrize("columns", ["80", None])
def test_checks_list_reads_at_80_columns_and_in_a_pipe(
    run_cli: Run, monkeypatch: pytest.MonkeyPatch, columns: str | None
) -> None:
    from aicop.assess.registry import registered_checks

    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)  # captured output is no tty: rich's default width
    else:
        monkeypatch.setenv("COLUMNS", columns)
    result = run_cli("checks", "list")
    assert result.code == 0
    lines = result.out.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in result.out  # nothing cut off
    header = next(line for line in lines if "Title" in line)
    assert len(header.split("┃")[3]) >= 24  # the title column is wide enough to read, not four characters
    titles = " ".join(line.split("│")[3].strip() for line in lines if line.count("│") == 4)
    for spec in registered_checks():
        assert f"│ {spec.id} " in result.out
        assert _words_in_order(spec.title, titles), spec.id


def test_catalog_list_reads_at_80_columns(run_cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    result = run_cli("catalog", "list")
    assert result.code == 0
    assert max(len(line) for line in result.out.splitlines()) <= 80
    assert "…" not in result.out
    for role in ("developer", "system-operator", "data-controller"):
        assert f" {role} " in result.out  # the stakeholders column shows whole role names
    flat = " ".join(line.split("│")[4].strip() for line in result.out.splitlines() if line.count("│") == 5)
    assert _words_in_order("Organisations shall establish and maintain a continuous security awareness", flat)


@pytest.mark.parametrize(
    "args",
    [
        ("catalog", "list", "--format", "json"),
        ("catalog", "list"),
        ("checks", "list"),
        ("catalog", "export", "--format", "yaml"),
    ],
)
def test_closed_pipe_ends_quietly(args: tuple[str, ...]) -> None:
    """``aicop catalog list --format json | head``: the reader goes away; aicop stops as cat would,
    by SIGPIPE, with nothing on stderr (no traceback, no 'internal error', no exit 1 or 3)."""
    process = subprocess.Popen([AICOP, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before aicop writes
    err = process.stderr.read().decode()
    assert process.wait(timeout=60) == -signal.SIGPIPE
    assert err == ""
