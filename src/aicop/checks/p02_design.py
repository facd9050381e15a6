"""Principle 2: design your system for security as well as functionality and performance."""

from __future__ import annotations

from collections.abc import Iterator

from aicop.assess.context import Context
from aicop.assess.registry import check
from aicop.assess.results import Finding
from aicop.checks._common import coverage_finding, judge_documents, topic
from aicop.docs.markdown import Document
from aicop.system.manifest import DocumentKind

TOPICS = [
    topic(
        "the business requirement or problem",
        r"business requirement|problem|objective|goal|purpose|use case|why (we|this)|requirement",
    ),
]


@check(
    "design.business-requirements",
    provisions=["2.1"],
    title="The business requirements or problem the AI system addresses are documented",
    remediation="Write docs/requirements.md stating the problem, the business requirements and why AI is "
    "the right tool, and name it under documents.requirements in aicop.yaml.",
)
def business_requirements(ctx: Context) -> Iterator[Finding]:
    def judge(path: str, doc: Document) -> Iterator[Finding]:
        yield coverage_finding("2.1", "the requirements document", path, doc, TOPICS)

    yield from judge_documents(ctx, DocumentKind.REQUIREMENTS, ("2.1",), "requirements document", judge)
