"""The survey in a real browser (Playwright driving Debian's Chromium, uvicorn on loopback): complete it
as an individual and as an organisation, the routing each sees, validation errors, save and resume, and
axe-core on every page with no serious or critical violation.

axe-core comes from the npm registry (``make axe-core``, or this module's fixture, installs the pinned
version into ``tests/.npm``, which git ignores); without npm the accessibility checks are skipped with
the reason, and fail in CI. It is injected into pages by Playwright in a context that bypasses the
Content-Security-Policy (the survey itself runs no script).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from aicop.consult import web as survey
from aicop.consult.models import Identity, SurveyResponse
from tests.conftest import IN_CI, ROOT
from tests.web.conftest import Live, live, web  # noqa: F401 - fixtures

AXE_VERSION = "4.14.1"
NPM_DIR = ROOT / "tests" / ".npm"
AXE = NPM_DIR / "node_modules" / "axe-core" / "axe.min.js"


def axe_source() -> str | None:
    """axe-core's script, installed from the npm registry when missing; None (skip) without npm."""
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            if IN_CI:
                pytest.fail("npm is needed for the accessibility checks (apt-get install npm)")
            return None
        NPM_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run([npm, "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(NPM_DIR),
                        f"axe-core@{AXE_VERSION}"], check=True, timeout=300)  # fmt: skip
    return AXE.read_text(encoding="utf-8")


@pytest.fixture
def open_survey(live: Live) -> Iterator[Live]:  # noqa: F811 - the fixture imported above
    today = dt.datetime.now(dt.UTC).date()
    survey.SETTINGS.opens, survey.SETTINGS.closes = today, today + dt.timedelta(days=7)
    live.web.app.state.web.settings.secure_cookies = True  # type: ignore[attr-defined]
    yield live
    survey.SETTINGS.opens = survey.SETTINGS.closes = None


class Tab:
    """A page and the accessibility problems axe found on every page it was asked to check."""

    def __init__(self, page: object, axe: str | None) -> None:
        self.page = page
        self.axe = axe
        self.violations: list[str] = []
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)  # type: ignore[attr-defined]

    def check(self) -> None:
        if self.axe is None:
            return
        self.page.add_script_tag(content=self.axe)  # type: ignore[attr-defined]
        result = self.page.evaluate("async () => (await axe.run(document)).violations")  # type: ignore[attr-defined]
        url = self.page.url  # type: ignore[attr-defined]
        self.violations += [
            f"{url}: {v['id']} ({v['impact']}): {v['help']}"
            for v in result
            if v["impact"] in ("serious", "critical")
        ]

    def choose(self, question: str, option: str) -> None:
        self.page.check(f"input[name={question}][value={option}]")  # type: ignore[attr-defined]

    def next(self) -> None:
        self.check()
        self.page.click("button[value=continue]")  # type: ignore[attr-defined]


@pytest.fixture
def tab(browser: object, open_survey: Live) -> Iterator[Tab]:
    context = browser.new_context(base_url=open_survey.url, bypass_csp=True)  # type: ignore[attr-defined]
    found = Tab(context.new_page(), axe_source())
    yield found
    context.close()
    assert found.violations == [], found.violations
    assert [e for e in found.errors if "Content Security Policy" in e] == []


def start(tab: Tab) -> None:
    tab.page.goto("/consult")  # type: ignore[attr-defined]
    tab.check()
    tab.page.click("text=Start now")  # type: ignore[attr-defined]
    tab.page.wait_for_url("**/consult/page/respondent")  # type: ignore[attr-defined]


def finish(tab: Tab, identified: bool) -> str:
    """From the identity page to the confirmation; returns the reference."""
    tab.page.wait_for_url("**/consult/identity")  # type: ignore[attr-defined]
    tab.check()
    if identified:
        tab.choose("identified", "yes")
        tab.page.fill("#name", "Ann Smith")  # type: ignore[attr-defined]
        tab.page.fill("#organisation", "Example Ltd")  # type: ignore[attr-defined]
    else:
        tab.choose("identified", "no")
    tab.page.click("button.govuk-button")  # type: ignore[attr-defined]
    tab.page.wait_for_url("**/consult/check")  # type: ignore[attr-defined]
    tab.check()
    tab.page.click("text=Accept and send")  # type: ignore[attr-defined]
    tab.page.wait_for_url("**/consult/confirmation")  # type: ignore[attr-defined]
    tab.check()
    return str(tab.page.inner_text("#reference"))  # type: ignore[attr-defined]


def headings(tab: Tab) -> list[str]:
    return [str(h) for h in tab.page.locator("legend").all_inner_texts()]  # type: ignore[attr-defined]


def test_an_individual_completes_the_survey(tab: Tab, open_survey: Live) -> None:
    start(tab)
    tab.choose("Q1", "individual")
    tab.next()
    tab.page.wait_for_url("**/consult/page/individual")  # type: ignore[attr-defined]
    assert [h.split(".")[0] for h in headings(tab)] == ["Q2", "Q5"]
    tab.choose("Q2", "academic")
    tab.choose("Q5", "uk")
    tab.next()
    tab.page.wait_for_url("**/consult/page/approach")  # type: ignore[attr-defined]
    tab.choose("Q7", "no")
    tab.page.fill("#Q7_no", "A voluntary code will be ignored.")  # type: ignore[attr-defined]
    tab.next()
    for _ in range(3):  # the three pages of principles
        tab.page.wait_for_url("**/consult/page/principles-*")  # type: ignore[attr-defined]
        for question in headings(tab):
            tab.choose(question.split(".")[0], "yes")
        tab.next()
    tab.page.wait_for_url("**/consult/page/gaps-and-impacts")  # type: ignore[attr-defined]
    assert [h.split(".")[0] for h in headings(tab)] == ["Q22"]  # Q23 is for organisations
    tab.next()
    tab.next()  # alternatives, left blank: every question is optional
    tab.choose("Q28", "no")
    tab.next()
    reference = finish(tab, identified=False)
    with open_survey.web.db.session() as s:
        stored = s.query(SurveyResponse).one()
        assert stored.reference == reference
        assert (
            stored.answers["Q1"] == "individual"
            and stored.answers["Q7_no"] == "A voluntary code will be ignored."
        )
        assert stored.answers["Q10"] == "yes" and "Q23" not in stored.answers
        assert s.query(Identity).count() == 0


def test_an_organisation_completes_it_identified_and_is_asked_q23(tab: Tab, open_survey: Live) -> None:
    start(tab)
    tab.choose("Q1", "organisation")
    tab.next()
    tab.page.wait_for_url("**/consult/page/organisation")  # type: ignore[attr-defined]
    assert [h.split(".")[0] for h in headings(tab)] == ["Q3", "Q4", "Q6"]
    tab.page.check("input[name='Q3.charity']")  # type: ignore[attr-defined]
    tab.page.check("input[name='Q3.other']")  # type: ignore[attr-defined]
    tab.page.fill("#Q3_other", "A trade body")  # type: ignore[attr-defined]
    tab.choose("Q4", "small")
    tab.next()
    for _ in range(4):
        tab.next()
    tab.page.wait_for_url("**/consult/page/gaps-and-impacts")  # type: ignore[attr-defined]
    assert [h.split(".")[0] for h in headings(tab)] == ["Q22", "Q23"]
    tab.choose("Q23", "yes")
    tab.page.fill("#Q23_yes", "About two weeks of staff time.")  # type: ignore[attr-defined]
    tab.next()
    tab.next()
    tab.next()
    reference = finish(tab, identified=True)
    with open_survey.web.db.session() as s:
        stored = s.query(SurveyResponse).one()
        assert stored.reference == reference
        assert stored.answers["Q3"] == ["charity", "other"] and stored.answers["Q23"] == "yes"
        assert "Ann Smith" not in json.dumps(stored.answers)
        assert s.query(Identity).one().organisation == "Example Ltd"


def test_validation_errors_name_the_question(tab: Tab) -> None:
    start(tab)
    tab.choose("Q1", "individual")
    tab.next()
    tab.next()
    tab.page.wait_for_url("**/consult/page/approach")  # type: ignore[attr-defined]
    tab.choose("Q7", "yes")
    tab.page.fill("#Q7_no", "reasons for a no I did not give")  # type: ignore[attr-defined]
    tab.page.fill("#Q8_reasons", "x" * 5001)  # type: ignore[attr-defined]
    tab.page.click("button[value=continue]")  # type: ignore[attr-defined]
    summary = tab.page.inner_text(".govuk-error-summary")  # type: ignore[attr-defined]
    assert "There is a problem" in summary
    assert "Q7: answered, but it is asked only after Q7 is answered 'No'" in summary
    assert "Q8: the answer is 5,001 characters; the limit is 5,000" in summary
    assert tab.page.title().startswith("Error: ")  # type: ignore[attr-defined]
    tab.check()  # the error state is accessible too
    tab.page.click(".govuk-error-summary a >> nth=0")  # type: ignore[attr-defined]
    assert tab.page.url.endswith("#Q7_no")  # type: ignore[attr-defined]
    tab.page.fill("#Q7_no", "")  # type: ignore[attr-defined]
    tab.page.click("button[value=continue]")  # type: ignore[attr-defined]
    assert "the limit is 5,000" in tab.page.inner_text(".govuk-error-summary")  # type: ignore[attr-defined]
    tab.errors.clear()  # Chromium logs each 422 response as a console error


def test_save_and_resume_in_another_browser(tab: Tab, browser: object, open_survey: Live) -> None:
    start(tab)
    tab.choose("Q1", "organisation")
    tab.page.click("button[value=save]")  # type: ignore[attr-defined]
    tab.check()
    link = str(tab.page.inner_text("#resume-link"))  # type: ignore[attr-defined]
    other = browser.new_context()  # type: ignore[attr-defined]
    page = other.new_page()
    page.goto(link)
    assert page.url.endswith("/consult/page/organisation")
    page.goto(open_survey.url + "/consult/page/respondent")
    assert page.is_checked("input[name=Q1][value=organisation]")
    page.goto(link.replace("?t=", "?t=x"))
    assert "This link is not valid" in page.inner_text("main")
    other.close()


def test_the_accessibility_check_finds_a_real_violation(browser: object) -> None:
    """The axe check above can fail: an input without a label is a critical violation."""
    axe = axe_source()
    if axe is None:
        pytest.skip("npm is not installed: axe-core cannot be fetched")
    context = browser.new_context()  # type: ignore[attr-defined]
    found = Tab(context.new_page(), axe)
    found.page.set_content(
        '<html lang="en"><head><title>t</title></head><body><main><input type="text"></main></body></html>'
    )  # type: ignore[attr-defined]
    found.check()
    context.close()
    assert any("label" in v for v in found.violations), found.violations
