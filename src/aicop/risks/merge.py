"""Add suggested risks to a register without touching what is already written.

The register is the organisation's text, with its comments and order; rewriting it through a YAML
dumper would lose both. New entries are inserted as text at the end of the ``risks`` block list (the
composer gives its position), each under a comment that says why aicop suggested it, and the merged
text is validated before anything is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import yaml

from aicop.errors import InputError
from aicop.risks.model import Register
from aicop.risks.suggest import Suggestion

REVIEW_AFTER_DAYS = 90


def new_suggestions(register: Register | None, suggestions: Sequence[Suggestion]) -> list[Suggestion]:
    """The suggestions the register does not already hold (same id, or every ATLAS id already cited)."""
    if register is None:
        return list(suggestions)
    ids = {r.id for r in register.risks}
    cited = {a for r in register.risks for a in r.atlas}
    return [s for s in suggestions if s.id not in ids and not (s.atlas and set(s.atlas) <= cited)]


def entries_yaml(suggestions: Sequence[Suggestion], indent: int, today: dt.date) -> str:
    pad = " " * indent
    out: list[str] = []
    for s in suggestions:
        out.append(f"{pad}# suggested by aicop {today.isoformat()}: {'; '.join(s.reasons)}".rstrip())
        if s.checks:
            out.append(f"{pad}# controls evidenced by aicop checks could link: {', '.join(s.checks)}")
        entry = s.to_yaml_entry("TODO", today + dt.timedelta(days=REVIEW_AFTER_DAYS))
        dumped = yaml.safe_dump(
            [entry], sort_keys=False, default_flow_style=None, width=110, allow_unicode=True
        )
        out += [pad + line for line in dumped.splitlines()]
    return "\n".join(out) + "\n"


def new_register(name: str, suggestions: Sequence[Suggestion], today: dt.date) -> str:
    """A register started from suggestions: every judgement aicop cannot make is a TODO."""
    head = (
        f"# risks.yaml for {name}: started by 'aicop risks suggest --write' on {today.isoformat()}.\n"
        "# TODO: name the owners, confirm likelihood, impact and residual risk, add controls, then review.\n"
        "version: 1\n"
        f"system: {yaml.safe_dump(name, default_style=None).splitlines()[0]}\n"
        "owner: TODO\n"
        f"last_reviewed: {today.isoformat()}\n"
        "risk_appetite: medium\n"
        "controls: []\n"
        "risks:\n"
    )
    return head + entries_yaml(suggestions, 2, today)


def merge(text: str, suggestions: Sequence[Suggestion], today: dt.date, where: str) -> str:
    """``text`` with ``suggestions`` appended to its ``risks`` list; nothing else changes."""
    if not suggestions:
        return text
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        raise InputError("the risk register must be a mapping of keys to values", path=where, line=1)
    node = next((v for k, v in root.value if isinstance(k, yaml.ScalarNode) and k.value == "risks"), None)
    body = text if text.endswith("\n") else text + "\n"
    if node is None:
        return body + "risks:\n" + entries_yaml(suggestions, 2, today)
    if not isinstance(node, yaml.SequenceNode):
        raise InputError("risks: must be a list", path=where, line=node.start_mark.line + 1)
    if node.flow_style or not node.value:
        if node.value:
            raise InputError(
                "risks: is written as a [flow] list; write it as a block list ('- id: ...') to merge into it",
                path=where,
                line=node.start_mark.line + 1,
            )
        # 'risks: []': replace the empty list by a block list
        start, end = node.start_mark.index, node.end_mark.index
        return body[:start].rstrip(" ") + "\n" + entries_yaml(suggestions, 2, today) + body[end:].lstrip("\n")
    indent = node.value[0].start_mark.column - 2 if node.value else 2
    end_line = node.end_mark.line if node.end_mark.column == 0 else node.end_mark.line + 1
    lines = body.splitlines(keepends=True)
    return (
        "".join(lines[:end_line])
        + entries_yaml(suggestions, max(indent, 0), today)
        + "".join(lines[end_line:])
    )
