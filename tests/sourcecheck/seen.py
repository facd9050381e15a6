"""What two 'aicop code' reports must agree on when only the way they were made differs (serial or in
helpers, with or without the cache)."""

from __future__ import annotations

from aicop.sourcecheck import CodeReport


def seen(report: CodeReport) -> list[object]:
    return [
        [
            (f.rule, f.path, f.line, f.column, f.cell, f.message, f.level, f.suppressed)
            for f in report.findings
        ],
        report.skipped,
        report.files,
        report.providers,
        report.test_providers,
        [(f.path, f.line, f.message) for f in report.limited_routes],
    ]
