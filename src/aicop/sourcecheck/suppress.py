"""In-source suppressions: ``# aicop: ignore[AIC101] reason`` on the line, or alone on the line above.

A reason is required (a suppression without one is itself a finding and suppresses nothing), and
``until=YYYY-MM-DD`` before the reason makes it expire. Suppressed findings are not dropped: every
report lists them as justified exclusions.
"""

from __future__ import annotations

import datetime as dt
import re

from aicop.sourcecheck.model import CodeFinding

PATTERN = re.compile(r"#\s*aicop:\s*ignore\[([A-Za-z0-9_,\s-]+)\]\s*(?:until=(\d{4}-\d{2}-\d{2})\s*)?(.*)$")


def apply(findings: list[CodeFinding], lines: list[str], path: str, today: dt.date) -> list[CodeFinding]:
    """Mark suppressed findings; return findings about the suppressions themselves."""
    marks: dict[int, tuple[set[str], str, int]] = {}  # line → (rules, reason, comment line)
    extra: list[CodeFinding] = []
    if "aicop" not in "\n".join(lines):
        return extra  # no suppression comment: one search in C, not a regex per line (most files)
    for number, text in enumerate(lines, start=1):
        if "aicop" not in text:
            continue
        match = PATTERN.search(text)
        if not match:
            continue
        rules = {r.strip().upper() for r in match.group(1).split(",") if r.strip()}
        reason = match.group(3).strip()
        listed = ", ".join(sorted(rules))
        problem = None if reason else f"'# aicop: ignore[{listed}]' gives no reason: nothing is suppressed"
        if problem is None and match.group(2):
            try:
                if dt.date.fromisoformat(match.group(2)) < today:
                    problem = f"the suppression of {listed} expired on {match.group(2)}"
            except ValueError:
                problem = f"until={match.group(2)} is not a date: the suppression of {listed} is ignored"
        if problem is not None:
            extra.append(CodeFinding("AIC901", path, number, text.index("#") + 1, problem))
            continue
        target = number + 1 if text.strip().startswith("#") else number
        marks[target] = (rules, reason, number)
    for finding in findings:
        mark = marks.get(finding.line)
        if mark and finding.rule in mark[0]:
            finding.suppressed = mark[1]
    return extra
