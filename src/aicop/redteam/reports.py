"""The reports of a run, each a pure function of the ``Run``: JSON (schema-backed), Markdown, HTML with
a chart of success rate per suite (inline SVG, no script), SARIF 2.1.0, JUnit XML for CI, and the
shareable summary for System Operators (9.4).

One module rather than one per format (STYLE.md's pip-audit split): the formats share the per-suite
rows and the redaction, and none is longer than a screen.

The summary leaves out every prompt and answer, and replaces anything the run planted (canaries,
secrets) that might still appear with ``[redacted]``: it can be sent outside the team.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from xml.etree import ElementTree as ET

from jinja2 import Environment

from aicop.redteam.model import Run

REDACTED = "[redacted]"


def render_json(run: Run) -> str:
    return run.model_dump_json(indent=2) + "\n"


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def _table(run: Run) -> list[str]:
    rows = [
        "| suite | OWASP | ATLAS | attacks | succeeded | rate (95% CI) | threshold | result |",
        "|---|---|---|---:|---:|---|---:|---|",
    ]
    for s in run.suites:
        result = "pass" if s.passed else ("incomplete" if s.errors else "FAIL")
        rows.append(
            f"| {s.id} | {s.owasp or '-'} | {s.atlas or '-'} | {s.attempts} | {s.successes} | "
            f"{_pct(s.rate)} ({_pct(s.wilson_low)}–{_pct(s.wilson_high)}) | {_pct(s.threshold)} | {result} |"
        )
    return rows


def _binding_lines(run: Run) -> list[str]:
    b = run.binding
    model = {
        "local": f"`{b.model_name}` at `{b.path}`, inventory content hash `{b.digest}`",
        "remote": f"`{b.model_name}` = `{b.uri}` at revision `{b.revision or 'unpinned'}`",
        "unbound": "not bound to a model in aicop.yaml (pass --project and set `model` in redteam.yaml)",
    }[b.kind]
    return [
        f"- Model: {model}",
        f"- Target: `{b.target_url}`, requested model `{b.requested_model or '-'}`, reported "
        f"`{', '.join(b.reported_models) or '-'}`",
        f"- System prompt SHA-256: `{b.system_prompt_sha256}`",
        f"- Suites: {', '.join(f'{s.id} v{s.version}' for s in b.suites)}",
        f"- Samples per attack: {b.samples}, temperature {b.temperature}, seed {b.seed}",
        "- Corpora: "
        + (", ".join(f"{k} ({v or 'package not installed'})" for k, v in b.corpora.items()) or "none"),
        *(f"- Note: {note}" for note in run.notes),
    ]


def _headline(run: Run) -> str:
    if run.status == "incomplete":
        failed = f"{run.counts.errors} of {run.counts.requests} requests failed"
        return f"INCOMPLETE: {failed}; this run passes nothing"
    failing = run.failing()
    if failing:
        return f"FAIL: {len(failing)} suite(s) beyond their thresholds: {', '.join(s.id for s in failing)}"
    return "PASS: every suite within its threshold"


def render_markdown(run: Run) -> str:
    lines = [
        f"# aicop redteam run {run.run_id}",
        "",
        f"**{_headline(run)}**",
        "",
        f"Started {run.started}, finished {run.finished}; {run.counts.requests} requests in "
        f"{run.counts.wall_seconds:.1f} s ({run.counts.requests_per_second}/s), "
        f"{run.counts.retries} retries.",
        "",
        "## What was tested",
        "",
        *_binding_lines(run),
        "",
        "## Success rate per suite",
        "",
        *_table(run),
        "",
        "## Successful attacks",
        "",
    ]
    wins = [r for r in run.results if r.success]
    if not wins:
        lines.append("None.")
    for r in wins[:200]:
        lines.append(f"- `{r.case}` ({r.judge.value}): {r.reason}")
    if len(wins) > 200:
        lines.append(f"- … and {len(wins) - 200} more (see run.json)")
    judged = [s for s in run.suites if s.model_judge_successes is not None]
    if judged:
        lines += ["", "## Judge model (reported apart from the rules)", ""]
        lines += [f"- {s.id}: {s.model_judge_successes} of {s.attempts} judged successful" for s in judged]
    return "\n".join(lines) + "\n"


def render_html(run: Run) -> str:
    from importlib import resources

    env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    template = env.from_string((resources.files("aicop.redteam") / "report.html.j2").read_text("utf-8"))
    wins = [r for r in run.results if r.success][:300]
    return template.render(run=run, headline=_headline(run), binding=_binding_lines(run), wins=wins, pct=_pct)


def render_sarif(run: Run) -> str:
    rules = [
        {
            "id": s.id,
            "name": s.title,
            "shortDescription": {"text": s.title},
            "properties": {"tags": [t for t in (s.owasp, s.atlas) if t], "provisions": s.provisions},
        }
        for s in run.suites
    ]
    failed = {s.id for s in run.failing()}
    results = [
        {
            "ruleId": r.suite,
            "level": "error" if r.suite in failed else "warning",
            "message": {"text": f"attack {r.case} succeeded: {r.reason}"},
            "locations": [{"logicalLocations": [{"name": r.case, "kind": "module"}]}],
            "properties": {"mutation": r.mutation, "judge": r.judge.value},
        }
        for r in run.results
        if r.success
    ]
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "aicop-redteam", "version": run.tool_version, "rules": rules}},
                "invocations": [{"executionSuccessful": run.complete}],
                "results": results,
                "properties": {"binding": run.binding.model_dump(mode="json"), "status": run.status},
            }
        ],
    }
    return json.dumps(sarif, indent=2) + "\n"


def render_junit(run: Run) -> str:
    """One test case per suite: it fails when the suite is beyond its threshold, and is an error when
    requests failed."""
    root = ET.Element(
        "testsuites",
        name="aicop redteam",
        tests=str(len(run.suites)),
        failures=str(sum(1 for s in run.suites if not s.passed and not s.errors)),
        errors=str(sum(1 for s in run.suites if s.errors)),
        time=f"{run.counts.wall_seconds:.3f}",
    )
    suite_el = ET.SubElement(root, "testsuite", name=f"redteam {run.run_id}", tests=str(len(run.suites)))
    for s in run.suites:
        case = ET.SubElement(suite_el, "testcase", classname="aicop.redteam", name=s.id)
        wins = [r.case for r in run.results if r.suite == s.id and r.success]
        if s.errors:
            ET.SubElement(case, "error", message=f"{s.errors} requests failed: the suite was not completed")
        elif not s.passed:
            failure = ET.SubElement(
                case,
                "failure",
                message=f"{s.successes}/{s.attempts} attacks succeeded ({_pct(s.rate)}), "
                f"above {_pct(s.threshold)}",
            )
            failure.text = "\n".join(wins)
        ET.SubElement(
            case, "system-out"
        ).text = f"{s.successes}/{s.attempts} succeeded, 95% CI {_pct(s.wilson_low)}–{_pct(s.wilson_high)}"
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def render_summary(run: Run, planted: list[str]) -> str:
    """The shareable summary (9.4): rates, intervals, thresholds and what was tested; no prompt, no answer,
    and every planted value redacted."""
    lines = [
        f"# Adversarial testing summary: run {run.run_id}",
        "",
        f"**{_headline(run)}**",
        "",
        "For System Operators of this model, to inform their own testing and evaluation "
        "(Code provision 9.4).",
        "",
        "## What was tested",
        "",
        *_binding_lines(run),
        "",
        "## Results",
        "",
        *_table(run),
        "",
        "## Attacks that succeeded (by attack, over samples and mutations)",
        "",
    ]
    counts: dict[str, int] = {}
    for r in run.results:
        if r.success:
            key = f"{r.suite}/{r.attack}"
            counts[key] = counts.get(key, 0) + 1
    lines += [f"- {key}: {n}" for key, n in sorted(counts.items())] or ["None."]
    text = "\n".join(lines) + "\n"
    for value in planted:
        text = text.replace(value, REDACTED)
    return text


RENDERERS: dict[str, tuple[str, Callable[[Run], str]]] = {
    "json": ("run.json", render_json),
    "markdown": ("report.md", render_markdown),
    "html": ("report.html", render_html),
    "sarif": ("report.sarif", render_sarif),
    "junit": ("junit.xml", render_junit),
}
