"""Every check is registered once, names real provisions, and has a title and remediation."""

from __future__ import annotations

import pytest

from aicop.assess.registry import check, registered_checks
from aicop.catalog import Catalog


def test_registered_checks_name_real_provisions(catalog: Catalog) -> None:
    specs = registered_checks()
    assert len({s.id for s in specs}) == len(specs) >= 8
    for s in specs:
        assert s.title and s.remediation
        assert all(catalog.has_provision(pid) for pid in s.provisions), s.id


def test_every_check_module_has_a_test_module() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    modules = {p.stem for p in (root / "src/aicop/checks").glob("p*.py")}
    tests = {p.stem.removeprefix("test_") for p in (root / "tests/checks").glob("test_p*.py")}
    assert modules <= tests


def test_a_check_needs_provisions() -> None:
    with pytest.raises(ValueError, match="names no provision"):
        check("x.none", provisions=[], title="t", remediation="r")
