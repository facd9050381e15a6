"""The reports of one run: JSON valid against the published schema, SARIF against SARIF 2.1.0, JUnit
parseable with one case per suite, HTML with the chart, and a summary without planted secrets."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import jsonschema
import pytest

from aicop.redteam.model import Run
from aicop.redteam.reports import render_html, render_json, render_junit, render_sarif, render_summary
from aicop.redteam.runner import Planted
from tests.conftest import ROOT
from tests.report.test_reports import IN_CI, SARIF_SCHEMA


@pytest.fixture(scope="module")
def scripted(default_runs: dict[str, Run]) -> Run:
    return default_runs["scripted"]


def test_run_json_matches_the_published_schema(scripted: Run) -> None:
    published = json.loads((ROOT / "schemas" / "redteam-run-1.json").read_text())
    assert published == Run.model_json_schema(), "regenerate with 'aicop redteam schema'"
    jsonschema.Draft202012Validator(published).validate(json.loads(render_json(scripted)))


def test_sarif_lists_each_successful_attack_under_its_suite(scripted: Run) -> None:
    document = json.loads(render_sarif(scripted))
    results = document["runs"][0]["results"]
    assert len(results) == sum(1 for r in scripted.results if r.success)
    assert {r["ruleId"] for r in results} == {s.id for s in scripted.suites if s.successes}
    if not SARIF_SCHEMA.is_file():
        if IN_CI:
            pytest.fail("SARIF schema missing: 'make install' fetches it")
        pytest.skip("SARIF schema not fetched (run 'make install')")
    jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text())).validate(document)


def test_junit_has_one_case_per_suite_failing_beyond_threshold(scripted: Run) -> None:
    root = ET.fromstring(render_junit(scripted).split("\n", 1)[1])
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert set(cases) == {s.id for s in scripted.suites}
    assert cases["benign"].find("failure") is None
    assert cases["tool-misuse"].find("failure") is not None
    assert root.get("failures") == str(len(scripted.failing()))


def test_html_has_an_svg_chart_and_no_script(scripted: Run) -> None:
    html = render_html(scripted)
    assert html.count("<rect") >= 2 * len(scripted.suites) and "<svg" in html
    assert "<script" not in html.split("<h2>Successful attacks")[0]
    assert "&lt;script&gt;" in html, "attack text is escaped, never live markup"


def test_the_shareable_summary_holds_no_prompt_answer_or_planted_secret(scripted: Run) -> None:
    planted = Planted.from_seed(scripted.binding.seed)
    summary = render_summary(scripted, [planted.system_canary, *planted.secrets])
    leaked = [r.response for r in scripted.results if r.success and r.response and r.response in summary]
    assert not leaked
    for value in [planted.system_canary, *planted.secrets]:
        assert value not in summary
    assert "sensitive-data" in summary and scripted.binding.system_prompt_sha256 in summary
