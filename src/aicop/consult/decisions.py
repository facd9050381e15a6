"""An analyst's decisions about themes, kept in a YAML file and applied every time the report is built:
rename a theme, merge themes, split a theme in two or more.

```yaml
questions:
  Q7_no:
    split: {T3: 2}          # T3 becomes T3.1 and T3.2 (k-means inside it)
    merge: [[T1, T4]]       # T4's answers join T1
    rename: {T1: Costs for small firms, T3.2: Wants a regulator}
```

Splits are applied first, then merges, then names, so a name can be given to a theme a split made. A
decision that names a question or theme the analysis does not have is an error at its line (exit 2):
after new responses arrive the themes may have moved, and a silently ignored decision would publish a
report the analyst did not review.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from aicop.consult.themes import QuestionThemes, Theme, cluster, describe
from aicop.errors import InputError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from aicop.consult.themes import Array


class QuestionDecisions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    split: dict[str, int] = {}
    merge: list[list[str]] = []
    rename: dict[str, str] = {}


class Decisions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    questions: dict[str, QuestionDecisions] = Field(default_factory=dict)


def load_decisions(path: Path) -> tuple[Decisions, dict[tuple[str | int, ...], int]]:
    from aicop.system.yamlsource import load_model_with_lines

    return load_model_with_lines(path, Decisions, "a decisions file")


def apply(
    decisions: Decisions,
    lines: dict[tuple[str | int, ...], int],
    path: Path,
    questions: dict[str, QuestionThemes],
    vectors: dict[str, Array],
) -> None:
    from aicop.system.yamlsource import line_of

    def fail(at: tuple[str | int, ...], problem: str) -> InputError:
        return InputError(problem, path=path, line=line_of(at, lines))

    for question_id, decided in decisions.questions.items():
        found = questions.get(question_id)
        if found is None:
            raise fail(
                ("questions", question_id), f"questions.{question_id}: no free-text question with themes"
            )
        at = ("questions", question_id)

        def theme(theme_id: str, where: tuple[str | int, ...], found: QuestionThemes = found) -> Theme:
            for t in found.themes:
                if t.id == theme_id:
                    return t
            known = ", ".join(t.id for t in found.themes)
            raise fail(where, f"{found.question}: no theme {theme_id!r} (its themes: {known})")

        for theme_id, parts in decided.split.items():
            chosen = theme(theme_id, (*at, "split", theme_id))
            if parts < 2 or parts > len(chosen.members):
                raise fail((*at, "split", theme_id), f"{question_id}: cannot split {theme_id} into {parts}")
            _split(found, chosen, parts, vectors[question_id])
            found.decisions.append(f"{theme_id} split into {parts}")
        for n, group in enumerate(decided.merge):
            if len(group) < 2:
                raise fail((*at, "merge", n), f"{question_id}: a merge names at least two themes")
            kept = theme(group[0], (*at, "merge", n))
            for other_id in group[1:]:
                other = theme(other_id, (*at, "merge", n))
                if other is kept:
                    raise fail((*at, "merge", n), f"{question_id}: {other_id} is named twice in a merge")
                kept.members = sorted(kept.members + other.members)
                found.themes.remove(other)
            describe([kept], found.answers, vectors[question_id])
            found.decisions.append(f"{', '.join(group[1:])} merged into {group[0]}")
        for theme_id, name in decided.rename.items():
            chosen = theme(theme_id, (*at, "rename", theme_id))
            if not name.strip():
                raise fail((*at, "rename", theme_id), f"{question_id}: the new name of {theme_id} is empty")
            chosen.name = name.strip()
            chosen.named_by_analyst = True
            found.decisions.append(f"{theme_id} named {name.strip()!r}")
        found.themes.sort(key=lambda t: -len(t.members))


def _split(found: QuestionThemes, chosen: Theme, parts: int, vectors: Array) -> None:
    import numpy as np

    labels, _ = cluster(vectors[chosen.members], np.ones(len(chosen.members)), seed=0, k=parts)
    pieces = [Theme(f"{chosen.id}.{n + 1}", "", [], [], []) for n in range(parts)]
    for member, label in zip(chosen.members, labels, strict=True):
        pieces[int(label)].members.append(member)
    pieces = [p for p in pieces if p.members]
    describe(pieces, found.answers, vectors)
    index = found.themes.index(chosen)
    found.themes[index : index + 1] = pieces
