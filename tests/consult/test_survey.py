"""The survey over HTTP (Starlette's TestClient): routing, server-side validation with an error summary
naming the question, save and resume by a signed expiring link, anonymous or identified responses
(identity apart from answers), one response per draft, opening and closing dates."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from aicop.consult import web as survey
from aicop.consult.models import Draft, Identity, SurveyResponse
from aicop.store import Database, open_database
from aicop.store.models import Setting
from aicop.web import Settings, create_app
from tests.web.conftest import csrf_of


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Database]:
    db = open_database(tmp_path / "store.sqlite3")
    today = dt.datetime.now(dt.UTC).date()
    survey.SETTINGS.opens, survey.SETTINGS.closes = (
        today - dt.timedelta(days=1),
        today + dt.timedelta(days=30),
    )
    yield db
    survey.SETTINGS.opens = survey.SETTINGS.closes = None
    db.dispose()


@pytest.fixture
def client(store: Database) -> TestClient:
    app = create_app(store, settings=Settings(secure_cookies=False))
    return TestClient(app, follow_redirects=False)  # type: ignore[arg-type]


def post(client: TestClient, path: str, data: dict[str, str]) -> object:
    token = csrf_of(client.get(path).text)
    return client.post(path, data={**data, "csrf": token})


def start(client: TestClient) -> None:
    response = post(client, "/consult", {})
    assert response.status_code == 303 and response.headers["location"] == "/consult/page/respondent"  # type: ignore[attr-defined]


def test_an_organisation_is_routed_past_the_individual_pages(client: TestClient, store: Database) -> None:
    start(client)
    response = post(client, "/consult/page/respondent", {"Q1": "organisation", "action": "continue"})
    assert response.headers["location"] == "/consult/page/organisation"  # type: ignore[attr-defined]
    page = client.get("/consult/page/organisation").text
    assert "Q3. Which of the following statements describes your organisation?" in page
    answers = {"Q3.charity": "charity", "Q3.government": "government", "Q4": "small", "action": "continue"}
    response = post(client, "/consult/page/organisation", answers)
    assert response.headers["location"] == "/consult/page/approach"  # type: ignore[attr-defined]
    with store.session() as s:
        draft = s.scalars(select(Draft)).one()
        assert draft.answers == {"Q1": "organisation", "Q3": ["charity", "government"], "Q4": "small"}


def test_an_answer_the_routing_skips_is_refused_with_an_error_summary(
    client: TestClient, store: Database
) -> None:
    start(client)
    post(client, "/consult/page/respondent", {"Q1": "individual", "action": "continue"})
    response = post(
        client, "/consult/page/individual", {"Q2": "academic", "Q4": "large", "action": "continue"}
    )
    assert response.status_code == 422  # type: ignore[attr-defined]
    text = response.text  # type: ignore[attr-defined]
    assert "There is a problem" in text and "Q4: answered, but the routing skips it" in text
    assert 'href="#Q4"' in text
    response = post(client, "/consult/page/individual", {"Q2": "astronaut", "action": "continue"})
    assert response.status_code == 422 and "Q2: choose one of the options shown" in response.text  # type: ignore[attr-defined]
    with store.session() as s:
        assert s.scalars(select(Draft)).one().answers == {"Q1": "individual"}  # nothing of the bad pages


def test_hostile_text_is_stored_as_text_and_shown_escaped(client: TestClient, store: Database) -> None:
    start(client)
    hostile = "<script>alert(1)</script>"
    post(client, "/consult/page/respondent", {"Q1": "individual", "action": "continue"})
    response = post(client, "/consult/page/approach", {"Q7": "no", "Q7_no": hostile, "action": "continue"})
    assert response.status_code == 303  # type: ignore[attr-defined]
    page = client.get("/consult/check").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and hostile not in page
    too_long = post(client, "/consult/page/approach", {"Q7": "no", "Q7_no": "x" * 5001, "action": "continue"})
    assert too_long.status_code == 422 and "the limit is 5,000" in too_long.text  # type: ignore[attr-defined]


def test_save_and_resume_with_a_signed_link(client: TestClient, store: Database) -> None:
    start(client)
    response = post(client, "/consult/page/respondent", {"Q1": "individual", "action": "save"})
    link = re.search(r'id="resume-link" href="([^"]+)"', response.text)  # type: ignore[attr-defined]
    assert link
    url = link.group(1).replace("&amp;", "&")
    other = TestClient(client.app, follow_redirects=False)
    resumed = other.get(url)
    assert resumed.status_code == 303 and resumed.headers["location"] == "/consult/page/individual"
    assert (
        "Which of the following statements best describes you?" in other.get("/consult/page/individual").text
    )
    token = url.split("t=", 1)[1]
    key, expires, mac = token.split(".")
    tampered = other.get(f"/consult/resume?t={key}.{int(expires) + 999}.{mac}")
    assert tampered.status_code == 400 and "This link is not valid" in tampered.text
    with store.session() as s:
        row = s.get(Setting, "consult_link_key")
        assert row is not None
        past = survey.sign(bytes.fromhex(row.value), key, dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
    expired = other.get(f"/consult/resume?t={past}")
    assert expired.status_code == 410 and "This link has expired" in expired.text


def test_an_identified_response_keeps_identity_apart_and_sends_once(
    client: TestClient, store: Database
) -> None:
    start(client)
    post(client, "/consult/page/respondent", {"Q1": "individual", "action": "continue"})
    response = post(client, "/consult/identity", {"identified": "yes", "name": "", "email": "x"})
    assert response.status_code == 422 and "Enter your name" in response.text  # type: ignore[attr-defined]
    response = post(
        client, "/consult/identity", {"identified": "yes", "name": "Ann Smith", "email": "ann@example.org"}
    )
    assert response.headers["location"] == "/consult/check"  # type: ignore[attr-defined]
    token = csrf_of(client.get("/consult/check").text)
    first = client.post("/consult/submit", data={"csrf": token})
    second = client.post("/consult/submit", data={"csrf": token})  # a double click
    assert first.status_code == second.status_code == 303
    confirmation = client.get("/consult/confirmation").text
    reference = re.search(r'id="reference">(CFV-[0-9A-F]{8})<', confirmation)
    assert reference, confirmation[-2500:]
    with store.session() as s:
        responses = s.scalars(select(SurveyResponse)).all()
        assert len(responses) == 1 and responses[0].reference == reference.group(1)
        assert "Ann" not in str(responses[0].answers)
        person = s.scalars(select(Identity)).one()
        assert (person.response_id, person.name) == (responses[0].id, "Ann Smith")
        assert s.scalars(select(Draft)).one().identity == {}  # not kept beside the draft's answers
    # after sending, the identity page goes to the confirmation and a late post keeps nothing on the draft
    assert client.get("/consult/identity").headers["location"] == "/consult/confirmation"
    late = client.post("/consult/identity", data={"identified": "yes", "name": "Bob", "csrf": token})
    assert late.status_code == 303 and late.headers["location"] == "/consult/confirmation"
    with store.session() as s:
        assert s.scalars(select(Draft)).one().identity == {}


def test_after_closing_the_survey_says_so(client: TestClient) -> None:
    survey.SETTINGS.closes = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    survey.SETTINGS.opens = survey.SETTINGS.closes - dt.timedelta(days=10)
    page = client.get("/consult")
    assert page.status_code == 403 and "This survey has closed" in page.text
    assert "Start now" not in page.text


def test_answers_for_signed_in_roles_identities_for_admin_only(client: TestClient, store: Database) -> None:
    from aicop.store.accounts import create_user
    from tests.web.conftest import PASSWORD

    with store.session() as s:
        create_user(s, "analyst", survey.Role.VIEWER, PASSWORD, actor="test")
        create_user(s, "boss", survey.Role.ADMIN, PASSWORD, actor="test")
    start(client)
    post(client, "/consult/page/respondent", {"Q1": "individual", "action": "continue"})
    post(client, "/consult/identity", {"identified": "yes", "name": "Ann Smith"})
    client.post("/consult/submit", data={"csrf": csrf_of(client.get("/consult/check").text)})
    assert client.get("/consult/responses").status_code == 303  # not signed in: to the login page

    def signed_in(user: str) -> TestClient:
        other = TestClient(client.app, follow_redirects=False)
        token = csrf_of(other.get("/login").text)
        assert (
            other.post("/login", data={"username": user, "password": PASSWORD, "csrf": token}).status_code
            == 303
        )
        return other

    analyst = signed_in("analyst")
    answers = analyst.get("/consult/responses")
    assert answers.status_code == 200 and "individual" in answers.text and "Ann" not in answers.text
    assert analyst.get("/consult/responses?identities=1").status_code == 403
    admin = signed_in("boss").get("/consult/responses?identities=1&format=json")
    assert admin.status_code == 200 and admin.json()[0]["name"] == "Ann Smith"
