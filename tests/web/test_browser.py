"""The dashboard in a real browser: Debian's Chromium driven by Playwright, against uvicorn on loopback.

Secure cookies stay on (the default of ``aicop serve``): Chromium treats http://127.0.0.1 as a secure
context, and these tests would fail if it did not send them back.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from aicop.assess.results import Assessment as Report
from aicop.store.accounts import create_api_token
from tests.conftest import IN_CI
from tests.store.conftest import variant
from tests.web.conftest import PASSWORD, Live

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def secure_live(live: Live) -> Live:
    """The live app, with the Secure flag on its cookies as ``aicop serve`` sends them."""
    live.web.app.state.web.settings.secure_cookies = True  # type: ignore[attr-defined]
    return live


@pytest.fixture
def page(browser: object, secure_live: Live) -> Iterator[object]:
    context = browser.new_context(base_url=secure_live.url)  # type: ignore[attr-defined]
    tab = context.new_page()
    problems: list[str] = []
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: problems.append(str(e)))
    tab.problems = problems
    yield tab
    context.close()
    assert problems == [], problems  # no CSP violation, no script error on any page


def sign_in(page: object, username: str) -> None:
    page.goto("/login")  # type: ignore[attr-defined]
    page.fill("#username", username)  # type: ignore[attr-defined]
    page.fill("#password", PASSWORD)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url("**/")  # type: ignore[attr-defined]


def push(live: Live, report: Report, commit: str = "a" * 40) -> dict[str, object]:
    with live.web.db.session() as s:
        token = create_api_token(s, "ci", actor="test")[1]
    body = {"report": json.loads(report.model_dump_json()), "commit": commit}
    response = httpx.post(f"{live.url}/api/v1/runs", json=body, headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_login_wrong_then_right_then_logout(page: object, secure_live: Live) -> None:
    page.goto("/")  # type: ignore[attr-defined]
    assert page.url.endswith("/login?next=%2F")  # type: ignore[attr-defined]
    page.fill("#username", "viewer")  # type: ignore[attr-defined]
    page.fill("#password", "not the password")  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    assert "wrong user name or password" in page.inner_text("[role=alert]")  # type: ignore[attr-defined]
    page.problems.clear()  # type: ignore[attr-defined]  # Chromium logs the 401 status as a console error
    sign_in(page, "viewer")
    cookie = next(c for c in page.context.cookies() if c["name"] == "aicop_session")  # type: ignore[attr-defined]
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Lax"
    assert page.evaluate("document.cookie") == ""  # type: ignore[attr-defined]  # HttpOnly: invisible to scripts
    page.click("text=Sign out")  # type: ignore[attr-defined]
    page.wait_for_url("**/login")  # type: ignore[attr-defined]
    page.goto("/attestations")  # type: ignore[attr-defined]
    assert "/login" in page.url  # type: ignore[attr-defined]


def test_a_pushed_run_appears_and_filters_survive_a_reload(
    page: object, secure_live: Live, base_report: Report, tmp_path: Path
) -> None:
    for i in range(3):
        push(secure_live, variant(base_report, f"fleet-{i}", i), commit=f"{i}" * 40)
    sign_in(page, "viewer")
    assert page.locator("tbody tr").count() == 3  # type: ignore[attr-defined]
    page.fill("input[name=q]", "fleet-1")  # type: ignore[attr-defined]
    page.press("input[name=q]", "Enter")  # type: ignore[attr-defined]  # the keyboard submits the filter
    page.wait_for_url("**q=fleet-1**")  # type: ignore[attr-defined]
    page.reload()  # type: ignore[attr-defined]
    assert page.locator("tbody tr").count() == 1  # type: ignore[attr-defined]
    assert page.input_value("input[name=q]") == "fleet-1"  # type: ignore[attr-defined]
    page.click("text=fleet-1")  # type: ignore[attr-defined]
    assert "1111111111" in page.inner_text("dl.facts")  # type: ignore[attr-defined]
    page.select_option("select[name=status]", "not_applicable")  # type: ignore[attr-defined]
    page.click("#provisions + form button")  # type: ignore[attr-defined]
    page.wait_for_url("**status=not_applicable**")  # type: ignore[attr-defined]
    rows = page.locator("#provisions ~ table").first.locator("tbody tr")  # type: ignore[attr-defined]
    expected = sum(1 for v in base_report.provisions() if v.status.value == "not_applicable")
    assert rows.count() == expected


def test_the_attestation_workflow_through_the_forms(
    browser: object, secure_live: Live, base_report: Report
) -> None:
    answer = push(secure_live, base_report)
    pid = next(
        v.id for v in base_report.provisions() if v.status.value == "needs_attestation" and not v.findings
    )
    path = f"/systems/{answer['url'].split('/')[2].split('?')[0]}/provisions/{pid}"  # type: ignore[union-attr]
    tabs = {}
    for who in ("assessor", "owner"):
        context = browser.new_context(base_url=secure_live.url)  # type: ignore[attr-defined]
        tabs[who] = context.new_page()
        sign_in(tabs[who], who)
        tabs[who].goto(path)
    assessor, owner = tabs["assessor"], tabs["owner"]
    assessor.select_option("#owner", "owner")
    assessor.fill("#due_on", "2030-01-31")
    assessor.click("text=Request attestation")
    assert "Attestation requested" in assessor.inner_text("[role=status]")
    owner.reload()
    owner.select_option("select[name=claimed_status]", "met")
    owner.fill("input[name=evidence_url]", "https://wiki.example.org/incident-plan")
    owner.fill("textarea[name=statement]", "<script>alert(1)</script> reviewed by the board")
    owner.click("text=Submit for approval")
    assert "Submitted for approval" in owner.inner_text("[role=status]")
    assert "<script>alert(1)</script> reviewed" in owner.inner_text(".attestation")  # shown as text, not run
    assessor.reload()
    assessor.fill("textarea[name=note]", "evidence checked")
    assessor.click("button[value=approve]")
    assert "Approved" in assessor.inner_text("[role=status]")
    assessor.goto("/attestations?view=approved")
    assert pid in assessor.inner_text("tbody")
    for tab in tabs.values():
        tab.context.close()


def test_screenshots_of_every_page(
    page: object, secure_live: Live, base_report: Report, tmp_path: Path
) -> None:
    """Each page renders in the browser with its stylesheet (the screenshots in docs/ come from
    tools/serve_screenshots.py; these only prove that every page can be taken)."""
    answer = push(secure_live, base_report)
    sign_in(page, "admin")
    system = str(answer["url"]).split("?")[0]
    for name, path in {
        "portfolio": "/",
        "system": system,
        "provision": f"{system}/provisions/2.1",
        "attestations": "/attestations",
        "import": "/import",
    }.items():
        page.goto(path)  # type: ignore[attr-defined]
        background = page.evaluate(  # type: ignore[attr-defined]
            "getComputedStyle(document.querySelector('header.top')).backgroundColor"
        )
        assert background == "rgb(246, 248, 250)", (name, background)  # style.css loaded under the CSP
        shot = tmp_path / f"{name}.png"
        page.screenshot(path=str(shot), full_page=True)  # type: ignore[attr-defined]
        assert shot.stat().st_size > 5000
    shutil.rmtree(tmp_path, ignore_errors=True)
