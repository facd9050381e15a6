"""The consultation report as one self-contained HTML page: charts drawn as inline SVG (support per
principle with its 95% interval; theme sizes per question), no script, no external asset. Every text
from a respondent goes through Jinja2's autoescaping: an answer holding ``<script>`` shows as text."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment

from aicop.consult.analysis import LIMITS, METHOD, Analysis
from aicop.consult.themes import QuestionThemes

WIDTH = 640
BAR = 22


@dataclass
class Bar:
    label: str
    value: float  # 0..1 of the chart's width
    low: float | None
    high: float | None
    text: str


def _support_bars(analysis: Analysis) -> list[Bar]:
    return [
        Bar(f"{s.principle}. {s.title}", s.share, s.low, s.high, f"{100 * s.share:.0f}% of {s.base:,}")
        for s in analysis.support
        if s.segment == "all"
    ]


def _theme_bars(found: QuestionThemes) -> list[Bar]:
    biggest = max([len(t.members) for t in found.themes] + [len(c.members) for c in found.campaigns] + [1])
    bars = [
        Bar(f"{t.id}: {t.name}", len(t.members) / biggest, None, None, f"{len(t.members):,}")
        for t in found.themes
    ]
    bars += [
        Bar(f"{c.id} (campaign)", len(c.members) / biggest, None, None, f"{len(c.members):,}")
        for c in found.campaigns
    ]
    return bars


HERE = Path(__file__).parent


class _Rows:
    def __init__(self) -> None:
        self.keys: list[tuple[str, str]] = []
        self.cells: dict[tuple[tuple[str, str], str], object] = {}


def render(analysis: Analysis) -> str:
    env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    chart_template = env.from_string((HERE / "chart.svg.j2").read_text(encoding="utf-8"))

    def chart(bars: list[Bar], interval: bool) -> object:
        from markupsafe import Markup

        html = chart_template.render(bars=bars, interval=interval, width=WIDTH, bar=BAR)
        return Markup(html)  # noqa: S704 - rendered by an autoescaping template just above

    tallies: dict[str, _Rows] = {}
    for t in analysis.tallies:
        if t.segment not in ("all", "respondent_type"):
            continue
        rows = tallies.setdefault(t.question, _Rows())
        key = (t.segment, t.value)
        if key not in rows.keys:
            rows.keys.append(key)
        rows.cells[key, t.option] = t
    return env.from_string((HERE / "report.html.j2").read_text(encoding="utf-8")).render(
        q=analysis.questionnaire,
        a=analysis,
        by_type=sorted(analysis.by_type.items()),
        support_bars=_support_bars(analysis),
        theme_bars=_theme_bars,
        chart=chart,
        tallies=tallies,
        pct=lambda share: f"{100 * share:.1f}%",
        campaigned=lambda f: sum(len(c.members) for c in f.campaigns),
        method=METHOD,
        limits=LIMITS,
    )
