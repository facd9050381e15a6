"""Principle 5 of the final Code (January 2025): a disaster recovery plan made for the AI system.

The final Code split the draft's "restore to a known good state" in two: a plan for recovering the AI
system's own assets (5.3, shall) and the restore itself (5.3.1, should; the snapshot and restore-drill
check evidences that). This check reads the incident plan for the first. It reports in the final
Code's numbering; the draft never runs it.
"""

from __future__ import annotations

from collections.abc import Iterator

from aicop.assess.context import Context
from aicop.assess.registry import check
from aicop.assess.results import Finding
from aicop.checks._common import coverage_finding, judge_documents
from aicop.docs.markdown import Document, topic
from aicop.system.manifest import DocumentKind

TOPICS = [
    topic("recovery", r"recover|restor|disaster|backup|roll ?back|continuity"),
    topic("the models", r"model|weights|checkpoint"),
    topic("the data", r"data|dataset|training set|corpus|index"),
]


@check(
    "assets.recovery-plan",
    provisions=["5.3"],
    title="The incident plan includes recovering the AI system's models and data",
    remediation="Add a recovery section to the incident plan saying how models, their data and prompts "
    "are restored or rebuilt after a compromise (where the known-good copies are, who restores them).",
)
def recovery_plan(ctx: Context) -> Iterator[Finding]:
    def judge(path: str, doc: Document) -> Iterator[Finding]:
        yield coverage_finding("5.3", "the incident plan's recovery for AI assets", path, doc, TOPICS)

    yield from judge_documents(ctx, DocumentKind.INCIDENT_PLAN, ("5.3",), "incident plan", judge)
