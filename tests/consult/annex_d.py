"""An independent reading of Annex D of the seed, for the test that the committed questionnaire still
says what the seed says: question numbers, their text, their options and their follow-up prompts,
each verbatim. Plain line-by-line parsing, no knowledge of the YAML's shape."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

QUESTION = re.compile(r"^Q\.?\s?(\d+)\.?\s+(.*)$")
ROUTE = re.compile(r"^(\[[^\]]+\]),?\s*(.*)$")


@dataclass
class SeedQuestion:
    number: int
    lines: list[str] = field(default_factory=list)  # text lines before the options
    options: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)  # follow-up prompts after the options

    @property
    def route(self) -> str | None:
        match = ROUTE.match(self.lines[0])
        return match.group(1) if match else None

    @property
    def text(self) -> str:
        """The question itself: the last line before the options, without a leading [if ...]."""
        last = self.lines[-1]
        match = ROUTE.match(last)
        return match.group(2) if match else last

    @property
    def preamble(self) -> str | None:
        return "\n\n".join(self.lines[:-1]) if len(self.lines) > 1 else None


def annex_d(seed: Path) -> list[SeedQuestion]:
    lines = seed.read_text(encoding="utf-8").splitlines()
    start = max(
        i for i, line in enumerate(lines) if line.strip() == "Annex D: Call for Views Survey Questionnaire"
    )
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("Annex E:"))
    questions: list[SeedQuestion] = []
    for raw in lines[start + 1 : end]:
        line = raw.strip()
        if (
            not line
            or line in {"Demographics", "Call for Views Questions"}
            or line.startswith("The next questions")
        ):
            continue
        match = QUESTION.match(line)
        if match:
            questions.append(SeedQuestion(int(match.group(1)), [match.group(2)]))
        elif line.startswith("- "):
            questions[-1].options.append(line[2:])
        elif questions[-1].options:
            questions[-1].after.append(line)
        else:
            questions[-1].lines.append(line)
    return questions


def group_intro(seed: Path) -> str:
    text = seed.read_text(encoding="utf-8")
    return next(line for line in text.splitlines() if line.startswith("The next questions are going"))
