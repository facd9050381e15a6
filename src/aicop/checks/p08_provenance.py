"""Principle 8 of the final Code (January 2025): the provenance of training data is documented.

The final Code recast the draft's validation of public training data as documenting where the data
came from and how it is used. The manifest is where a system documents its datasets, so this check
reads it: every declared dataset names its source, and a public one also where it can be fetched. It
reports in the final Code's numbering; the draft never runs it.
"""

from __future__ import annotations

from collections.abc import Iterator

from aicop.assess.context import Context
from aicop.assess.registry import check
from aicop.assess.results import Evidence, Finding, Status


@check(
    "data.provenance",
    provisions=["8.2"],
    title="Every declared dataset names its source, and a public one where it comes from",
    remediation="Give each dataset in aicop.yaml a 'source' (who or what produced it), and a public one "
    "also a 'url' or a 'path' with the place it was fetched from as its source.",
)
def provenance(ctx: Context) -> Iterator[Finding]:
    manifest = ctx.manifest
    where = ctx.manifest_path.name if ctx.manifest_path else "aicop.yaml"
    if manifest is None or not manifest.datasets:
        yield Finding(
            provision="8.2",
            status=Status.NOT_MET,
            absence=True,
            message="no datasets are declared in aicop.yaml, so their provenance is not documented",
        )
        return
    missing = [d.name for d in manifest.datasets if not d.source]
    evidence = [
        Evidence(path=where, key=f"datasets[{i}].source", detail=f"{d.name}: {d.source}")
        for i, d in enumerate(manifest.datasets)
        if d.source
    ]
    if missing:
        yield Finding(
            provision="8.2",
            status=Status.PARTIAL if evidence else Status.NOT_MET,
            message=f"no source for the datasets {', '.join(missing)}",
            evidence=evidence or [Evidence(path=where, key="datasets")],
        )
        return
    yield Finding(
        provision="8.2",
        status=Status.MET,
        message=f"all {len(manifest.datasets)} declared datasets name their source",
        evidence=evidence,
    )
