"""The final Code (dsit-2025-01) and ETSI EN 304 223 as catalogs, checked against the crosswalk facts."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from aicop.catalog import Modality, Role, Section, load_catalog
from aicop.catalog.export import export
from aicop.errors import CatalogError
from tests.catalog.crosswalk_files import crosswalk_file

CLAUSES = [
    "5.1.1",
    "5.1.2",
    "5.1.3",
    "5.1.4",
    "5.2.1",
    "5.2.2",
    "5.2.3",
    "5.2.4",
    "5.2.5",
    "5.3.1",
    "5.4.1",
    "5.4.2",
    "5.5.1",
]


def _facts() -> list[dict[str, str]]:
    with crosswalk_file("final-2025-provisions.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_final_code_has_13_principles_and_72_provisions() -> None:
    final = load_catalog("dsit-2025-01")
    assert (final.stage, final.wording) == ("final", "summary")
    assert [len(p.provisions) for p in final.principles] == [5, 9, 7, 5, 7, 6, 6, 6, 6, 5, 4, 4, 2]
    assert Counter(v.modality for v in final.provisions()) == {Modality.SHALL: 49, Modality.SHOULD: 23}
    assert final.principle("13").section is Section.SECURE_END_OF_LIFE
    assert final.roles == (Role.DEVELOPER, Role.SYSTEM_OPERATOR, Role.DATA_CUSTODIAN)
    assert Role.AFFECTED_ENTITY in final.provision("10.3").named
    assert Role.DATA_CUSTODIAN in final.provision("2.5").stakeholders
    assert final.provision("1.1").binds((Role.DATA_CUSTODIAN,))  # addressed to every organisation


def test_every_provision_is_the_crosswalk_fact() -> None:
    final = load_catalog("dsit-2025-01")
    rows = _facts()
    assert [v.id for v in final.provisions()] == [r["id"] for r in rows]
    for row in rows:
        v = final.provision(row["id"])
        assert (v.text, v.modality.value, v.counterparts["etsi-en-304-223"]) == (
            row["summary"],
            row["modality"],
            row["etsi_id"],
        )
        assert [s.value for s in v.stakeholders] == row["obliged"].split(";")


def test_etsi_ids_follow_the_renumbering_rule() -> None:
    etsi = load_catalog("etsi-en-304-223")
    assert [p.id for p in etsi.principles] == CLAUSES
    for v in etsi.provisions():
        dsit = v.counterparts["dsit-2025-01"]
        principle, rest = dsit.split(".", 1)
        assert v.id == f"{CLAUSES[int(principle) - 1]}-{rest}"
    assert etsi.provision("5.2.1-4.2").parent == "5.2.1-4"
    assert (
        etsi.principle("5.1.2").title
        == "Design the AI system for security as well as functionality and performance"
    )


@pytest.mark.parametrize(
    ("catalog_id", "groups", "controls"), [("dsit-2025-01", 13, 72), ("etsi-en-304-223", 13, 72)]
)
def test_oscal_export_of_each_catalog_loads_in_trestle(catalog_id: str, groups: int, controls: int) -> None:
    from trestle.oscal.catalog import Catalog as OscalCatalog

    model = OscalCatalog.parse_obj(json.loads(export(load_catalog(catalog_id), "oscal"))["catalog"])
    assert len(model.groups or []) == groups

    def count(items: list[object]) -> int:
        return sum(1 + count(list(getattr(c, "controls", None) or [])) for c in items)

    assert sum(count(list(g.controls or [])) for g in model.groups or []) == controls


def test_a_duplicate_id_names_file_and_line(tmp_path: Path) -> None:
    raw = json.loads(load_catalog("dsit-2025-01").model_dump_json())
    raw["principles"][5]["provisions"].append(dict(raw["principles"][5]["provisions"][0]))
    path = tmp_path / "dup.json"
    path.write_text(json.dumps(raw, indent=2), encoding="utf-8")
    with pytest.raises(CatalogError, match=r"duplicate id 6\.1") as caught:
        load_catalog(path)
    line = caught.value.line
    assert line is not None and '"id": "6.1"' in path.read_text().splitlines()[line - 1]


def test_a_summary_whose_modality_disagrees_with_its_verbs_is_refused(tmp_path: Path) -> None:
    raw = json.loads(load_catalog("dsit-2025-01").model_dump_json())
    raw["principles"][0]["provisions"][0]["modality"] = "should"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(CatalogError, match=r"provision 1\.1: modality should but its modal verbs say shall"):
        load_catalog(path)


@pytest.mark.parametrize(("catalog_id", "etsi"), [("dsit-2025-01", False), ("etsi-en-304-223", True)])
def test_the_shipped_catalogs_are_what_the_build_tool_makes(catalog_id: str, etsi: bool) -> None:
    import importlib.util

    from tests.conftest import ROOT

    spec = importlib.util.spec_from_file_location(
        "build_final_catalogs", ROOT / "tools" / "build_final_catalogs.py"
    )
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    shipped = json.loads((ROOT / "src" / "aicop" / "catalog" / "data" / f"{catalog_id}.json").read_text())
    assert tool.build(_facts(), etsi=etsi) == shipped


def test_the_published_crosswalk_schema_is_current() -> None:
    """Regenerate with 'aicop catalog crosswalk --format schema > schemas/crosswalk-1.json'."""
    from aicop.catalog.crosswalk_export import Crosswalk
    from tests.conftest import ROOT

    assert json.loads((ROOT / "schemas" / "crosswalk-1.json").read_text()) == Crosswalk.model_json_schema()
