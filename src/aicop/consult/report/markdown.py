"""The consultation report as Markdown: the same content as the HTML, tables instead of charts."""

from __future__ import annotations

from aicop.consult.analysis import LIMITS, METHOD, Analysis


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").split())


def _pct(share: float) -> str:
    return f"{100 * share:.1f}%"


def render(analysis: Analysis) -> str:
    q = analysis.questionnaire
    lines = [f"# {q.title}: analysis of {analysis.respondents:,} responses", ""]
    kinds = ", ".join(f"{count:,} {kind}" for kind, count in sorted(analysis.by_type.items()))
    lines += [f"Respondents: {kinds}.", ""]
    if analysis.decisions_file:
        lines += [f"Themes reflect the analyst's decisions in `{analysis.decisions_file}`.", ""]
    lines += [
        "## Support for each principle",
        "",
        "| Principle | Question | Yes | Base | 95% interval |",
        "|---|---|---|---|---|",
    ]
    for s in analysis.support:
        if s.segment == "all":
            lines.append(
                f"| {s.principle}. {_cell(s.title)} | {s.question} | {_pct(s.share)} ({s.yes:,}) "
                f"| {s.base:,} "
                f"| {_pct(s.low)}-{_pct(s.high)} |"
            )
    lines += ["", "## Closed questions", ""]
    for question in q.questions:
        rows = [
            t
            for t in analysis.tallies
            if t.question == question.id and t.segment in ("all", "respondent_type")
        ]
        if not rows:
            continue
        lines += [f"### {question.id}. {_cell(question.text)}", ""]
        if question.shown_if:
            lines += [f"Asked {question.shown_if.text}; percentages are of those asked who answered.", ""]
        values = list(dict.fromkeys((t.segment, t.value) for t in rows))
        lines.append("| Option | " + " | ".join("All" if s == "all" else v for s, v in values) + " |")
        lines.append("|---" * (len(values) + 1) + "|")
        for option in question.option_ids:
            cells = []
            for key in values:
                t = next(x for x in rows if (x.segment, x.value) == key and x.option == option)
                cells.append(f"{_pct(t.share)} ({t.count:,})")
            lines.append(f"| {_cell(question.label(option))} | " + " | ".join(cells) + " |")
        bases = []
        for key in values:
            t = next(x for x in rows if (x.segment, x.value) == key)
            bases.append(f"{t.base:,} (+{t.not_answered:,} not answered)")
        lines += ["| Base | " + " | ".join(bases) + " |", ""]
    lines += ["## Free-text answers", ""]
    for f in analysis.free_text:
        if not f.answers:
            continue
        themed = sum(len(t.members) for t in f.themes)
        lines += [f"### {f.question} ({f.parent}): {_cell(f.prompt)}", "", f"{len(f.answers):,} answers."]
        if f.decisions:
            lines += ["Analyst's decisions: " + "; ".join(_cell(d) for d in f.decisions) + "."]
        lines += ["", "| Theme | Answers | Distinctive terms | Representative answer |", "|---|---|---|---|"]
        for theme in f.themes:
            share = len(theme.members) / max(1, themed)
            quote = _cell(theme.quotes[0][:300]) if theme.quotes else ""
            lines.append(
                f"| {theme.id}: {_cell(theme.name)} | {len(theme.members):,} ({_pct(share)}) "
                f"| {_cell(', '.join(theme.terms))} | {quote} |"
            )
        for c in f.campaigns:
            said = f"**Campaign {c.id}**: {len(c.members):,} near-identical answers ({c.variants} variants):"
            lines += ["", said, "",
                      f"> {_cell(c.text)}"]  # fmt: skip
        lines.append("")
    if analysis.specified:
        lines += ['## "Other (please specify)"', ""]
        for follow_up, counts in analysis.specified.items():
            lines.append(
                f"- {follow_up}: " + "; ".join(f"{_cell(t)} ({n})" for t, n in list(counts.items())[:20])
            )
        lines.append("")
    lines += ["## Method", "", METHOD, "", "## Limits", ""] + [f"- {limit}" for limit in LIMITS] + [""]
    return "\n".join(lines)
