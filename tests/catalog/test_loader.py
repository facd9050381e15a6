"""A broken catalog is refused loudly, with every problem named."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aicop.catalog import load_catalog
from aicop.catalog.loader import DEFAULT_CATALOG, available_catalogs
from aicop.errors import CatalogError


def _raw() -> dict[str, Any]:
    return json.loads(load_catalog().model_dump_json())


def _provision(raw: dict[str, Any], pid: str) -> dict[str, Any]:
    principle = raw["principles"][int(pid.split(".")[0]) - 1]
    return next(v for v in principle["provisions"] if v["id"] == pid)


def _duplicate(raw: dict[str, Any]) -> None:
    raw["principles"][0]["provisions"].append(dict(_provision(raw, "1.1")))


def _bad_parent(raw: dict[str, Any]) -> None:
    _provision(raw, "1.1.1")["parent"] = "1.9"


def _wrong_modality(raw: dict[str, Any]) -> None:
    _provision(raw, "1.1")["modality"] = "should"


def _wrong_stakeholders(raw: dict[str, Any]) -> None:
    _provision(raw, "3.3")["stakeholders"] = ["developer", "system-operator"]


def _unrecorded_dangling_reference(raw: dict[str, Any]) -> None:
    raw["inconsistencies"] = [i for i in raw["inconsistencies"] if i["where"] != "9.2.1"]


def _stale_inconsistency(raw: dict[str, Any]) -> None:
    raw["inconsistencies"].append(
        {"where": "1.1", "what": "refers to provision 1.9, which the Code does not contain"}
    )


def _unknown_field(raw: dict[str, Any]) -> None:
    raw["principles"][0]["colour"] = "blue"


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        (_duplicate, "provision 1.1 appears twice"),
        (_bad_parent, "parent 1.9 does not precede it"),
        (_wrong_modality, "provision 1.1: modality should but the text says shall"),
        (_wrong_stakeholders, "provision 3.3: stakeholders"),
        (_unrecorded_dangling_reference, "unrecorded dangling reference '2.1.2'"),
        (_stale_inconsistency, "no longer holds"),
        (_unknown_field, "schema error"),
    ],
)
def test_broken_catalog_is_refused(
    tmp_path: Path, breakage: Callable[[dict[str, Any]], None], expected: str
) -> None:
    raw = _raw()
    breakage(raw)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(CatalogError, match=expected) as info:
        load_catalog(path)
    assert str(path) in str(info.value)


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{\n  "id": "x",\n  oops\n}', encoding="utf-8")
    with pytest.raises(CatalogError, match=rf"{path}:3: invalid JSON"):
        load_catalog(path)


def test_unknown_catalog_id() -> None:
    with pytest.raises(CatalogError, match="no packaged catalog of that id"):
        load_catalog("dsit-1999-01")


def test_packaged_catalogs() -> None:
    assert DEFAULT_CATALOG in available_catalogs()
    assert load_catalog(DEFAULT_CATALOG) is load_catalog()
