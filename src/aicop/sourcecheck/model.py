"""What the source checks produce."""

from __future__ import annotations

from aicop.sourcecheck.rules import RULES, Level

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class CodeFinding:
    __slots__ = ("cell", "column", "level", "line", "message", "path", "rule", "suppressed")

    def __init__(
        self,
        rule: str,
        path: str,
        line: int,
        column: int,
        message: str,
        level: Level | None = None,
        cell: int | None = None,
    ) -> None:
        self.rule, self.path, self.line, self.column, self.message = rule, path, line, column, message
        self.level = level if level is not None else RULES[rule].level
        self.cell = cell  # notebook cell number, when the file is a notebook
        self.suppressed: str | None = None  # the reason, when an in-source suppression applies

    @property
    def provisions(self) -> tuple[str, ...]:
        return RULES[self.rule].provisions

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "title": RULES[self.rule].title,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "cell": self.cell,
            "severity": self.level.label,
            "provisions": list(self.provisions),
            "message": self.message,
            "fix": RULES[self.rule].fix,
            "suppressed": self.suppressed,
        }

    def __repr__(self) -> str:
        return f"CodeFinding({self.rule}, {self.path}:{self.line}, {self.level.label}, {self.message!r})"


class CodeReport:
    __slots__ = (
        "cache_hits",
        "files",
        "findings",
        "limited_routes",
        "providers",
        "skipped",
        "test_providers",
    )

    def __init__(self) -> None:
        self.findings: list[CodeFinding] = []
        self.skipped: list[tuple[str, str]] = []  # (path, reason)
        self.files = 0
        self.providers: list[
            tuple[str, str, int, bool, bool]
        ] = []  # provider, path, line, declared, controls
        self.test_providers: list[tuple[str, str, int]] = []  # provider, path, line: tests and mocks only
        self.limited_routes: list[CodeFinding] = []  # routes that reach a model behind a limiter
        self.cache_hits = 0  # files whose results came from the cache (sourcecheck.facts)

    @property
    def active(self) -> list[CodeFinding]:
        return [f for f in self.findings if f.suppressed is None]

    @property
    def suppressed(self) -> list[CodeFinding]:
        return [f for f in self.findings if f.suppressed is not None]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": "1.0",
            "files": self.files,
            "findings": [f.to_dict() for f in self.active],
            "suppressed": [f.to_dict() for f in self.suppressed],
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
        }
