from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from aicop.assess.results import Assessment as Report
from aicop.store.runs import Provenance, record_run
from tests.store.conftest import variant
from tests.web.conftest import Web, csrf_of

HOSTILE = '<script>alert("x")</script>\u202e\u200fevil'


def _record(web: Web, report: Report, commit: str | None = None) -> int:
    with web.db.session() as s:
        return record_run(s, report, Provenance("import", "test", commit=commit)).system_id


def _worse(report: Report, provision: str, day: int) -> Report:
    """``report`` a day later with ``provision`` turned not_met."""
    data = json.loads(report.model_dump_json())
    data["generated_at"] = (report.generated_at + dt.timedelta(days=day)).isoformat()
    for principle in data["principles"]:
        for v in principle["provisions"]:
            if v["id"] == provision:
                v["status"] = "not_met"
    return Report.model_validate(data)


def test_every_page_renders_for_a_viewer(web: Web, base_report: Report) -> None:
    system = _record(web, base_report)
    _record(web, _worse(base_report, "2.1", 3))
    client = web.signed_in("viewer")
    for path in (
        "/",
        f"/systems/{system}",
        f"/systems/{system}/provisions/2.1",
        "/attestations",
        "/attestations.json",
    ):
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        if path.endswith(".json"):
            continue
        title = response.text.split("<title>")[1].split("</title>")[0]
        assert "<" not in title and title.count("\n") == 0, (path, title[:200])  # plain text, one line
    assert client.get("/import").status_code == 403  # importing needs an assessor
    assert client.get("/admin/events").status_code == 403


def test_the_system_page_shows_what_regressed(web: Web, base_report: Report) -> None:
    met = next(v.id for v in base_report.provisions() if v.status.value == "met")
    system = _record(web, base_report)
    _record(web, _worse(base_report, met, 3))
    page = web.signed_in("viewer").get(f"/systems/{system}").text
    changes = page.split('id="changes"')[1].split("</table>")[0]
    assert f'provisions/{met}">{met}</a>' in changes and 'class="regressed">regressed' in changes
    assert '<svg class="chart"' in page


def test_filters_live_in_the_query_string(web: Web, base_report: Report) -> None:
    for i in range(3):
        _record(web, variant(base_report, f"system-{i:02d}", i))
    client = web.signed_in("viewer")
    page = client.get("/?q=system-01").text
    assert "system-01" in page and "system-00" not in page and "system-02" not in page
    assert 'name="q" value="system-01"' in page  # the filter is shown as it was given
    status = base_report.summary.status.value
    assert "system-00" in client.get(f"/?status={status}").text
    assert "No system matches" in client.get("/?status=met&q=system").text or status == "met"


def test_the_portfolio_pages_on_the_server(web: Web, base_report: Report) -> None:
    for i in range(55):
        _record(web, variant(base_report, f"s{i:03d}"))
    client = web.signed_in("viewer")
    first, second = client.get("/").text, client.get("/?page=2").text
    assert "s000" in first and "s049" in first and "s050" not in first
    assert "s050" in second and "s054" in second and "s000" not in second
    assert "Page 2 of 2" in second and 'href="/?page=1"' in second


def test_provision_filters_by_status_and_role(web: Web, base_report: Report) -> None:
    system = _record(web, base_report)
    client = web.signed_in("viewer")
    page = client.get(f"/systems/{system}?status=not_applicable").text
    table = page.split('id="provisions"')[1].split("</table>")[0]
    shown = table.count("<tr><td>")
    expected = sum(1 for v in base_report.provisions() if v.status.value == "not_applicable")
    assert shown == expected
    developer = client.get(f"/systems/{system}?role=developer").text.split('id="provisions"')[1]
    assert developer.split("</table>")[0].count("<tr><td>") == sum(
        1 for v in base_report.provisions() if "developer" in [s.value for s in v.stakeholders]
    )


def test_hostile_names_are_escaped_everywhere(web: Web, base_report: Report) -> None:
    system = _record(web, variant(base_report, HOSTILE), commit="<img src=x onerror=alert(1)>")
    client = web.signed_in("viewer")
    for path in ("/", f"/systems/{system}", f"/systems/{system}/provisions/2.1", f"/?q={HOSTILE}"):
        page = client.get(path).text
        assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in client.get("/").text
    exported = client.get("/portfolio.csv").text
    assert list(csv.reader(io.StringIO(exported)))[1][0] == HOSTILE


def test_csv_cells_that_a_spreadsheet_would_run_are_defused(web: Web, base_report: Report) -> None:
    _record(web, variant(base_report, '=HYPERLINK("http://evil")'))
    rows = list(csv.reader(io.StringIO(web.signed_in("viewer").get("/portfolio.csv").text)))
    assert rows[1][0].startswith("'=")


@pytest.mark.parametrize("fmt", ["json", "markdown", "html", "sarif", "oscal", "defectdojo"])
def test_a_run_exports_in_every_format(web: Web, base_report: Report, fmt: str) -> None:
    from aicop.report import render

    _record(web, base_report)
    response = web.signed_in("viewer").get(f"/runs/1/export/{fmt}")
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    if fmt == "json":
        assert Report.model_validate_json(response.text) == base_report
    elif fmt == "oscal":  # a new uuid each time it is rendered
        assert json.loads(response.text)["assessment-results"]["results"]
    elif fmt != "defectdojo":
        assert response.text == render(base_report, fmt)


def test_the_defectdojo_export_has_the_generic_importers_shape(web: Web, base_report: Report) -> None:
    _record(web, base_report)
    document = web.signed_in("viewer").get("/runs/1/export/defectdojo").json()
    allowed = {
        "title", "severity", "description", "date", "mitigation", "references", "active", "static_finding",
        "file_path", "line", "unique_id_from_tool", "vuln_id_from_tool",
    }  # fmt: skip
    gaps = [v for v in base_report.provisions() if v.gap]
    assert document["findings"] and len(document["findings"]) >= len(gaps)
    for finding in document["findings"]:
        assert {"title", "severity", "description"} <= set(finding) <= allowed
        assert finding["severity"] in {"Critical", "High", "Medium", "Low", "Info"}
    ids = [f["unique_id_from_tool"] for f in document["findings"]]
    assert len(ids) == len(set(ids))


def test_import_page(web: Web, base_report: Report) -> None:
    client = web.signed_in("assessor")
    token = csrf_of(client.get("/import").text)
    files = {"report": ("r.json", base_report.model_dump_json().encode(), "application/json")}
    response = client.post("/import", data={"csrf": token, "commit": "abc"}, files=files)
    assert response.status_code == 303 and "imported=recorded" in response.headers["location"]
    again = client.post("/import", data={"csrf": token}, files=files)
    assert "imported=already+stored" in again.headers["location"] or "already" in again.headers["location"]
    bad = {"report": ("sarif.json", b'{"version": "2.1.0", "runs": []}', "application/json")}
    refused = client.post("/import", data={"csrf": token}, files=bad)
    assert (
        refused.status_code == 422 and "sarif.json: schema_version: not an aicop JSON report" in refused.text
    )


def test_a_viewer_cannot_import(web: Web, base_report: Report) -> None:
    client = web.signed_in("viewer")
    token = csrf_of(client.get("/account/password").text)
    files = {"report": ("r.json", base_report.model_dump_json().encode(), "application/json")}
    assert client.post("/import", data={"csrf": token}, files=files).status_code == 403


def test_unknown_ids_are_404_not_500(web: Web, base_report: Report) -> None:
    _record(web, base_report)
    client = web.signed_in("viewer")
    for path in ("/systems/999", "/systems/abc", "/systems/1/provisions/99.9", "/runs/77/export/json",
                 "/runs/1/export/pdf", "/systems/1?run=999", "/systems/1?from=1&to=x"):  # fmt: skip
        assert client.get(path).status_code == 404, path
