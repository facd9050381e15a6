"""The release gate binds runs to the model's inventory hash and the system prompt, and the comparison
tells a significant regression from noise."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import httpx
import pytest

from aicop.errors import InputError
from aicop.redteam.gate import compare, load_run, release_status
from aicop.redteam.model import Run
from aicop.redteam.session import Options, run
from aicop.redteam.suite import RedteamConfig, load_config
from aicop.system.yamlsource import load_manifest
from tests.redteam.conftest import SMALL_SUITE, mock

MANIFEST = """\
version: 1
system: {name: gated}
roles: [developer]
models:
  - {name: assistant, path: models/assistant.bin}
"""
REDTEAM = """\
model: assistant
system_prompt: prompts/system.txt
target: {url: "http://mock/v1", model: mock-small}
suites: [small.yaml]
retries: 0
"""


def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    for rel, text in {
        "aicop.yaml": MANIFEST,
        "redteam.yaml": REDTEAM,
        "small.yaml": SMALL_SUITE,
        "models/assistant.bin": "weights v1",
        "prompts/system.txt": "You are the support assistant.",
    }.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text))
    return root


def record(root: Path, behaviour: str = "robust") -> Run:
    manifest = load_manifest(root / "aicop.yaml", root)
    options = Options(
        project=root,
        manifest=manifest,
        config=load_config(root / "redteam.yaml"),
        config_base=root,
        transport=mock(behaviour),
    )
    return run(options)[0]


def gate(
    root: Path, today: dt.date | None = None, max_age: int = 30, config: RedteamConfig | None = None
) -> str:
    manifest = load_manifest(root / "aicop.yaml", root)
    cfg = config or load_config(root / "redteam.yaml")
    (status,) = release_status(root, manifest, cfg, root, today or dt.datetime.now(dt.UTC).date(), max_age)
    return ("pass: " if status.passed else "gap: ") + status.reason


def test_a_passing_run_for_the_current_hash_opens_the_gate(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert gate(root).startswith("gap: never tested")
    run_ = record(root)
    assert run_.binding.kind == "local" and run_.binding.digest and run_.binding.model_name == "assistant"
    assert gate(root).startswith("pass: run ")


def test_a_changed_model_or_system_prompt_without_a_new_run_is_a_gap(tmp_path: Path) -> None:
    root = project(tmp_path)
    record(root)
    (root / "models/assistant.bin").write_text("weights v2")
    assert "changed since its last run" in gate(root)
    record(root)
    assert gate(root).startswith("pass")
    (root / "prompts/system.txt").write_text("You are the support assistant. Be brief.")
    assert "system prompt changed" in gate(root)


def test_a_failing_an_old_or_a_stricter_gate(tmp_path: Path) -> None:
    root = project(tmp_path)
    record(root, "scripted")
    assert "small: 8/8 attacks succeeded" in gate(root)
    record(root, "robust")
    future = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=40)
    assert "days old, older than 30" in gate(root, today=future)
    stricter = load_config(root / "redteam.yaml").model_copy(update={"suites": ["small.yaml", "benign"]})
    assert "suite benign was not run" in gate(root, config=stricter)


def test_an_incomplete_run_never_opens_the_gate(tmp_path: Path) -> None:
    root = project(tmp_path)
    manifest = load_manifest(root / "aicop.yaml", root)
    app = mock("robust")

    async def failing(request: httpx.Request) -> httpx.Response:
        if b"Ignore all" in request.content:
            return httpx.Response(500, json={"error": {"message": "boom"}})
        return await app.handle_async_request(request)

    options = Options(
        project=root,
        manifest=manifest,
        config=load_config(root / "redteam.yaml"),
        config_base=root,
        transport=httpx.MockTransport(failing),
    )
    assert run(options)[0].status == "incomplete"
    assert "the run is incomplete" in gate(root)


def test_a_broken_run_file_is_an_error_not_a_silent_skip(tmp_path: Path) -> None:
    root = project(tmp_path)
    broken = root / ".aicop/redteam/runs/x/run.json"
    broken.parent.mkdir(parents=True)
    broken.write_text('{"schema_version": 1}')
    with pytest.raises(InputError, match=r"not an aicop redteam run\.json"):
        gate(root)


def _run_with(successes: int, attempts: int, template: Run) -> Run:
    suite = template.suites[0].model_copy(
        update={"successes": successes, "attempts": attempts, "rate": successes / attempts}
    )
    return template.model_copy(update={"suites": [suite]})


def test_compare_flags_significant_rises_only(tmp_path: Path) -> None:
    template = record(project(tmp_path))
    old = _run_with(2, 100, template)
    (noise,) = compare(old, _run_with(4, 100, template))
    (regression,) = compare(old, _run_with(20, 100, template))
    assert not noise.regression and noise.p_value > 0.05
    assert regression.regression and regression.p_value < 0.001
    (better,) = compare(_run_with(20, 100, template), old)
    assert not better.regression


def test_load_run_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the run"):
        load_run(tmp_path / "nope")
