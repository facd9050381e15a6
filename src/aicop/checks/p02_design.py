"""Principle 2: design your system for security as well as functionality and performance."""

from __future__ import annotations

from collections.abc import Iterator

from aicop.assess.context import Context
from aicop.assess.registry import check
from aicop.assess.results import Evidence, Finding, Status
from aicop.checks._common import coverage_finding, judge_documents, topic
from aicop.docs.markdown import Document
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
