"""The web app over a new SQLite store, driven by Starlette's TestClient, with users of every role."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from aicop.store import Database, open_database
from aicop.store.accounts import create_user
from aicop.store.models import Role
from aicop.web import Settings, create_app

PASSWORD = "a long enough password"


@dataclass
class Web:
    db: Database
    app: object

    def client(self) -> TestClient:
        return TestClient(self.app, follow_redirects=False)  # type: ignore[arg-type]

    def signed_in(self, username: str) -> TestClient:
        client = self.client()
        token = csrf_of(client.get("/login").text)
        response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf": token})
        assert response.status_code == 303, response.text
        return client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Web]:
    db = open_database(tmp_path / "store.sqlite3")
    with db.session() as s:
        for role in Role:
            create_user(s, role.value, role, PASSWORD, actor="test")
        create_user(s, "owner2", Role.OWNER, PASSWORD, actor="test")
    yield Web(db, create_app(db, settings=Settings(secure_cookies=False)))
    db.dispose()
