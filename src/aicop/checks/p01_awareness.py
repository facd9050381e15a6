"""Principle 1: raise staff awareness of threats and risks."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from aicop.assess.context import Context
from aicop.assess.registry import check
from aicop.assess.results import Evidence, Finding, Status
from aicop.checks._common import judge_documents
from aicop.docs.markdown import Document
from aicop.system.manifest import DocumentKind

REVIEW_LABEL = re.compile(r"review|updated|revised|last (changed|modified)", re.IGNORECASE)
SIX_MONTHS_DAYS = 183


@check(
    "awareness.programme",
    provisions=["1.1", "1.1.1"],
    title="AI security awareness material exists and was reviewed within six months",
    remediation="Keep the awareness programme in the repository (docs/security-awareness.md) with a "
    "'Last reviewed: YYYY-MM-DD' line, and review it at least every six months.",
)
def awareness_programme(ctx: Context) -> Iterator[Finding]:
    def judge(path: str, doc: Document) -> Iterator[Finding]:
        yield Finding(
            provision="1.1",
            status=Status.MET,
            message="security awareness material is kept",
            evidence=[Evidence(path=path, line=1, detail="awareness material")],
        )
        yield _review(ctx, path, doc.dated(REVIEW_LABEL))

    yield from judge_documents(
        ctx, DocumentKind.AWARENESS_PROGRAMME, ("1.1", "1.1.1"), "security awareness material", judge
    )


def _review(ctx: Context, path: str, dated: tuple[dt.date, int] | None) -> Finding:
    if dated is not None:
        day, line = dated
        source = Evidence(path=path, line=line, detail=f"review date {day.isoformat()}")
    else:
        commit_day = ctx.last_commit_date(path)
        if commit_day is None:
            return Finding(
                provision="1.1.1",
                status=Status.PARTIAL,
                evidence=[Evidence(path=path, detail="no date")],
                message="no review date in the awareness material and no git history for it",
            )
        day, source = commit_day, Evidence(path=path, detail=f"last commit {commit_day.isoformat()}")
    age = (ctx.today - day).days
    if age <= SIX_MONTHS_DAYS:
        return Finding(
            provision="1.1.1",
            status=Status.MET,
            evidence=[source],
            message=f"awareness material reviewed {day.isoformat()} ({age} days ago)",
        )
    return Finding(
        provision="1.1.1",
        status=Status.NOT_MET,
        evidence=[source],
        message=f"awareness material last reviewed {day.isoformat()}, {age} days ago; "
        "the Code asks for a review at least every six months",
    )
