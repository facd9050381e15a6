"""Small helpers that keep each check a few lines: reading a declared-or-discovered document and
turning topic coverage into findings."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Sequence

from aicop.assess.context import Context
from aicop.assess.results import Evidence, Finding, Status
from aicop.docs.markdown import Document, Hit, Topic, parse
from aicop.system.manifest import DocumentKind

Judge = Callable[[str, Document], Iterable[Finding]]
TODO_MARK = re.compile(r"\bTODO\b")


def todo_lines(text: str) -> list[int]:
    """Lines that still carry a TODO marker: what a drafted document leaves for a person to answer."""
    return [n for n, line in enumerate(text.splitlines(), start=1) if TODO_MARK.search(line)]


def unfinished(finding: Finding, path: str, todos: Sequence[int]) -> Finding:
    """A document with TODO markers is at best partial: a draft is not yet the organisation's answer."""
    if finding.status is not Status.MET or not todos:
        return finding
    where = ", ".join(str(n) for n in todos[:5]) + (" …" if len(todos) > 5 else "")
    return finding.model_copy(
        update={
            "status": Status.PARTIAL,
            "message": f"{finding.message}; but {path} still has TODO markers (line {where})",
            "evidence": [*finding.evidence, Evidence(path=path, line=todos[0], detail="TODO marker")],
        }
    )


def days_since(today: dt.date, stamp: str, *, unknown: int) -> int:
    """Days from an ISO date or timestamp (``stamp``) to ``today``; ``unknown`` when it is neither."""
    try:
        return (today - dt.date.fromisoformat(stamp[:10])).days
    except ValueError:
        return unknown


def judge_documents(
    ctx: Context,
    kind: DocumentKind,
    provisions: Sequence[str],
    what: str,
    judge: Judge,
    paths: Sequence[str] | None = None,
) -> Iterator[Finding]:
    """The skeleton every document check shares: each document of ``kind`` (declared in the manifest,
    else found by name, or ``paths``) is parsed and judged; none at all is an absence for every
    provision; a declared path that cannot be read is not met; a TODO marker keeps it from met."""
    found = list(ctx.documents(kind) if paths is None else paths)
    if not found:
        for pid in provisions:
            yield absent(pid, what, kind)
        return
    for path in found:
        text = ctx.read_text(path)
        if text is None:
            for pid in provisions:
                yield unreadable(pid, what, path)
        else:
            todos = todo_lines(text)
            for finding in judge(path, parse(text)):
                yield unfinished(finding, path, todos)


def absent(provision: str, what: str, kind: DocumentKind) -> Finding:
    return Finding(
        provision=provision,
        status=Status.NOT_MET,
        absence=True,
        message=f"no {what} in the repository (nor under documents.{kind.value} in aicop.yaml)",
    )


def unreadable(provision: str, what: str, path: str) -> Finding:
    return Finding(
        provision=provision,
        status=Status.NOT_MET,
        message=f"the {what} named in aicop.yaml does not exist or cannot be read",
        evidence=[Evidence(path=path, detail="declared path")],
        remediation=f"Correct the path of the {what} in aicop.yaml, or put the document at {path} "
        "(readable UTF-8 text).",
    )


def coverage(doc: Document, topics: Sequence[Topic]) -> tuple[dict[str, Hit], list[str]]:
    found: dict[str, Hit] = {}
    missing: list[str] = []
    for t in topics:
        hit = doc.topic(t.pattern, need_items=t.need_items)
        if hit is None:
            missing.append(t.name)
        else:
            found[t.name] = hit
    return found, missing


def coverage_finding(provision: str, what: str, path: str, doc: Document, topics: Sequence[Topic]) -> Finding:
    """met when every topic is covered, partial when some are, not_met when none; evidence points at
    each covered topic's line and the message names what is missing."""
    found, missing = coverage(doc, topics)
    evidence = [
        Evidence(path=path, line=hit.line, detail=f"{name}: '{hit.label}'") for name, hit in found.items()
    ]
    if not missing:
        return Finding(
            provision=provision,
            status=Status.MET,
            evidence=evidence,
            message=f"{what} covers {', '.join(found)}",
        )
    if found:
        return Finding(
            provision=provision,
            status=Status.PARTIAL,
            evidence=evidence,
            message=f"{what} does not cover: {', '.join(missing)}",
            remediation=_add_sections(path, missing),
        )
    return Finding(
        provision=provision,
        status=Status.NOT_MET,
        evidence=[Evidence(path=path, detail="document")],
        message=f"{what} covers none of: {', '.join(missing)}",
        remediation=_add_sections(path, missing),
    )


def _add_sections(path: str, missing: list[str]) -> str:
    return f"Add to {path} a section (a heading or a list item naming it) on each of: {', '.join(missing)}."
