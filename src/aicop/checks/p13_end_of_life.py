"""Principle 13 of the final Code (January 2025): secure end of life.

What a repository can show is checked: a decommissioning or data-disposal procedure that covers handing
over and retiring models and data, and, for every asset the inventory saw leave, a disposal recorded in
the audit trail (``aicop dispose``). Whether the deletion really happened everywhere is attestation.
These checks report in the final Code's numbering (``controls.csv`` says so); the draft has no such
principle and never runs them.
"""

from __future__ import annotations

from collections.abc import Iterator

from aicop.assess.context import Context
from aicop.assess.registry import check
from aicop.assess.results import Evidence, Finding, Status
from aicop.checks._common import coverage_finding, judge_documents
from aicop.docs.markdown import Document, topic
from aicop.integrity.disposal import AUDIT_LOG, retirements
from aicop.integrity.inventory import STATE_DIR
from aicop.system.manifest import DocumentKind

TRANSFER = [
    topic("transfer of ownership", r"transfer|hand(ing)? ?over|new owner|ownership|sale|divest"),
    topic("disposal of data and models", r"dispos|delet|destr|shred|wipe|eras"),
]
DECOMMISSION = [
    topic("decommissioning", r"decommission|retire|end of life|end-of-life|shut ?down|sunset"),
    topic("deletion of data, models and configuration", r"dispos|delet|destr|shred|wipe|eras"),
    topic("copies and backups", r"backup|copies|copy|snapshot|replica|cache"),
]
SHOWN = 10


@check(
    "eol.disposal-procedure",
    provisions=["13.1", "13.2"],
    title="A decommissioning and data-disposal procedure covers transfer of ownership and retirement",
    remediation="Write docs/decommissioning.md: how models, data and configuration are disposed of when "
    "ownership is transferred and when the system is retired, including backups and copies; name it under "
    "documents.disposal-procedure in aicop.yaml.",
)
def disposal_procedure(ctx: Context) -> Iterator[Finding]:
    def judge(path: str, doc: Document) -> Iterator[Finding]:
        yield coverage_finding("13.1", "the disposal procedure", path, doc, TRANSFER)
        yield coverage_finding("13.2", "the disposal procedure", path, doc, DECOMMISSION)

    yield from judge_documents(
        ctx, DocumentKind.DISPOSAL_PROCEDURE, ("13.1", "13.2"), "decommissioning or disposal procedure", judge
    )


@check(
    "eol.retired-assets",
    provisions=["13.2"],
    title="Every asset retired from the inventory has a disposal recorded in the audit trail",
    remediation="For each retired asset, dispose of its copies and record it: 'aicop dispose PATH --method "
    'deleted --note "..."\' (or --method transferred --recipient ...).',
)
def retired_assets(ctx: Context) -> Iterator[Finding]:
    retired = retirements(ctx.root)
    if not retired:
        return  # nothing has left the inventory: nothing to judge, the procedure decides
    log = f"{STATE_DIR}/{AUDIT_LOG}"
    missing = [r for r in retired if r.disposal is None]
    if missing:
        yield Finding(
            provision="13.2",
            status=Status.NOT_MET,
            message=f"{len(missing)} of {len(retired)} retired assets have no recorded disposal: "
            + ", ".join(r.path for r in missing[:SHOWN])
            + (" …" if len(missing) > SHOWN else ""),
            evidence=[
                Evidence(path=log, detail=f"{r.path} removed in record {r.retired_seq}")
                for r in missing[:SHOWN]
            ],
        )
        return
    yield Finding(
        provision="13.2",
        status=Status.MET,
        message=f"all {len(retired)} retired assets have a recorded disposal",
        evidence=[
            Evidence(
                path=log,
                detail=f"{r.path}: {r.disposal['data']['method']} in record {r.disposal.get('seq')}",
            )
            for r in retired[:SHOWN]
            if r.disposal is not None
        ],
    )
