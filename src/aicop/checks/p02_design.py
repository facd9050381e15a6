"""Principle 2: design your system for security as well as functionality and performance."""

from __future__ import annotations

from collections.abc import Iterator

from aicop.assess.context import Context
from aicop.assess.registry import check
from aicop.assess.results import Evidence, Finding, Status
from aicop.checks._common import coverage_finding, judge_documents
from aicop.docs.markdown import Document, topic
from aicop.system.manifest import DocumentKind
from aicop.system.walk import FileKind

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


SCAN_PROVISIONS = ("2.6", "2.7", "7.2")
SHOWN = 10


def model_artifacts(ctx: Context) -> list[str]:
    """Model files found in the walk, and every file under the local model paths the manifest names."""
    paths = [e.path for e in ctx.of_kind(FileKind.MODEL) if not e.is_symlink]
    if ctx.manifest is not None:
        for model in ctx.manifest.models:
            if model.path is None:
                continue
            prefix = model.path.rstrip("/")
            paths += [e.path for e in ctx.files if e.path == prefix or e.path.startswith(prefix + "/")]
    return sorted(dict.fromkeys(paths))


@check(
    "models.scan",
    provisions=SCAN_PROVISIONS,
    title="Model artifacts contain no code that runs when they are loaded",
    remediation="Replace pickled models with safetensors (or ONNX without external data outside the model "
    "directory); if a pickle is unavoidable, allow exactly its own classes in a scan policy. Run "
    "'aicop scan' on every model before it is imported.",
)
def model_scan(ctx: Context) -> Iterator[Finding]:
    from aicop.scan import scan_file

    clean: list[Evidence] = []
    for path in model_artifacts(ctx):
        result = scan_file(ctx.root / path)
        if result.unsafe:
            worst = max((f for f in result.findings if f.unsafe), key=lambda f: f.severity)
            where = f" ({worst.member})" if worst.member else ""
            evidence = [
                Evidence(
                    path=path,
                    detail=f"{f.severity.label}: {f.message}" + (f" [{f.member}]" if f.member else ""),
                )
                for f in result.findings
                if f.unsafe
            ]
            for pid in SCAN_PROVISIONS:
                yield Finding(
                    provision=pid,
                    status=Status.NOT_MET,
                    evidence=evidence[:SHOWN],
                    message=f"{path}{where}: {worst.message}",
                )
        elif result.error is not None:
            for pid in SCAN_PROVISIONS:
                yield Finding(
                    provision=pid,
                    status=Status.ERROR,
                    evidence=[Evidence(path=path, detail=result.error)],
                    message=f"{path} could not be scanned: {result.error}",
                    remediation="A model aicop cannot read cannot be trusted: replace it with a complete "
                    f"copy from its source, or remove it; 'aicop scan {path}' shows the problem.",
                )
        elif result.format is not None:
            clean.append(Evidence(path=path, detail=f"scanned as {result.format}: nothing runs at load time"))
    if clean:
        for pid in SCAN_PROVISIONS:
            yield Finding(
                provision=pid,
                status=Status.MET,
                evidence=clean[:SHOWN],
                message=f"{len(clean)} model artifact(s) scanned; none runs code when loaded",
            )


CODE_PROVISIONS = ("2.3", "2.5", "2.7", "4.3", "5.4", "6.1", "7.1", "7.2")
SOURCE_KINDS = frozenset(
    {
        FileKind.SOURCE,
        FileKind.NOTEBOOK,
        FileKind.CONFIG,
        FileKind.DEPENDENCIES,
        FileKind.DOCUMENT,
        FileKind.OTHER,
    }
)


@check(
    "code.source-rules",
    provisions=CODE_PROVISIONS,
    title="Source code loads models safely, pins them, keeps secrets out, declares LLM services, limits "
    "agents and endpoints",
    remediation="Run 'aicop code' and fix each finding (every rule says how), or suppress one with "
    "'# aicop: ignore[RULE] reason' where the reason holds.",
)
def source_rules(ctx: Context) -> Iterator[Finding]:
    from aicop.sourcecheck import check_tree
    from aicop.sourcecheck.facts import location_for
    from aicop.sourcecheck.rules import RULES, Level

    files = [e.path for e in ctx.files if e.kind in SOURCE_KINDS and not e.is_symlink]
    report = check_tree(ctx.root, files, manifest=ctx.manifest, today=ctx.today, cache=location_for(ctx.root))
    for code_finding in report.findings:
        status = Status.NOT_MET if code_finding.level >= Level.MEDIUM else Status.PARTIAL
        where = Evidence(
            path=code_finding.path,
            line=code_finding.line,
            detail=f"{code_finding.rule}" + (f", cell {code_finding.cell}" if code_finding.cell else ""),
        )
        for pid in code_finding.provisions:
            yield Finding(
                provision=pid,
                status=status,
                evidence=[where],
                remediation=RULES[code_finding.rule].fix,
                message=f"{code_finding.rule} {code_finding.message}",
                suppression=code_finding.suppressed,
            )
    for provider, path, line, declared, controls in report.providers:
        if declared:
            yield Finding(
                provision="2.3",
                status=Status.MET if controls else Status.PARTIAL,
                evidence=[
                    Evidence(path=path, line=line, detail=f"calls {provider}"),
                    Evidence(
                        path=str(ctx.manifest_path.name) if ctx.manifest_path else None,
                        key="external_apis",
                        detail=f"{provider} declared",
                    ),
                ],
                message=f"{provider} is declared as an external API"
                + (" with the controls applied" if controls else " but no controls are listed"),
                remediation=None
                if controls
                else f"Add 'controls:' to the {provider} entry under external_apis in aicop.yaml, listing "
                "what protects the data sent to it (for example: [pii-redaction, aicop-gateway, "
                "no-training-on-our-data]).",
            )
    for route in report.limited_routes:
        yield Finding(
            provision="4.3",
            status=Status.MET,
            message=f"{route.message} ({route.path})",
            evidence=[Evidence(path=route.path, line=route.line, detail="rate-limited model route")],
        )
