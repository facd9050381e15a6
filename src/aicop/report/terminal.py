"""The terminal report. By default what a person acts on: the summary, then the gaps something was
found for, most urgent first (shall before should, not met before partial), identical findings
collapsed with a count, each with its evidence and its fix; the provisions that only lack an
attestation as one list of ids. ``full=True`` (``aicop assess --all``) adds the table of every
provision, principle by principle.

Everything is wrapped to the console's width (80 in a pipe): nothing is cut to unreadable columns;
long paths are shortened in the middle (``common.shorten_path``).
"""

from __future__ import annotations

import io

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from aicop.assess.results import Assessment, ProvisionResult, Status
from aicop.report.common import (
    STATUS_LABEL,
    awaiting_attestation,
    catalog_label,
    collapse,
    fix_first,
    headline,
    location,
    shorten_path,
    summary_line,
)

SHOWN_FINDINGS = 3  # per provision; the reports list them all
SHOWN_PLACES = 3  # per finding

STYLE = {
    Status.MET: "green",
    Status.PARTIAL: "yellow",
    Status.NOT_MET: "bold red",
    Status.NEEDS_ATTESTATION: "magenta",
    Status.NOT_APPLICABLE: "dim",
    Status.ERROR: "bold dark_orange",
}


def renderable(assessment: Assessment, *, full: bool = False, width: int = 80) -> Group:
    """The report for a console ``width`` columns wide: the fix-first view, and with ``full`` the table
    of every provision before it."""
    c = assessment.catalog
    parts: list[RenderableType] = [Text(f"Against {c['title']} ({catalog_label(c)})")]
    parts += [*_tables(assessment)] if full else []
    parts += _fix_first(assessment, width)
    parts += _footer(assessment, full)
    return Group(*parts)


def _tables(assessment: Assessment) -> list[RenderableType]:
    parts: list[RenderableType] = []
    for principle in assessment.principles:
        table = Table(
            title=f"Principle {principle.id}: {principle.title}",
            title_justify="left",
            expand=True,
            show_lines=False,
        )
        table.add_column("Provision", no_wrap=True)
        table.add_column("", no_wrap=True)
        table.add_column("Status", no_wrap=True)
        table.add_column("Why", ratio=1)
        for v in principle.provisions:
            table.add_row(
                v.id, v.modality.value, Text(STATUS_LABEL[v.status], style=STYLE[v.status]), headline(v)
            )
        parts.append(table)
    for record in assessment.suppressions:
        where = f"{record.path}:{record.line}" if record.path else ""
        parts.append(
            Text(f"suppressed ({record.provision}) {where}: {record.message} — {record.reason}", style="dim")
        )
    return parts


def _fix_first(assessment: Assessment, width: int) -> list[RenderableType]:
    gaps = fix_first(assessment)
    parts: list[RenderableType] = []
    if gaps:
        parts.append(Text(f"\nFix these first ({len(gaps)}, most urgent first):", style="bold"))
    for number, v in enumerate(gaps, 1):
        parts += _gap(number, v, width)
    waiting = awaiting_attestation(assessment)
    if waiting:
        count = sum(len(group) for group in waiting.values())
        parts.append(Text(f"\nNo automated evidence, so each needs an attestation ({count}):", style="bold"))
        for modality, group in waiting.items():
            ids = Text(f"{modality.value}: ", style="bold") + Text(", ".join(v.id for v in group))
            parts.append(_indent(ids, 2))
        hint = (
            'attest each in aicop.yaml (attestations."ID": status, owner, evidence, date); --all shows them'
        )
        parts.append(_indent(Text(hint, style="dim"), 2))
    return parts


def _gap(number: int, v: ProvisionResult, width: int) -> list[RenderableType]:
    title = Text(f"{number:>2}. ") + Text(f"{v.id} ({v.modality.value}) ", style="bold")
    title += Text(STATUS_LABEL[v.status], style=STYLE[v.status])
    out: list[RenderableType] = [title]
    findings = collapse(v.findings)
    if not findings:  # decided by an attestation that says it is not met
        out.append(_indent(Text(headline(v)), 4))
    for c in findings[:SHOWN_FINDINGS]:
        line = Text(c.message) + (Text(f"  ×{c.count}", style="bold") if c.count > 1 else Text())
        out.append(_indent(line, 4))
        places = [location(shorten_path(e.path, width - 8), e.line) for e in c.evidence if e.path]
        if places:
            more = f" (+{len(places) - SHOWN_PLACES} more)" if len(places) > SHOWN_PLACES else ""
            out.append(_indent(Text("at " + ", ".join(places[:SHOWN_PLACES]) + more, style="cyan"), 6))
        if c.remediation:
            out.append(_indent(Text("fix: ", style="bold") + Text(c.remediation), 6))
    if len(findings) > SHOWN_FINDINGS:
        hidden = len(findings) - SHOWN_FINDINGS
        out.append(_indent(Text(f"+{hidden} more findings: see the reports (-o DIR)", style="dim"), 4))
    return out


def _indent(text: Text, columns: int) -> Padding:
    """Wrapped text indented by ``columns``, without padding lines out to the width (pipes get no
    trailing spaces)."""
    return Padding(text, (0, 0, 0, columns), expand=False)


def _footer(assessment: Assessment, full: bool) -> list[RenderableType]:
    parts: list[RenderableType] = [Text()]
    if assessment.suppressions and not full:
        count = len(assessment.suppressions)
        parts.append(
            Text(f"{count} findings suppressed in the source with a reason (--all lists them)", style="dim")
        )
    for warning in assessment.warnings:
        parts.append(Text(f"warning: {warning}", style="yellow"))
    if not full:
        parts.append(Text("Every provision, principle by principle: aicop assess --all", style="dim"))
    s = assessment.summary
    parts.append(Text(summary_line(assessment), style="bold red" if s.gaps.shall else "bold green"))
    return parts


def render(assessment: Assessment, *, width: int = 120, color: bool = False, full: bool = False) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=color, no_color=not color, highlight=False)
    console.print(renderable(assessment, full=full, width=width))
    # Wrapped, indented text is padded to its block's width; a pipe or a file needs no trailing spaces.
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())
