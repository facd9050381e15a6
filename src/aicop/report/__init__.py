"""Renderers over an Assessment, one module per format, each a pure ``render(assessment) -> str``.

The CLI picks a format by name from ``FORMATS``; nothing else knows which renderer runs.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from aicop.assess.results import Assessment


@dataclass(frozen=True)
class Format:
    name: str
    module: str
    filename: str
    description: str


FORMATS = {
    f.name: f
    for f in (
        Format(
            "json", "aicop.report.json_report", "aicop-report.json", "versioned JSON (aicop report schema)"
        ),
        Format(
            "markdown", "aicop.report.markdown", "aicop-report.md", "Markdown for pull requests and wikis"
        ),
        Format("html", "aicop.report.html", "aicop-report.html", "one self-contained HTML page"),
        Format("sarif", "aicop.report.sarif", "aicop-report.sarif", "SARIF 2.1.0, a result per gap"),
        Format("oscal", "aicop.report.oscal", "aicop-report.oscal.json", "OSCAL 1.1.3 assessment-results"),
    )
}


def render(assessment: Assessment, format_name: str) -> str:
    module = importlib.import_module(FORMATS[format_name].module)
    text: str = module.render(assessment)
    return text
