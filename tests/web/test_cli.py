from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx

from tests.web.conftest import csrf_of

AICOP = str(Path(sys.executable).parent / "aicop")


def test_init_admin_prints_a_password_that_signs_in_once(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "store.sqlite3"
    result = run_cli("serve", "--init-admin", "--db", db)
    assert result.code == 0
    password = re.search(r"one-time password: (\S+)", result.out).group(1)  # type: ignore[union-attr]
    again = run_cli("serve", "--init-admin", "--db", db)
    assert password not in again.out  # a new one each time: the old one no longer works

    env = {k: v for k, v in os.environ.items() if k != "AICOP_DB_URL"}
    server = subprocess.Popen(
        [AICOP, "serve", "--port", "0", "--db", str(db), "--insecure-cookies"],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert server.stderr is not None
        url = next(
            m.group(1) for line in server.stderr if (m := re.search(r"listening on (http://\S+)/", line))
        )
        assert url.startswith("http://127.0.0.1:")  # loopback unless told otherwise
        with httpx.Client(base_url=url) as client:
            token = csrf_of(client.get("/login").text)
            new = re.search(r"one-time password: (\S+)", again.out).group(1)  # type: ignore[union-attr]
            old = client.post("/login", data={"username": "admin", "password": password, "csrf": token})
            assert old.status_code == 401
            ok = client.post("/login", data={"username": "admin", "password": new, "csrf": token})
            assert ok.status_code == 303 and ok.headers["location"] == "/account/password"
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_bad_arguments_exit_2(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("serve", "--port", "70000").code == 2
    assert run_cli("store", "import", tmp_path / "missing.json", "--db", tmp_path / "s.db").code == 2
    result = run_cli("store", "import", tmp_path / "missing.json", "--db", tmp_path / "s.db")
    assert "missing.json: cannot read" in result.err
