"""Every renderer, on the bundled example: each output validates against its format's schema."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest

from aicop.assess import Assessment, assess
from aicop.catalog import Catalog
from aicop.report import FORMATS, render
from aicop.report.json_report import schema
from aicop.report.terminal import render as render_terminal
from tests.conftest import EXAMPLE, IN_CI, ROOT, TODAY

SARIF_SCHEMA = ROOT / ".venv" / "share" / "sarif" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def assessment() -> Assessment:
    return assess(EXAMPLE, today=TODAY)


def test_json_report_validates_against_its_schema(assessment: Assessment) -> None:
    document = json.loads(render(assessment, "json"))
    jsonschema.Draft202012Validator(schema()).validate(document)
    assert document["schema_version"] == "1.0"
    provision = document["principles"][5]["provisions"][4]
    assert provision["id"] == "6.3"
    assert {"id", "modality", "status", "findings"} <= set(provision)
    assert {"message", "evidence"} <= set(provision["findings"][0])


def test_json_schema_rejects_a_broken_report(assessment: Assessment) -> None:
    document = json.loads(render(assessment, "json"))
    document["principles"][0]["provisions"][0]["status"] = "sort of"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema()).validate(document)


def test_sarif_validates_against_the_sarif_2_1_0_schema(assessment: Assessment) -> None:
    if not SARIF_SCHEMA.is_file():
        if IN_CI:
            pytest.fail(f"SARIF schema missing at {SARIF_SCHEMA}: 'make install' fetches it")
        pytest.skip("SARIF schema not fetched (run 'make install')")
    sarif_schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    document = json.loads(render(assessment, "sarif"))
    jsonschema.Draft4Validator(sarif_schema).validate(document)
    document["runs"][0]["results"][0]["level"] = "catastrophic"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(sarif_schema).validate(document)


def test_sarif_has_a_located_result_per_gap(assessment: Assessment) -> None:
    run = json.loads(render(assessment, "sarif"))["runs"][0]
    results = [r for r in run["results"] if "suppressions" not in r]
    gap_ids = {v.id for v in assessment.provisions() if v.gap}
    assert {r["ruleId"].removeprefix("CoP-") for r in results} == gap_ids
    suppressed = [r for r in run["results"] if "suppressions" in r]
    assert suppressed and all(r["suppressions"][0]["justification"] for r in suppressed)
    assert all(r["locations"] for r in results)
    unpinned = next(r for r in results if r["ruleId"] == "CoP-7.2" and "requirements" in r["message"]["text"])
    region = unpinned["locations"][0]["physicalLocation"]
    assert region["artifactLocation"]["uri"] == "requirements.txt" and region["region"]["startLine"] == 4
    assert len(run["tool"]["driver"]["rules"]) == 73
    assert all(run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"] for r in results)


def test_oscal_assessment_results_load_in_trestle(assessment: Assessment, catalog: Catalog) -> None:
    from trestle.oscal.assessment_results import AssessmentResults

    from aicop.catalog.export import to_oscal

    document = json.loads(render(assessment, "oscal"))["assessment-results"]
    model = AssessmentResults.parse_obj(document)
    findings = model.results[0].findings or []
    assert len(findings) == assessment.summary.applicable
    statement_ids = set(re.findall(r'"id": "(cop-[\d.]+_smt)"', json.dumps(to_oscal(catalog))))
    assert {f.target.target_id for f in findings} <= statement_ids
    states = {f.target.target_id: f.target.status.state.value for f in findings}
    assert "suppressed in the source" in (model.results[0].remarks or "")
    assert states["cop-6.3_smt"] == "satisfied" and states["cop-10.3.2_smt"] == "not-satisfied"


def test_html_is_self_contained_and_readable_without_script(assessment: Assessment) -> None:
    html = render(assessment, "html")
    assert not re.search(r"""<(link|script|img)[^>]+(href|src)=["']?https?:""", html)
    assert html.count('<tr id="p-') == 73
    assert 'data-status="not_met"' in html and "<noscript>" in html
    assert 'id="filters" hidden' in html  # the filter form appears only when script runs
    assert "The assistant is offered only inside our own web shop" in html


def test_markdown_names_gaps_exclusions_and_attestations(assessment: Assessment) -> None:
    md = render(assessment, "markdown")
    assert md.startswith("# aicop assessment: support-assistant")
    assert re.search(r"### \d+\. 10\.3\.2 \(shall\): not met", md)
    assert "## Justified exclusions" in md and "| 4.6 |" in md
    assert "| 9.1 | met | QA lead |" in md and "| no |" in md  # the expired attestation
    assert "## Suppressed in the source, with a reason" in md and "`scripts/evaluate.py:" in md


def test_terminal_report(assessment: Assessment) -> None:
    text = render_terminal(assessment, width=160, full=True)
    assert "suppressed (2.7) scripts/evaluate.py" in text
    assert "Principle 12: Monitor your system's behaviour" in text
    assert "gaps:" in text.splitlines()[-1] or "gaps:" in text


def test_every_format_has_a_file_name() -> None:
    assert set(FORMATS) == {"json", "markdown", "html", "sarif", "oscal"}
    assert len({f.filename for f in FORMATS.values()}) == 5
