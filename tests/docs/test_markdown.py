"""The Markdown reader finds topics as a reviewer would: headings with content, or labelled lines."""

from __future__ import annotations

import datetime as dt
import re

from aicop.docs.markdown import parse

DOC = """\
# Model card

## Training data

Tickets from 2025.

## Limitations
## Guardrails

Retention: 90 days
- **Review frequency**: quarterly

Attack routes
-------------
- prompt injection

```
# Not a heading
```
"""


def test_heading_with_content_covers_a_topic() -> None:
    doc = parse(DOC)
    hit = doc.topic(re.compile("training data", re.I))
    assert hit is not None and hit.line == 3


def test_empty_heading_does_not_cover_a_topic() -> None:
    doc = parse("# Card\n\n## Limitations\n\n## Other\ntext\n")
    assert doc.topic(re.compile("limitation", re.I)) is None


def test_heading_with_subsections_covers_a_topic() -> None:
    doc = parse("## Limitations\n### Language\nEnglish only.\n")
    assert doc.topic(re.compile("limitation", re.I)) is not None


def test_labelled_lines_cover_a_topic() -> None:
    doc = parse(DOC)
    retention = doc.topic(re.compile("retention", re.I))
    review = doc.topic(re.compile("review frequency", re.I))
    assert retention is not None and retention.line == 10
    assert review is not None and review.label == "Review frequency"


def test_setext_headings_and_list_items() -> None:
    doc = parse(DOC)
    assert doc.topic(re.compile("attack route", re.I), need_items=True) is not None
    assert doc.topic(re.compile("training data", re.I), need_items=True) is None


def test_code_fences_hide_headings() -> None:
    assert all(s.title != "Not a heading" for s in parse(DOC).sections)


def test_dates() -> None:
    doc = parse("Last reviewed: 2026-01-02\nUpdated 3 March 2026\nReviewed: 2026-13-40\n")
    assert doc.dated(re.compile("review|updated", re.I)) == (dt.date(2026, 3, 3), 2)
