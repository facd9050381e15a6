"""Principle 3: model the threats to your system."""

from __future__ import annotations

from collections.abc import Iterator

from aicop.assess.context import Context
from aicop.assess.registry import check
from aicop.assess.results import Evidence, Finding, Status
from aicop.checks._common import coverage_finding, judge_documents
from aicop.docs.markdown import Document, topic
from aicop.system.manifest import DocumentKind

TOPICS = [
    topic(
        "adversarial motivations",
        r"motivation|adversar|threat actor|attacker|who (would|might) attack",
        need_items=True,
    ),
    topic(
        "attack routes",
        r"attack (route|vector|path|surface|tree|scenario)|entry point|how .* attack",
        need_items=True,
    ),
]


@check(
    "threats.threat-model",
    provisions=["3.1", "3.1.2"],
    title="A threat model lists adversarial motivations and the attack routes in line with them",
    remediation="Write docs/threat-model.md with a list of adversarial motivations and, for each, the "
    "attack routes (include AI-specific ones: prompt injection, data poisoning, model theft).",
)
def threat_model(ctx: Context) -> Iterator[Finding]:
    def judge(path: str, doc: Document) -> Iterator[Finding]:
        listing = coverage_finding("3.1.2", "the threat model", path, doc, TOPICS)
        yield listing
        substantive = listing.status is not Status.NOT_MET
        yield Finding(
            provision="3.1",
            status=Status.MET if substantive else Status.PARTIAL,
            evidence=[Evidence(path=path, line=1, detail="threat model")],
            message="a threat model is kept"
            if substantive
            else "a threat model file exists but lists neither motivations nor attack routes",
        )

    yield from judge_documents(ctx, DocumentKind.THREAT_MODEL, ("3.1", "3.1.2"), "threat model", judge)
