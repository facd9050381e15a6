"""Just enough Markdown structure to judge a policy document: headings, their bodies, labelled lines.

Not a Markdown renderer: a document "covers" a topic when a heading names it and something is written
beneath, or when a labelled line (``Retention: 30 days``, ``**Owner** — …``, a table row) names it with a
value. That is what a reviewer looks for, and it is robust to the many ways teams format these files.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

_ATX = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_LABELLED = re.compile(
    r"^\s*(?:[-*+]\s+|\d+[.)]\s+)?(?:\|\s*)?[*_]{0,2}([^:|*_\n]{2,80}?)[*_]{0,2}\s*(?::|\||—|–| - )\s*(\S.*)$"
)
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\S|^\s*\|.*\|\s*$")
_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_DATE_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DATE_LONG = re.compile(rf"\b(\d{{1,2}})\s+({'|'.join(_MONTHS)})\s+(\d{{4}})\b", re.IGNORECASE)


@dataclass
class Section:
    title: str
    level: int
    line: int  # 1-based line of the heading
    body: list[tuple[int, str]] = field(default_factory=list)

    def has_content(self) -> bool:
        return any(text.strip() for _, text in self.body)

    def items(self) -> list[tuple[int, str]]:
        return [(n, t) for n, t in self.body if _LIST_ITEM.match(t)]


@dataclass(frozen=True)
class Topic:
    """Something a document must cover, with the pattern that recognises it in headings or labels."""

    name: str
    pattern: re.Pattern[str]
    need_items: bool = False


def topic(name: str, pattern: str, *, need_items: bool = False) -> Topic:
    return Topic(name, re.compile(pattern, re.IGNORECASE), need_items)


@dataclass(frozen=True)
class Hit:
    line: int
    label: str


@dataclass
class Document:
    lines: list[str]
    sections: list[Section]

    def topic(self, pattern: re.Pattern[str], *, need_items: bool = False) -> Hit | None:
        """Where the document covers ``pattern``: a heading with content beneath (list items if
        ``need_items``; a sub-section's items count), or a labelled line with a value."""
        for i, section in enumerate(self.sections):
            if section.level and pattern.search(section.title) and self._section_covers(i, need_items):
                return Hit(section.line, section.title)
        if need_items:
            return None
        for number, text in enumerate(self.lines, start=1):
            match = _LABELLED.match(text)
            if match and pattern.search(match.group(1)) and match.group(2).strip(" |*_"):
                return Hit(number, match.group(1).strip())
        return None

    def text_at(self, hit: Hit, limit: int = 600) -> str:
        """The words a hit stands for: a labelled line's value, or the body of the section it heads."""
        line = self.lines[hit.line - 1]
        match = _LABELLED.match(line)
        if match and match.group(1).strip() == hit.label:
            return match.group(2).strip(" |*_")[:limit]
        for section in self.sections:
            if section.line == hit.line:
                body = " ".join(t.strip().lstrip("-*+ ").strip() for _, t in section.body if t.strip())
                return body[:limit]
        return line.strip()[:limit]

    def _section_covers(self, index: int, need_items: bool) -> bool:
        section = self.sections[index]
        bodies = [section]
        for later in self.sections[index + 1 :]:
            if later.level <= section.level:
                break
            bodies.append(later)
        if need_items:
            return any(s.items() for s in bodies)
        return any(s.has_content() for s in bodies[:1]) or len(bodies) > 1

    def dated(self, label: re.Pattern[str]) -> tuple[dt.date, int] | None:
        """The latest date on a line that matches ``label`` (e.g. "Last reviewed: 2026-06-01")."""
        best: tuple[dt.date, int] | None = None
        for number, text in enumerate(self.lines, start=1):
            if not label.search(text):
                continue
            for day in _dates(text):
                if best is None or day > best[0]:
                    best = (day, number)
        return best


def _dates(text: str) -> list[dt.date]:
    found = []
    for y, m, d in _DATE_ISO.findall(text):
        try:
            found.append(dt.date(int(y), int(m), int(d)))
        except ValueError:
            continue
    for d, month, y in _DATE_LONG.findall(text):
        try:
            found.append(dt.date(int(y), _MONTHS.index(month.lower()) + 1, int(d)))
        except ValueError:
            continue
    return found


def parse(text: str) -> Document:
    lines = text.splitlines()
    sections = [Section(title="", level=0, line=1)]
    in_fence = False
    for number, line in enumerate(lines, start=1):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        if not in_fence:
            atx = _ATX.match(line)
            if atx:
                sections.append(Section(atx.group(2).strip(), len(atx.group(1)), number))
                continue
            setext = _SETEXT.match(line)
            current = sections[-1]
            if setext and current.body and current.body[-1][1].strip() and number >= 2:
                title_line, title = current.body.pop()
                level = 1 if setext.group(1).startswith("=") else 2
                sections.append(Section(title.strip(), level, title_line))
                continue
        sections[-1].body.append((number, line))
    return Document(lines, sections)
