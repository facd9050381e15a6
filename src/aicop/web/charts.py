"""Inline SVG charts drawn on the server: no script, no chart library, readable by screen readers through
their title and a table beside them. Only numbers and dates go into the drawing; text is escaped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape


def sparkline(values: Sequence[float], width: int = 120, height: int = 24) -> Markup:
    """The met ratio of the last runs as a small line (0 at the bottom, 1 at the top)."""
    if not values:
        return Markup("")
    if len(values) == 1:
        values = [values[0], values[0]]
    step = (width - 4) / (len(values) - 1)
    points = " ".join(f"{2 + i * step:.1f},{2 + (1 - v) * (height - 4):.1f}" for i, v in enumerate(values))
    label = escape(f"met ratio over the last {len(values)} runs: " + ", ".join(f"{v:.0%}" for v in values))
    return Markup(  # noqa: S704 - numbers and an escaped label only
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{label}"><polyline class="line" points="{points}"/></svg>'
    )


def line_chart(
    points: Sequence[tuple[dt.datetime, float, int]],
    *,
    link: Callable[[int], str],
    width: int = 720,
    height: int = 220,
) -> Markup:
    """Met ratio per run over time; each point links to its run."""
    if not points:
        return Markup("")
    left, right, top, bottom = 40, 10, 10, 30
    inner_w, inner_h = width - left - right, height - top - bottom
    start, end = points[0][0], points[-1][0]
    span = max((end - start).total_seconds(), 1.0)

    def x(when: dt.datetime) -> float:
        if len(points) == 1:
            return left + inner_w / 2
        return left + (when - start).total_seconds() / span * inner_w

    def y(ratio: float) -> float:
        return top + (1 - ratio) * inner_h

    parts = [
        f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="chart-title"><title id="chart-title">Met ratio of {len(points)} runs, '
        f"{escape(start.date().isoformat())} to {escape(end.date().isoformat())}</title>"
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}"/>'
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick:.0%}</text>'
        )
    parts.append(
        f'<text x="{left}" y="{height - 8}">{escape(start.date().isoformat())}</text>'
        f'<text x="{width - right}" y="{height - 8}" text-anchor="end">'
        f"{escape(end.date().isoformat())}</text>"
    )
    line = " ".join(f"{x(w):.1f},{y(r):.1f}" for w, r, _ in points)
    parts.append(f'<polyline class="line" points="{line}"/>')
    for when, ratio, run_id in points:
        title = escape(f"run {run_id}, {when:%Y-%m-%d %H:%M}: {ratio:.1%} met")
        parts.append(
            f'<a href="{escape(link(run_id))}">'
            f'<circle class="dot" cx="{x(when):.1f}" cy="{y(ratio):.1f}" r="3">'
            f"<title>{title}</title></circle></a>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - numbers, dates and escaped text only
