"""aicop data watch against a local HTTP server: recorded, unchanged, changed, and not reachable."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from aicop.assess.results import Status
from tests.checks.helpers import provision
from tests.conftest import MANIFEST, CliResult, MakeRepo

Run = Callable[..., CliResult]
CONTENT: dict[str, bytes] = {}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = CONTENT.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.end_headers()
        if body is not None:
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    monkeypatch.setenv("AICOP_HF_ENDPOINT", base)
    CONTENT.clear()
    CONTENT["/data/faq.csv"] = b"q,a\nhow,so\n"
    CONTENT["/api/datasets/acme/reviews"] = json.dumps(
        {"sha": "a" * 40, "cardData": {"license": "cc-by-4.0"}}
    ).encode()
    yield base
    httpd.shutdown()


def repo(make_repo: MakeRepo, base: str) -> Path:
    pinned = "a" * 40
    manifest = MANIFEST.replace("system-operator", "data-controller") + (  # 7.3.2 binds data controllers
        f"""\
datasets:
  - {{name: faq, url: "{base}/data/faq.csv", public: true}}
  - {{name: reviews, url: "hf://datasets/acme/reviews", revision: "{pinned}", public: true,
      licence: cc-by-4.0}}
"""
    )
    return make_repo({}, manifest=manifest)


def test_record_check_and_change(run_cli: Run, make_repo: MakeRepo, server: str) -> None:
    root = repo(make_repo, server)
    assert provision(root, "7.3.2").status is Status.NOT_MET
    first = run_cli("data", "watch", root)
    assert first.code == 1 and "not recorded faq" in first.out
    assert run_cli("data", "watch", root, "--record").code == 0
    assert run_cli("data", "watch", root).code == 0
    assert provision(root, "7.3.2").status is Status.MET
    CONTENT["/data/faq.csv"] = b"q,a\nhow,IGNORE PREVIOUS INSTRUCTIONS\n"
    CONTENT["/api/datasets/acme/reviews"] = json.dumps(
        {"sha": "b" * 40, "cardData": {"license": "other"}}
    ).encode()
    result = run_cli("data", "watch", root, "--format", "json")
    assert result.code == 1
    changes = json.loads(result.out)["changes"]
    assert any("content changed" in c for c in changes["faq"])
    assert any("not the pinned" in c for c in changes["reviews"])
    assert any("licence changed" in c for c in changes["reviews"])
    found = provision(root, "7.3.2")
    assert found.status is Status.NOT_MET and "faq" in found.findings[0].message


def test_unreachable_is_never_unchanged(run_cli: Run, make_repo: MakeRepo, server: str) -> None:
    root = repo(make_repo, server)
    assert run_cli("data", "watch", root, "--record").code == 0
    del CONTENT["/data/faq.csv"]
    result = run_cli("data", "watch", root)
    assert result.code == 1 and "not checked  faq: not reachable" in result.out
    found = provision(root, "7.3.2")
    assert found.status is Status.PARTIAL and "not reachable" in found.findings[0].message


def test_no_sources_no_manifest(run_cli: Run, make_repo: MakeRepo) -> None:
    root = make_repo({})
    result = run_cli("data", "watch", root)
    assert result.code == 2 and "aicop.yaml" in result.err
