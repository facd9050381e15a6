"""The analysis as CSV tables: tallies, support per principle, themes, campaigns and each answer's
theme (for an analyst to check a theme against the answers in it)."""

from __future__ import annotations

import csv
import io

from aicop.consult.analysis import Analysis
from aicop.spreadsheet import safe_cell


def _table(header: list[str], rows: list[list[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()


def render(analysis: Analysis) -> dict[str, str]:
    q = analysis.questionnaire
    tallies = _table(
        ["question", "segment", "value", "option", "label", "count", "base", "percent", "ci_low", "ci_high",
         "shown", "not_answered"],
        [[t.question, t.segment, t.value, t.option, q.by_id[t.question].label(t.option), t.count, t.base,
          round(100 * t.share, 1), round(100 * t.low, 1), round(100 * t.high, 1), t.shown, t.not_answered]
         for t in analysis.tallies],
    )  # fmt: skip
    support = _table(
        ["principle", "title", "question", "segment", "value", "yes", "no", "dont_know", "base",
         "yes_percent", "ci_low", "ci_high"],
        [[s.principle, s.title, s.question, s.segment, s.value, s.yes, s.no, s.dont_know, s.base,
          round(100 * s.share, 1), round(100 * s.low, 1), round(100 * s.high, 1)] for s in analysis.support],
    )  # fmt: skip
    themes = _table(
        ["question", "theme", "name", "named_by_analyst", "answers", "share_of_themed", "terms", "quote_1"],
        [[f.question, t.id, t.name, t.named_by_analyst, len(t.members),
          round(100 * len(t.members) / max(1, sum(len(x.members) for x in f.themes)), 1), "; ".join(t.terms),
          t.quotes[0] if t.quotes else ""] for f in analysis.free_text for t in f.themes],
    )  # fmt: skip
    campaigns = _table(
        ["question", "campaign", "responses", "variants", "text"],
        [
            [f.question, c.id, len(c.members), c.variants, c.text]
            for f in analysis.free_text
            for c in f.campaigns
        ],
    )
    assignments = _table(
        ["response", "question", "theme_or_campaign"],
        [
            [r, f.question, a]
            for f in analysis.free_text
            for r, a in zip(f.respondents, f.assignment(), strict=True)
        ],
    )
    return {
        "tallies.csv": tallies,
        "support.csv": support,
        "themes.csv": themes,
        "campaigns.csv": campaigns,
        "assignments.csv": assignments,
    }
