"""One self-contained HTML page: no external assets, everything readable with JavaScript off.

The filters (status, role, principle) are a few lines of inline script over data attributes; without
script every provision is simply shown, and the findings open with <details>.
"""

from __future__ import annotations

from importlib import resources

from jinja2 import Environment, StrictUndefined, select_autoescape

from aicop.assess.results import Assessment, Status
from aicop.catalog.model import Role
from aicop.report.common import (
    STATUS_LABEL,
    STATUS_ORDER,
    awaiting_attestation,
    catalog_label,
    collapse,
    fix_first,
    headline,
    location,
    summary_line,
)


def _environment() -> Environment:
    env = Environment(
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        STATUS_LABEL=STATUS_LABEL, headline=headline, location=location, Status=Status, collapse=collapse
    )
    return env


def render(assessment: Assessment) -> str:
    source = (resources.files("aicop.report") / "templates" / "report.html.j2").read_text(encoding="utf-8")
    template = _environment().from_string(source)
    return template.render(
        a=assessment,
        summary=summary_line(assessment),
        statuses=STATUS_ORDER,
        roles=[r for r in Role if any(r in v.stakeholders for v in assessment.provisions())],
        catalog_label=catalog_label(assessment.catalog),
        fix_first=fix_first(assessment),
        awaiting=awaiting_attestation(assessment),
    )
