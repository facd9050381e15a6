"""Checks and catalogs meet through controls kept as data: the draft keeps exactly its results, every
crosswalk row is reflected in the final Code's mapping, and missing or wrong data fails loudly."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from aicop.assess import Context, Finding, assess
from aicop.assess.controls import (
    CONTROLS_NAME,
    ControlDataError,
    control_problems,
    derive_mappings,
    load_controls,
    load_overrides,
    mapping_for,
    packaged_mapping_text,
    parse_controls,
    parse_mapping,
)
from aicop.assess.registry import CheckSpec, registered_checks
from aicop.catalog import load_catalog
from aicop.catalog.crosswalk import DRAFT, ETSI, FINAL, load_crosswalk
from aicop.errors import CatalogError
from tests.catalog.crosswalk_files import crosswalk_file
from tests.conftest import EXAMPLE, ROOT, TODAY

BEFORE = Path(__file__).parent / "data" / "example-dsit-2024-05.json"
VOLATILE = ("generated_at", "root")


def test_the_draft_keeps_exactly_its_results() -> None:
    """The example's report against the draft, generated on main before controls existed, with the
    checks that existed then (checks added since may rightly add findings)."""
    before = json.loads(BEFORE.read_text(encoding="utf-8"))
    then = {c["id"] for c in before["checks"]}
    specs = [s for s in registered_checks() if s.id in then]
    assert len(specs) == len(then)
    after = json.loads(assess(EXAMPLE, today=TODAY, checks=specs).model_dump_json())
    for key in VOLATILE:
        after.pop(key)
    assert after["catalog"].pop("stage") == "draft"  # reports now name the catalog's stage
    assert after == before


def test_packaged_mappings_are_what_the_tool_derives() -> None:
    derived = derive_mappings(load_controls(), load_overrides(), load_catalog(FINAL))
    for catalog_id, rows in derived.items():
        text = packaged_mapping_text(catalog_id)
        assert text is not None, catalog_id
        on_disk = [tuple(r) for r in list(csv.reader(text.splitlines()))[1:]]
        assert on_disk == rows, f"stale mapping for {catalog_id}: run python tools/derive_mappings.py"


def test_every_crosswalk_row_is_reflected_in_the_final_mapping() -> None:
    draft, final = load_catalog(DRAFT), load_catalog(FINAL)
    draft_map, final_map = mapping_for(draft), mapping_for(final)
    drops = {(o.provision, o.control) for o in load_overrides() if o.action == "drop"}
    rows = list(csv.DictReader(crosswalk_file("draft-to-final.csv").open(encoding="utf-8")))
    packaged = load_crosswalk()
    assert [(link.draft_id or "", " ".join(link.final_ids), link.relation) for link in packaged] == [
        (r["draft_id"], r["final_ids"], r["relation"]) for r in rows
    ]
    assert {r["draft_id"] for r in rows if r["draft_id"]} == {v.id for v in draft.provisions()}
    assert {f for r in rows for f in r["final_ids"].split()} == {v.id for v in final.provisions()}
    for row in rows:
        finals = row["final_ids"].split()
        for control in draft_map.controls_of(row["draft_id"]) if row["draft_id"] else []:
            for final_id in finals:
                mapped = control in final_map.controls_of(final_id)
                assert mapped or (final_id, control) in drops, (row["draft_id"], final_id, control)
        if row["relation"] == "removed":
            bases = [b for _, _, b in final_map.rows]
            assert not any(b.endswith(f" from {row['draft_id']}") for b in bases)


def test_final_coverage_is_at_least_the_drafts() -> None:
    assert len(mapping_for(load_catalog(DRAFT)).provisions()) >= 34  # what the draft had before the rework
    assert len(mapping_for(load_catalog(FINAL)).provisions()) >= 34
    etsi = mapping_for(load_catalog(ETSI))
    assert len(etsi.provisions()) == len(mapping_for(load_catalog(FINAL)).provisions())


def test_every_registered_check_has_its_controls() -> None:
    assert control_problems(registered_checks(), load_controls()) == []


def test_an_unconverted_check_names_the_line_to_add() -> None:
    def run(ctx: Context) -> list[Finding]:
        return []

    new = CheckSpec("new.check", ("7.2",), "t", "r", run)
    problems = control_problems([*registered_checks(), new], load_controls())
    assert problems == [
        f"check new.check reports 7.2 but {CONTROLS_NAME} has no control for it: add the line "
        "'<control-id>,new.check,7.2,dsit-2024-05,<what it verifies>' (the draft's numbering; dsit-2025-01 "
        "for the final Code's) and run python tools/derive_mappings.py"
    ]


def test_a_control_whose_check_is_gone_is_reported() -> None:
    specs = [s for s in registered_checks() if s.id != "infra.incident-plan"]
    assert any(
        "control incident-plan names check infra.incident-plan" in p
        for p in control_problems(specs, load_controls())
    )


def test_the_registry_refuses_an_unconverted_check(monkeypatch: pytest.MonkeyPatch) -> None:
    from aicop.assess import registry

    monkeypatch.setitem(
        registry._REGISTRY, "new.check", CheckSpec("new.check", ("9.3",), "t", "r", lambda c: [])
    )
    with pytest.raises(ControlDataError, match=r"'<control-id>,new\.check,9\.3,dsit-2024-05"):
        registered_checks()


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("provision,control,basis\n6.4,disclosure-policy,x\n6.4,no-such-control,x\n", 3, "no check provides"),
        ("provision,control,basis\n99.1,disclosure-policy,x\n", 2, "not in catalog dsit-2025-01"),
        ("provision,control,basis\n6.4,disclosure-policy,x\n6.4,disclosure-policy,y\n", 3, "twice"),
        ("provision,control\n6.4,disclosure-policy\n", 1, "expected the columns"),
        ("provision,control,basis\n6.4,,x\n", 2, "every column"),
    ],
)
def test_a_bad_mapping_names_file_line_and_id(text: str, line: int, message: str) -> None:
    with pytest.raises(CatalogError, match=message) as caught:
        parse_mapping(text, "m.csv", load_catalog(FINAL), load_controls())
    assert (caught.value.path, caught.value.line) == ("m.csv", line)


def test_a_duplicate_control_is_refused_with_its_line() -> None:
    text = "control,check,reports,numbering,verifies\na,c.x,1.1,dsit-2024-05,v\na,c.y,1.1,dsit-2024-05,v\n"
    with pytest.raises(CatalogError, match="duplicate control a") as caught:
        parse_controls(text, "c.csv")
    assert caught.value.line == 3


def test_a_catalog_file_brings_its_own_mapping(tmp_path: Path) -> None:
    final = load_catalog(FINAL)
    path = tmp_path / "mine.json"
    path.write_text(final.model_dump_json(), encoding="utf-8")
    (tmp_path / "mine.mapping.csv").write_text("provision,control,basis\n6.4,disclosure-policy,ours\n")
    assert mapping_for(final, path).rows == (("6.4", "disclosure-policy", "ours"),)
    (tmp_path / "mine.mapping.csv").write_text("provision,control,basis\n6.4,nothing-provides-this,ours\n")
    with pytest.raises(CatalogError, match="nothing-provides-this, which no check provides"):
        mapping_for(final, path)


def test_converting_a_draft_check_is_one_line_of_data() -> None:
    """The procedure in aicop.assess.controls: a line in controls.csv, then the derivation."""
    line = "tests-shared,testing.findings-shared,9.4,dsit-2024-05,test findings are shared with operators\n"
    text = (ROOT / "src/aicop/catalog/data/controls.csv").read_text(encoding="utf-8") + line
    derived = derive_mappings(parse_controls(text), load_overrides(), load_catalog(FINAL))
    assert ("9.4", "tests-shared", "check") in derived[DRAFT]
    assert ("9.3", "tests-shared", "moved from 9.4") in derived[FINAL]  # draft 9.4 is final 9.3
    assert ("5.2.5-3", "tests-shared", "renumbered from 9.3") in derived[ETSI]
