"""The catalog holds the whole draft Code, verbatim, with modality and stakeholders as worded."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from aicop.catalog import Catalog, Modality, Role
from tests.conftest import IN_CI, ROOT

D, S, C = Role.DEVELOPER, Role.SYSTEM_OPERATOR, Role.DATA_CONTROLLER
SHALL, SHOULD, CAN = Modality.SHALL, Modality.SHOULD, Modality.CAN

# Read by hand from the seed, provision by provision: the modal verb, and who the provision binds
# (its subject; for "Organisations" / "All responsible stakeholders" the principle's, and for a
# sub-provision with no subject its parent's).
EXPECTED: dict[str, tuple[Modality, set[Role]]] = {
    "1.1": (SHALL, {D, S, C}),
    "1.1.1": (SHALL, {D, S, C}),
    "1.1.2": (CAN, {D, S, C}),
    "1.2": (SHOULD, {D}),
    "1.2.1": (SHOULD, {D}),
    "1.3": (SHALL, {D}),
    "1.3.1": (SHOULD, {D}),
    "1.4": (SHALL, {D}),
    "2.1": (SHALL, {S}),
    "2.1.1": (SHALL, {C}),
    "2.2": (SHALL, {D}),
    "2.3": (SHALL, {D, S}),
    "2.4": (SHALL, {C}),
    "2.5": (SHALL, {D, S}),
    "2.6": (SHALL, {S}),
    "2.7": (SHALL, {D, S}),
    "3.1": (SHALL, {D, S}),
    "3.1.1": (SHALL, {D, S}),
    "3.1.2": (SHALL, {D}),
    "3.1.3": (SHALL, {D}),
    "3.2": (SHOULD, {C}),
    "3.3": (SHALL, {D}),
    "3.4": (SHOULD, {S}),
    "3.5": (SHOULD, {S}),
    "3.6": (SHOULD, {D, S}),
    "4.1": (SHALL, {D, S}),
    "4.2": (SHALL, {D}),
    "4.3": (SHOULD, {D}),
    "4.4": (SHOULD, {D, S}),
    "4.5": (SHOULD, {D, S}),
    "4.6": (SHALL, {D}),
    "5.1": (SHALL, {D, S, C}),
    "5.2": (SHALL, {D, S, C}),
    "5.3": (SHALL, {S}),
    "5.4": (SHALL, {D, S, C}),
    "5.4.1": (SHALL, {D, S, C}),
    "6.1": (SHALL, {D, S}),
    "6.2": (SHALL, {D, S}),
    "6.2.1": (SHALL, {D, S, C}),
    "6.2.2": (SHALL, {D}),
    "6.3": (SHALL, {D, S}),
    "6.4": (SHALL, {D, S}),
    "7.1": (SHALL, {D, S}),
    "7.2": (SHOULD, {D, S}),
    "7.2.1": (SHALL, {D}),
    "7.3": (SHOULD, {D, S}),
    "7.3.1": (SHALL, {D, C}),
    "7.3.2": (SHOULD, {C}),
    "8.1": (SHALL, {D}),
    "8.1.1": (SHOULD, {D}),
    "8.1.2": (SHOULD, {D}),
    "8.2": (SHOULD, {D}),
    "9.1": (SHALL, {D}),
    "9.2": (SHALL, {D}),
    "9.2.1": (SHALL, {D}),
    "9.2.2": (SHOULD, {D}),
    "9.2.3": (SHOULD, {D}),
    "9.3": (SHOULD, {D}),
    "9.4": (SHOULD, {D}),
    "10.1": (SHALL, {D}),
    "10.2": (SHOULD, {D}),
    "10.3": (SHOULD, {D}),
    "10.3.1": (SHOULD, {D}),
    "10.3.2": (SHALL, {D}),
    "11.1": (SHALL, {D, S}),
    "11.2": (SHALL, {D}),
    "11.2.1": (SHALL, {D}),
    "11.3": (SHOULD, {D}),
    "11.4": (SHOULD, {D}),
    "12.1": (SHOULD, {S}),
    "12.2": (SHOULD, {D, S}),
    "12.3": (SHOULD, {D, S}),
    "12.4": (SHOULD, {D, S}),
}
SEED = Path(
    os.environ.get("AICOP_SEED")
    or ROOT.parent / "shared" / "seed" / "call-for-views-cyber-security-of-ai.txt"
)


def test_twelve_principles_and_seventy_three_provisions(catalog: Catalog) -> None:
    assert [p.id for p in catalog.principles] == [str(n) for n in range(1, 13)]
    assert len(catalog.provisions()) == 73
    assert [v.id for v in catalog.provisions()] == list(EXPECTED)


@pytest.mark.parametrize("provision_id", list(EXPECTED))
def test_modality_and_stakeholders_match_the_wording(catalog: Catalog, provision_id: str) -> None:
    provision = catalog.provision(provision_id)
    modality, stakeholders = EXPECTED[provision_id]
    assert provision.modality is modality
    assert set(provision.stakeholders) == stakeholders


def test_sections_and_principle_stakeholders(catalog: Catalog) -> None:
    sections = {p.id: p.section.value for p in catalog.principles}
    assert {k for k, v in sections.items() if v == "secure-design"} == {"1", "2", "3", "4"}
    assert {k for k, v in sections.items() if v == "secure-development"} == {"5", "6", "7", "8", "9"}
    assert sections["10"] == "secure-deployment"
    assert {sections["11"], sections["12"]} == {"secure-maintenance"}
    assert set(catalog.principle("2").stakeholders) == {S}
    assert set(catalog.principle("5").stakeholders) == {D, S, C}
    assert catalog.principle("1").bibliography[:2] == ("NIST 2022", "NIST 2023")
    assert catalog.principle("3").ncsc_guidelines == (
        "Model the threats to your system",
        "Raise staff awareness of threats and risks",
    )


def test_guidance_and_footnotes_follow_their_provision(catalog: Catalog) -> None:
    assert catalog.provision("4.1").guidance == (
        "This could also include the use of trained human oversight.",
    )
    assert [n.number for n in catalog.provision("6.1").footnotes] == [29, 30]
    assert (
        catalog.provision("2.1.1").guidance[0].startswith("NCSC Guidelines for Secure AI System Development")
    )
    assert "²" not in catalog.provision("2.7").text  # footnote markers are moved out of the text


def test_parents(catalog: Catalog) -> None:
    assert catalog.provision("5.4.1").parent == "5.4"
    assert catalog.provision("1.1").parent is None


def test_seed_inconsistencies_are_recorded_not_fixed(catalog: Catalog) -> None:
    recorded = {(i.where, i.what) for i in catalog.inconsistencies}
    assert ("9.2.1", "refers to provision 2.1.2, which the Code does not contain") in recorded
    assert "2.1.2" in catalog.provision("9.2.1").references
    assert not catalog.has_provision("2.1.2")


def test_reference_tables(catalog: Catalog) -> None:
    assert [s.id for s in catalog.stakeholders] == [
        "developer",
        "system-operator",
        "data-controller",
        "end-user",
    ]
    assert not catalog.stakeholders[-1].implements_code
    assert [t.term for t in catalog.terminology] == ["Shall", "Should", "Can/could"]
    assert any(g.term == "Segregated environments" for g in catalog.glossary)
    assert any(b.key == "OWASP 2024" for b in catalog.bibliography)


def _seed_text() -> str:
    if not SEED.is_file():
        if IN_CI:
            pytest.fail(f"the seed text is missing at {SEED}")
        pytest.skip(f"the seed text is not at {SEED}")
    return re.sub(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]+", "", SEED.read_text(encoding="utf-8"))


@pytest.mark.parametrize("provision_id", list(EXPECTED))
def test_text_is_verbatim_from_the_seed(catalog: Catalog, provision_id: str) -> None:
    provision = catalog.provision(provision_id)
    line = re.compile(rf"^{re.escape(provision_id)}\.? {re.escape(provision.text)}$", re.MULTILINE)
    assert line.search(_seed_text()), f"{provision_id} text differs from the seed"


def test_catalog_file_is_what_the_builder_derives_from_the_seed(tmp_path: Path) -> None:
    _seed_text()
    import subprocess
    import sys

    out = tmp_path / "catalog.json"
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_catalog.py"), str(SEED), str(out)],
        check=True,
        capture_output=True,
    )
    shipped = ROOT / "src" / "aicop" / "catalog" / "data" / "dsit-2024-05.json"
    assert out.read_text(encoding="utf-8") == shipped.read_text(encoding="utf-8")
