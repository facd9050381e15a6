"""Principle 8: document your data, models and prompts."""

from __future__ import annotations

from collections.abc import Iterator

from aicop.assess.context import Context
from aicop.assess.registry import check
from aicop.assess.results import Evidence, Finding, Status
from aicop.checks._common import coverage, coverage_finding, judge_documents
from aicop.docs.markdown import Document
from aicop.docs.modelcard import DESIGN_AND_MAINTENANCE, SECURITY_FIELDS
from aicop.system.documents import DOCUMENT_STEMS
from aicop.system.manifest import DocumentKind
from aicop.system.walk import FileKind


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


BOM_NAMES = frozenset({"bom.json", "sbom.json", "ml-bom.json", "aibom.json", "ai-bom.json"})


@check(
    "docs.ai-bom",
    provisions=["8.1.2"],
    title="A CycloneDX bill of materials in the repository lists the models, datasets and the software "
    "dependencies with their versions",
    remediation="Generate one with 'aicop bom -o bom.cdx.json' and regenerate it when models, data or "
    "dependencies change (in CI).",
)
def ai_bom(ctx: Context) -> Iterator[Finding]:
    import json
    from typing import Any

    candidates = [e.path for e in ctx.files if e.name.endswith(".cdx.json") or e.name.lower() in BOM_NAMES]
    boms: list[tuple[str, dict[str, Any]]] = []
    for path in candidates:
        try:
            data = json.loads(ctx.read_text(path) or "")
        except ValueError:
            continue
        if isinstance(data, dict) and data.get("bomFormat") == "CycloneDX":
            boms.append((path, data))
    if not boms:
        yield Finding(
            provision="8.1.2",
            status=Status.NOT_MET,
            absence=True,
            message="no CycloneDX bill of materials (bom.cdx.json) documents the dependencies",
        )
        return
    path, bom = boms[0]
    from aicop.bom.cyclonedx import BomError, validate

    names: set[str] = set()
    stack = list(bom.get("components", []) or [])
    versioned = 0
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            names.add(str(item.get("name", "")))
            versioned += item.get("type") == "library" and bool(item.get("version"))
            stack.extend(item.get("components", []) or [])
    declared = (
        [m.name for m in ctx.manifest.models] + [d.name for d in ctx.manifest.datasets]
        if ctx.manifest
        else []
    )
    missing = [n for n in declared if n not in names]
    evidence = [Evidence(path=path, detail=f"CycloneDX {bom.get('specVersion')}, {len(names)} components")]
    problems = []
    if str(bom.get("specVersion")) == "1.6":
        try:
            validate(bom)
        except BomError as err:
            problems.append(str(err))
    if missing:
        problems.append(f"it does not list {', '.join(missing[:3])} (stale?)")
    if not versioned:
        problems.append("no software dependency with a version")
    yield Finding(
        provision="8.1.2",
        status=Status.PARTIAL if problems else Status.MET,
        evidence=evidence,
        message=f"{path}: {'; '.join(problems)}"
        if problems
        else f"{path} lists every declared model and dataset and {versioned} versioned dependencies",
    )
