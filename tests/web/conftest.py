"""The web app over a new SQLite store, driven by Starlette's TestClient, with users of every role."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from aicop.store import Database, open_database
from aicop.store.accounts import create_user
from aicop.store.models import Role
from aicop.web import Settings, create_app
from tests.store.conftest import base_report  # noqa: F401 - a fixture the web tests share

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


@dataclass
class Live:
    url: str
    web: Web


@pytest.fixture
def live(web: Web) -> Iterator[Live]:
    """The app served by uvicorn on an ephemeral loopback port, in a thread."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(web.app, host="127.0.0.1", port=0, log_level="warning"))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not (server.started and server.servers) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    port = server.servers[0].sockets[0].getsockname()[1]
    yield Live(f"http://127.0.0.1:{port}", web)
    server.should_exit = True
    thread.join(timeout=10)
