from __future__ import annotations

import pytest
from sqlalchemy import select

from aicop.store.accounts import init_admin
from aicop.store.models import ApiToken, Event, User
from tests.web.conftest import PASSWORD, Web, csrf_of


def test_security_headers_on_every_response(web: Web) -> None:
    client = web.client()
    for path in ("/login", "/static/style.css", "/no-such-page"):
        headers = client.get(path).headers
        assert "default-src 'none'" in headers["content-security-policy"]
        assert "script-src" not in headers["content-security-policy"]  # no script may run at all
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"


def test_pages_need_a_session(web: Web) -> None:
    response = web.client().get("/admin/users?x=1")
    assert (
        response.status_code == 303 and response.headers["location"] == "/login?next=%2Fadmin%2Fusers%3Fx%3D1"
    )


def test_session_cookie_flags(tmp_path, web: Web) -> None:  # type: ignore[no-untyped-def]
    from starlette.testclient import TestClient

    from aicop.web import Settings, create_app

    client = TestClient(
        create_app(web.db, settings=Settings(secure_cookies=True)),
        base_url="https://testserver",
        follow_redirects=False,
    )
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"username": "viewer", "password": PASSWORD, "csrf": token})
    cookie = response.headers["set-cookie"].lower()
    assert (
        "aicop_session=" in cookie
        and "httponly" in cookie
        and "secure" in cookie
        and "samesite=lax" in cookie
    )


def test_login_without_csrf_token_is_refused(web: Web) -> None:
    client = web.client()
    client.get("/login")
    response = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 403 and "CSRF" in response.text
    response = client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf": "0" * 64})
    assert response.status_code == 403


def test_a_form_from_another_site_is_refused(web: Web) -> None:
    client = web.signed_in("admin")
    token = csrf_of(client.get("/admin/tokens").text)
    response = client.post(
        "/admin/tokens", data={"name": "x", "csrf": token}, headers={"origin": "https://evil.example"}
    )
    assert response.status_code == 403 and "another site" in response.text


def test_a_viewer_posting_an_admin_form_gets_403(web: Web) -> None:
    client = web.signed_in("viewer")
    token = csrf_of(client.get("/account/password").text)
    response = client.post(
        "/admin/users", data={"username": "x", "role": "admin", "password": PASSWORD, "csrf": token}
    )
    assert response.status_code == 403
    with web.db.session() as s:
        assert s.scalar(select(User).where(User.username == "x")) is None


def test_login_is_throttled(web: Web) -> None:
    client = web.client()
    token = csrf_of(client.get("/login").text)
    codes = [
        client.post("/login", data={"username": "admin", "password": f"wrong {i}", "csrf": token}).status_code
        for i in range(6)
    ]
    assert codes == [401] * 5 + [429]
    right = client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf": token})
    assert right.status_code == 429  # even the right password waits: the window is per user name


def test_next_cannot_leave_the_site(web: Web) -> None:
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        client = web.client()
        token = csrf_of(client.get("/login").text)
        response = client.post(
            "/login", data={"username": "viewer", "password": PASSWORD, "csrf": token, "next": target}
        )
        assert response.headers["location"] == "/"


def test_init_admin_one_time_password_must_be_changed(web: Web) -> None:
    with web.db.session() as s:
        password = init_admin(s, "root")
    client = web.client()
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"username": "root", "password": password, "csrf": token})
    assert response.headers["location"] == "/account/password"
    assert client.get("/admin/users").headers["location"] == "/account/password"
    token = csrf_of(client.get("/account/password").text)
    short = client.post(
        "/account/password", data={"current": password, "new": "short", "repeat": "short", "csrf": token}
    )
    assert short.status_code == 422 and "12 characters" in short.text
    new = "root's own password"
    done = client.post(
        "/account/password", data={"current": password, "new": new, "repeat": new, "csrf": token}
    )
    assert done.status_code == 303
    assert client.get("/admin/users").status_code == 200
    fresh = web.client()
    token = csrf_of(fresh.get("/login").text)
    again = fresh.post("/login", data={"username": "root", "password": password, "csrf": token})
    assert again.status_code == 401  # the one-time password worked once


def test_tokens_are_shown_once_and_stored_hashed(web: Web) -> None:
    client = web.signed_in("admin")
    token = csrf_of(client.get("/admin/tokens").text)
    page = client.post("/admin/tokens", data={"name": "ci", "csrf": token}).text
    secret = page.split('<code class="secret">')[1].split("<")[0]
    assert secret.startswith("aicop_") and len(secret) > 40
    assert secret not in client.get("/admin/tokens").text
    with web.db.session() as s:
        row = s.scalars(select(ApiToken)).one()
        assert secret not in (row.token_hash, row.prefix)
        assert s.scalars(select(Event.action)).all()[-1] == "token.create"


@pytest.mark.parametrize("name", ["<script>alert(1)</script>", "\u202egnp.exe", "x" * 101])
def test_hostile_user_names(web: Web, name: str) -> None:
    client = web.signed_in("admin")
    token = csrf_of(client.get("/admin/users").text)
    response = client.post(
        "/admin/users", data={"username": name, "role": "viewer", "password": PASSWORD, "csrf": token}
    )
    assert response.status_code == 422
    assert "<script>alert" not in response.text
