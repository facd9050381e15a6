"""The cache of what each file gives 'aicop code': the same report from it as without it, a changed file
analysed again, and a cache that is not what this version wrote ignored."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from aicop.sourcecheck import check_tree
from aicop.sourcecheck.facts import location_for
from tests.conftest import TODAY
from tests.sourcecheck.seen import seen as _seen

FILES = {
    "app/server.py": """\
        from fastapi import FastAPI
        from openai import OpenAI
        import pickle
        app = FastAPI()
        client = OpenAI(base_url="https://api.avian.io/v1")

        @app.post("/chat")
        def chat(q: str):
            return ask(q)

        def ask(q):
            return client.chat.completions.create(model="x", messages=[q])

        data = pickle.loads(open("x.bin", "rb").read())  # aicop: ignore[AIC102] our own CI output
        """,
    "app/notes.ipynb": json.dumps(
        {"cells": [{"cell_type": "code", "source": ["import torch\n", "m = torch.load('w.pt')\n"]}]}
    ),
    "deploy/settings.yaml": "aws_access_key_id: AKIAIOSFODNN7EXAMPLF\n",
    "broken.py": "print 'python 2'\n",
    "tests/test_chat.py": "from anthropic import Anthropic\nclient = Anthropic()\n",
}


def _tree(tmp_path: Path) -> list[str]:
    for rel, text in FILES.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(textwrap.dedent(text))
    return sorted(FILES)


def test_a_warm_run_gives_the_same_report_from_the_cache(tmp_path: Path) -> None:
    files = _tree(tmp_path / "repo")
    cache = tmp_path / "cache.json"
    plain = check_tree(tmp_path / "repo", files, today=TODAY)
    cold = check_tree(tmp_path / "repo", files, today=TODAY, cache=cache)
    warm = check_tree(tmp_path / "repo", files, today=TODAY, cache=cache)
    assert cold.cache_hits == 0 and warm.cache_hits == len(files)
    assert _seen(plain) == _seen(cold) == _seen(warm)
    rules = {f.rule for f in warm.findings}
    assert {"AIC101", "AIC102", "AIC401", "AIC501", "AIC701"} <= rules  # every kind of fact went through
    assert any(f.suppressed for f in warm.findings)  # suppressions are applied after the cache
    assert warm.test_providers  # a provider used only by tests comes through the cache too
    assert any("Python 2" in reason for _, reason in warm.skipped)


def test_a_changed_file_is_analysed_again(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    files = _tree(repo)
    cache = tmp_path / "cache.json"
    check_tree(repo, files, today=TODAY, cache=cache)
    (repo / "app/server.py").write_text("x = 1\n")
    again = check_tree(repo, files, today=TODAY, cache=cache)
    assert again.cache_hits == len(files) - 1
    assert not any(f.path == "app/server.py" for f in again.findings)


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        json.dumps({"fingerprint": "another version", "files": {}}),
        "[1, 2]",
    ],
)
def test_a_cache_this_version_did_not_write_is_ignored_and_rewritten(tmp_path: Path, content: str) -> None:
    repo = tmp_path / "repo"
    files = _tree(repo)
    cache = tmp_path / "cache.json"
    cache.write_text(content)
    report = check_tree(repo, files, today=TODAY, cache=cache)
    assert report.cache_hits == 0 and _seen(report) == _seen(check_tree(repo, files, today=TODAY))
    assert json.loads(cache.read_text())["files"]  # rewritten


def test_a_tampered_record_is_analysed_again_not_trusted_blindly(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    files = _tree(repo)
    cache = tmp_path / "cache.json"
    check_tree(repo, files, today=TODAY, cache=cache)
    data = json.loads(cache.read_text())
    data["files"]["app/server.py"]["record"]["modules"][0]["findings"] = [
        ["AIC999", "x", 1, 1, "m", "HIGH", None]
    ]
    cache.write_text(json.dumps(data))
    report = check_tree(repo, files, today=TODAY, cache=cache)
    assert report.cache_hits == len(files) - 1  # an unknown rule: the record is not read
    assert any(f.path == "app/server.py" and f.rule == "AIC102" for f in report.findings)


def test_where_the_cache_lives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AICOP_CACHE_DIR", str(tmp_path))
    found = location_for(Path("/some/repo"))
    assert found is not None and found.parent == tmp_path / "code" and found.suffix == ".json"
    assert location_for(Path("/other/repo")) != found
    monkeypatch.setenv("AICOP_CACHE_DIR", "off")
    assert location_for(Path("/some/repo")) is None
    monkeypatch.delenv("AICOP_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert str(location_for(Path("/some/repo"))).startswith(str(tmp_path / "xdg" / "aicop" / "code"))
