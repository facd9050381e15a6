from __future__ import annotations

import pytest

from aicop.spreadsheet import safe_cell


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("plain text", "plain text"),
        ("a=b", "a=b"),
        ("", ""),
        (-1.5, -1.5),  # a number is data, not a formula
        (None, None),  # csv.writer writes it as an empty cell
    ],
)
def test_only_text_a_spreadsheet_would_run_is_quoted(value: object, cell: object) -> None:
    assert safe_cell(value) == cell
