"""Principle 8: document your data, models and prompts."""

from __future__ import annotations

from collections.abc import Iterator

from aicop.assess.context import Context
from aicop.assess.registry import check
from aicop.assess.results import Evidence, Finding, Status
from aicop.checks._common import coverage, coverage_finding, judge_documents, topic
from aicop.docs.markdown import Document
from aicop.system.documents import DOCUMENT_STEMS
from aicop.system.manifest import DocumentKind
from aicop.system.walk import FileKind

# The security-relevant fields 8.1.1 lists, in its order.
SECURITY_FIELDS = [
    topic("sources of training data", r"training data|data sources?|dataset|fine[- ]tun|feedback data"),
    topic(
        "intended scope and limitations", r"intended (use|scope|purpose)|limitation|out[- ]of[- ]scope|scope"
    ),
    topic("guardrails", r"guardrail|safeguard|safety (measures|controls)|content filter"),
    topic("cryptographic hashes or signatures", r"hash|sha-?256|signature|digest|checksum"),
    topic("retention time", r"retention|retain|kept for|deleted after"),
    topic(
        "suggested review frequency",
        r"review (frequency|cadence|schedule|cycle)|reviewed every|review interval",
    ),
    topic("potential failure modes", r"failure mode|known failure|fail(s|ure)? (when|on)|known issues"),
]
DESIGN_AND_MAINTENANCE = [
    topic(
        "model design",
        r"model (details|design|architecture|description|overview)|architecture|design|training",
    ),
    topic(
        "post-deployment maintenance plan",
        r"maintenance|post[- ]deployment|monitoring|update|retrain|review|decommission",
    ),
]


def model_cards(ctx: Context) -> list[str]:
    """Cards the manifest names (per model and under documents), else model-card files, else the README
    of a directory that holds model files (the Hugging Face layout)."""
    declared = []
    if ctx.manifest is not None:
        declared = [m.card for m in ctx.manifest.models if m.card]
        if DocumentKind.MODEL_CARD in ctx.manifest.documents:
            declared.append(ctx.manifest.documents[DocumentKind.MODEL_CARD])
    if declared:
        return list(dict.fromkeys(declared))
    found = [
        e.path
        for e in ctx.named(*DOCUMENT_STEMS[DocumentKind.MODEL_CARD], kinds=frozenset({FileKind.DOCUMENT}))
    ]
    if found:
        return found
    model_dirs = {e.path.rsplit("/", 1)[0] for e in ctx.of_kind(FileKind.MODEL) if "/" in e.path}
    return [f"{d}/README.md" for d in sorted(model_dirs) if ctx.entry(f"{d}/README.md") is not None]


@check(
    "docs.model-card",
    provisions=["8.1", "8.1.1"],
    title="A model card documents design and maintenance, with each security field 8.1.1 lists",
    remediation="Keep a model card per model (docs/model-card.md, or the model directory's README.md) with "
    "sections for: training data sources, intended scope and limitations, guardrails, hashes or "
    "signatures, retention time, review frequency, failure modes, and the post-deployment maintenance plan.",
)
def model_card(ctx: Context) -> Iterator[Finding]:
    def judge(path: str, doc: Document) -> Iterator[Finding]:
        yield coverage_finding("8.1.1", f"the model card {path}", path, doc, SECURITY_FIELDS)
        found, missing = coverage(doc, DESIGN_AND_MAINTENANCE)
        evidence = [Evidence(path=path, line=h.line, detail=f"{n}: '{h.label}'") for n, h in found.items()]
        if not missing:
            yield Finding(
                provision="8.1",
                status=Status.MET,
                evidence=evidence,
                message=f"{path} documents the model design and its maintenance plan",
            )
        else:
            yield Finding(
                provision="8.1",
                status=Status.PARTIAL if found else Status.NOT_MET,
                evidence=evidence or [Evidence(path=path, detail="model card")],
                message=f"{path} does not document: {', '.join(missing)}",
            )

    yield from judge_documents(
        ctx, DocumentKind.MODEL_CARD, ("8.1", "8.1.1"), "model card", judge, paths=model_cards(ctx)
    )
