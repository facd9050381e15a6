"""The terminal report: a rich table per principle with status colours, and a summary line."""

from __future__ import annotations

import io

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from aicop.assess.results import Assessment, Status
from aicop.report.common import STATUS_LABEL, catalog_label, headline, summary_line

STYLE = {
    Status.MET: "green",
    Status.PARTIAL: "yellow",
    Status.NOT_MET: "bold red",
    Status.NEEDS_ATTESTATION: "magenta",
    Status.NOT_APPLICABLE: "dim",
    Status.ERROR: "bold dark_orange",
}


def renderable(assessment: Assessment) -> Group:
    c = assessment.catalog
    parts: list[Table | Text] = [Text(f"Against {c['title']} ({catalog_label(c)})")]
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
    for warning in assessment.warnings:
        parts.append(Text(f"warning: {warning}", style="yellow"))
    s = assessment.summary
    parts.append(Text(summary_line(assessment), style="bold red" if s.gaps.shall else "bold green"))
    return Group(*parts)


def render(assessment: Assessment, *, width: int = 120, color: bool = False) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=color, no_color=not color, highlight=False)
    console.print(renderable(assessment))
    return buffer.getvalue()
