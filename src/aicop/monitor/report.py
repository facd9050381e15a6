"""The monitor's report: built from a finished Monitor, rendered as JSON (schema: ``MonitorReport``),
Markdown, self-contained HTML (time series drawn as inline SVG, no script) and a terminal summary."""

from __future__ import annotations

import datetime as dt
from importlib import resources

from aicop import __version__
from aicop.monitor.detect import KEY_SIGNALS, SIGNALS, Monitor, Settings
from aicop.monitor.events import Integrity
from aicop.monitor.model import Alarm, Method, MonitorReport, SignalSeries, Source

FILENAMES = {"json": "monitor-report.json", "markdown": "monitor-report.md", "html": "monitor-report.html"}


def _window(settings: Settings) -> str:
    if settings.window_seconds is not None:
        return f"the last {settings.window_seconds:g} s of requests"
    return f"the last {settings.window} requests"


def _baseline(settings: Settings) -> str:
    if settings.baseline_range is None:
        return f"the first {settings.baseline} requests"
    start, end = settings.baseline_range
    return f"requests from {start} to {end}"


def _embeddings(s: Settings, tokens: int | None) -> str:
    sample = "every monitored request" if s.embed_every == 1 else f"one monitored request in {s.embed_every}"
    part = f"each prompt's first {tokens} tokens" if tokens is not None else "each prompt"
    return (
        f"all-MiniLM-L6-v2 of {part}, digits as 0; the baseline's first 500 prompts of one "
        "half as the reference, its other half's distances for the threshold (99th percentile) and the "
        f"baseline rate; embedded: {sample}, chosen by position, not content, in windows of their own"
    )


def build(monitor: Monitor, integrity: Integrity, log: str) -> MonitorReport:
    s = monitor.s
    fitted = monitor.profile is not None
    method = (
        Method(
            baseline=_baseline(s),
            baseline_requests=max(size for _, size in monitor.base_counts.values())
            if monitor.base_counts
            else 0,
            window=_window(s),
            stride=s.stride,
            alpha=s.alpha,
            horizon=s.horizon,
            level=monitor.level,
            key_level=monitor.key_level,
            embeddings=_embeddings(s, getattr(monitor.embed.embed, "tokens", None))
            if monitor.embed is not None
            else None,
        )
        if fitted
        else None
    )
    series = [
        SignalSeries(
            signal=name,
            scope="all",
            description=SIGNALS[name][0],
            baseline_events=monitor.base_counts[name][0],
            baseline_size=monitor.base_counts[name][1],
            baseline_rate=monitor.base_counts[name][0] / max(monitor.base_counts[name][1], 1),
            points=monitor.series[name],
        )
        for name in monitor.judged
    ]
    if integrity.problems:
        verdict = "tampered"
    elif not fitted or monitor.monitored == 0:
        verdict = "not judged"
    elif monitor.alarms:
        verdict = "changed"
    else:
        verdict = "steady"
    return MonitorReport(
        tool=f"aicop {__version__}",
        generated=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        source=Source(
            log=log,
            chained=integrity.chained,
            records=integrity.records,
            requests=monitor.read,
            first_time=monitor.first.isoformat() if monitor.first else None,
            last_time=monitor.last.isoformat() if monitor.last else None,
            integrity_problems=integrity.problems[:1000],
            skipped=integrity.reasons,
        ),
        method=method,
        verdict=verdict,
        alarms=monitor.alarms,
        series=series,
        keys=monitor.key_results(),
        leaks=monitor.leaks,
        leak_count=monitor.leak_count,
        not_judged=monitor.not_judged,
    )


def render_json(report: MonitorReport) -> str:
    return report.model_dump_json(indent=2) + "\n"


def alarm_line(a: Alarm) -> str:
    state = "open" if a.end_index is None else f"until request {a.end_index}"
    return (
        f"{a.signal} ({a.scope}) {a.direction}: {a.window_rate:.1%} against {a.baseline_rate:.1%} "
        f"in the baseline, from request {a.start_index}, {state} (p = {a.p_value:.2g} < {a.level:.2g})"
    )


def _chain_note(chained: bool) -> str:
    return "hash-chained, verified as read" if chained else "not chained: integrity not verifiable"


def render_text(report: MonitorReport) -> str:
    src = report.source
    lines = [
        f"{src.log}: {src.requests} requests"
        + (f", {src.first_time} .. {src.last_time}" if src.first_time else "")
        + (", chain verified" if src.chained and not src.integrity_problems else ""),
        f"verdict: {report.verdict}",
    ]
    lines += [f"  integrity: {p}" for p in src.integrity_problems[:20]]
    if len(src.integrity_problems) > 20:
        lines.append(
            f"  ... and {len(src.integrity_problems) - 20} more integrity problems (see the JSON report)"
        )
    lines += [f"  not judged: {n.what}: {n.why}" for n in report.not_judged]
    for reason, count in src.skipped.items():
        lines.append(f"  skipped {count} records: {reason}")
    lines += ["  alarm: " + alarm_line(a) for a in report.alarms]
    flagged = [k for k in report.keys if k.flagged]
    for k in flagged:
        lines.append(
            f"  probing: key {k.key} after {k.flagged_after} of its {k.requests} requests "
            f"({', '.join(k.signals)})"
        )
    if report.leak_count:
        lines.append(f"  leaks withheld by the gateway: {report.leak_count}")
    if report.method is not None:
        m = report.method
        lines.append(
            f"method: baseline {m.baseline}; window {m.window}, tested every {m.stride}; "
            f"false alarms <= {m.alpha:.0%} per {m.horizon} requests (level {m.level:.2g})"
        )
    return "\n".join(lines) + "\n"


def render_markdown(report: MonitorReport) -> str:
    src = report.source
    out = [
        "# aicop monitor report",
        "",
        f"- log: `{src.log}` ({_chain_note(src.chained)})",
        f"- requests: {src.requests} ({src.first_time or '?'} to {src.last_time or '?'})",
        f"- verdict: **{report.verdict}**",
        "",
    ]
    if src.integrity_problems:
        out += ["## Integrity", ""] + [f"- {p}" for p in src.integrity_problems[:200]] + [""]
    if report.not_judged:
        out += ["## Not judged", ""] + [f"- {n.what}: {n.why}" for n in report.not_judged] + [""]
    out += ["## Alarms", ""]
    out += [f"- {alarm_line(a)}" for a in report.alarms] or ["None."]
    out += [
        "",
        "## Keys",
        "",
        "| key | requests | repeats | guard hits | refusals | long prompts | flagged |",
        "|---|---|---|---|---|---|---|",
    ]
    for k in report.keys:
        flag = f"after {k.flagged_after}: {', '.join(k.signals)}" if k.flagged else ""
        out.append(
            f"| {k.key} | {k.requests} | {k.repeats} | {k.guard_hits} | {k.refusals} | {k.high_volume} "
            f"| {flag} |"
        )
    out += ["", "## Signals", "", "| signal | what | baseline rate | last window |", "|---|---|---|---|"]
    for s in report.series:
        last = f"{s.points[-1].rate:.2%}" if s.points else "-"
        out.append(f"| {s.signal} | {s.description} | {s.baseline_rate:.2%} | {last} |")
    out += ["", "## Key signals", ""] + [f"- `{n}`: {d}" for n, d in KEY_SIGNALS.items()]
    if report.method is not None:
        m = report.method
        out += [
            "",
            "## Method",
            "",
            f"Baseline: {m.baseline} ({m.baseline_requests} requests). Window: {m.window}, tested every "
            f"{m.stride} requests. Test: {m.test}. The chance of any false alarm in {m.horizon} requests of "
            f"steady traffic is at most {m.alpha:.0%}: each test runs at level {m.level:.2g} "
            f"(keys: {m.key_level:.2g}).",
            *([f"Embeddings: {m.embeddings}."] if m.embeddings else []),
            "A steady verdict says these signals did not change beyond chance; it cannot see a change that "
            "none of them measures.",
        ]
    return "\n".join(out) + "\n"


def _polyline(
    points: list[tuple[float, float]], width: int, height: int, top: float, span: tuple[int, int]
) -> str:
    lo, hi = span
    scale_x = (width - 10) / max(hi - lo, 1)
    scale_y = (height - 10) / top if top else 0
    return " ".join(f"{5 + (x - lo) * scale_x:.1f},{height - 5 - y * scale_y:.1f}" for x, y in points)


def render_html(report: MonitorReport) -> str:
    from jinja2 import Environment, StrictUndefined, select_autoescape

    span = (0, max(report.source.requests, 1))
    charts = []
    for s in report.series:
        points = [(float(p.index), p.rate) for p in s.points]
        top = max([s.baseline_rate, *(r for _, r in points)]) * 1.15 or 0.01
        marks = [
            (5 + (a.start_index - span[0]) * (690 / max(span[1] - span[0], 1)), a)
            for a in report.alarms
            if a.signal == s.signal
        ]
        charts.append(
            {
                "series": s,
                "line": _polyline(points, 700, 120, top, span),
                "base_y": 115 - s.baseline_rate * (110 / top),
                "top": top,
                "marks": marks,
            }
        )
    source = (resources.files("aicop.monitor") / "templates" / "report.html.j2").read_text(encoding="utf-8")
    env = Environment(
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["alarm_line"] = alarm_line
    return env.from_string(source).render(r=report, charts=charts, key_signals=KEY_SIGNALS)


RENDERERS = {"json": render_json, "markdown": render_markdown, "html": render_html}
