"""CSV cells that a spreadsheet opens as text, never as a formula (CSV injection).

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some
spreadsheets skip before reading one of those) is run as a formula by Excel, LibreOffice and Google
Sheets; text written by someone else (a survey answer, a system's name, a git ref) can start that way.
The CSVs aicop writes from text others typed (the survey's answers and its analysis, the store's
portfolio) pass their cells through ``safe_cell``. It does not quote the CSV itself: ``csv.writer``
does that.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Text a spreadsheet would run as a formula, prefixed with ``'``; any other value unchanged (a
    number such as -1.5 is data, and ``csv.writer`` writes None as an empty cell)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
