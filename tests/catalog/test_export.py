"""Exports other tools read: JSON in the documented shape, YAML, CSV and an OSCAL 1.1 catalog."""

from __future__ import annotations

import csv
import io
import json

import yaml

from aicop.catalog import Catalog
from aicop.catalog.export import CSV_COLUMNS, export


def test_json_export_shape(catalog: Catalog) -> None:
    data = json.loads(export(catalog, "json"))
    assert data["id"] == "dsit-2024-05"
    assert len(data["principles"]) == 12
    first = data["principles"][0]
    assert {"id", "title", "section", "stakeholders", "provisions"} <= set(first)
    assert first["section"] == "secure-design"
    provision = first["provisions"][0]
    assert provision["id"] == "1.1" and provision["parent"] is None and provision["modality"] == "shall"
    assert provision["stakeholders"] == ["developer", "system-operator", "data-controller"]
    assert provision["text"].startswith("Organisations shall establish and maintain")
    assert sum(len(p["provisions"]) for p in data["principles"]) == 73


def test_yaml_export_round_trips(catalog: Catalog) -> None:
    assert yaml.safe_load(export(catalog, "yaml")) == json.loads(export(catalog, "json"))


def test_csv_export_has_a_row_per_provision(catalog: Catalog) -> None:
    rows = list(csv.DictReader(io.StringIO(export(catalog, "csv"))))
    assert list(rows[0]) == CSV_COLUMNS
    assert len(rows) == 73
    row = next(r for r in rows if r["id"] == "7.3.1")
    assert row["modality"] == "shall" and row["stakeholders"] == "developer;data-controller"
    assert row["parent"] == "7.3"


def test_oscal_export_loads_in_trestle(catalog: Catalog) -> None:
    from trestle.oscal.catalog import Catalog as OscalCatalog

    data = json.loads(export(catalog, "oscal"))
    model = OscalCatalog.parse_obj(data["catalog"])
    assert model.metadata.oscal_version.__root__ == "1.1.3"
    groups = model.groups or []
    assert len(groups) == 12

    def controls(items: list[object]) -> list[object]:
        out: list[object] = []
        for control in items:
            out.append(control)
            out += controls(getattr(control, "controls", None) or [])
        return out

    every = [c for g in groups for c in controls(list(g.controls or []))]
    assert len(every) == 73
    by_id = {c.id: c for c in every}  # type: ignore[attr-defined]
    nested = by_id["cop-5.4"].controls  # type: ignore[attr-defined]
    assert [c.id for c in nested] == ["cop-5.4.1"]
    statement = by_id["cop-6.3"].parts[0]  # type: ignore[attr-defined]
    assert statement.name == "statement" and statement.prose == catalog.provision("6.3").text


def test_oscal_export_is_stable(catalog: Catalog) -> None:
    assert export(catalog, "oscal") == export(catalog, "oscal")
