"""Every check is registered once, names real provisions, and has a title and remediation."""

from __future__ import annotations

import pytest

from aicop.assess.registry import check, registered_checks


def test_registered_checks_name_real_provisions() -> None:
    """Each id a check reports is a provision of the catalog its control says it is numbered in."""
    from aicop.assess.controls import load_controls
    from aicop.catalog import load_catalog

    specs = registered_checks()
    assert len({s.id for s in specs}) == len(specs) >= 8
    numbering = {(c.check, c.reports): c.numbering for c in load_controls()}
    for s in specs:
        assert s.title and s.remediation
        assert all(load_catalog(numbering[s.id, pid]).has_provision(pid) for pid in s.provisions), s.id


def test_every_check_module_has_a_test_module() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    modules = {p.stem for p in (root / "src/aicop/checks").glob("p*.py")}
    tests = {p.stem.removeprefix("test_") for p in (root / "tests/checks").glob("test_p*.py")}
    assert modules <= tests


def test_a_check_needs_provisions() -> None:
    with pytest.raises(ValueError, match="names no provision"):
        check("x.none", provisions=[], title="t", remediation="r")
