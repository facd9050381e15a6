"""The arrows of DESIGN.md point one way: read every module's imports (at any depth, lazy ones too)
and fail on an import against the arrow."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "aicop"

# package -> packages it must never import
FORBIDDEN = {
    "audit": ("aicop.integrity", "aicop.cli", "aicop.gateway"),
    "crypto": ("aicop.integrity", "aicop.audit", "aicop.cli"),
    "report": ("aicop.cli", "aicop.checks"),
}
CAPABILITIES = [p.name for p in SRC.iterdir() if p.is_dir() and p.name not in ("cli", "__pycache__")]


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return found


def _modules(package: str) -> list[Path]:
    single = SRC / f"{package}.py"
    return [single] if single.is_file() else sorted((SRC / package).rglob("*.py"))


def _violations(package: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(SRC)}:{line} imports {module}"
        for path in _modules(package)
        for line, module in _imports(path)
        if module.startswith(forbidden)
    ]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_import_against_the_arrow(package: str) -> None:
    assert _violations(package, FORBIDDEN[package]) == []


@pytest.mark.parametrize("package", CAPABILITIES)
def test_capabilities_never_import_the_cli(package: str) -> None:
    assert _violations(package, ("aicop.cli",)) == []


def test_the_check_finds_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "m.py"
    bad.write_text("def f():\n    from aicop.integrity.signing import verify_bytes\n")
    assert _imports(bad) == [(2, "aicop.integrity.signing")]
