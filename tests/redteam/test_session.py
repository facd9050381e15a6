"""A run's bad inputs: each a clear error or an incomplete run, exit 2, and no half-written report."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import httpx
import pytest

from aicop.errors import AicopError, InputError
from aicop.redteam.client import TargetError
from aicop.redteam.runner import JOURNAL
from aicop.redteam.session import RUN_FILE, RunInterrupted
from tests.redteam.conftest import RunRedteam, config, mock

REPORTS = ("run.json", "report.md", "report.html", "report.sarif", "junit.xml", "summary.md")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answering(status: int, body: Any = None, text: str | None = None) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        if text is not None:
            return httpx.Response(status, text=text)
        return httpx.Response(status, json=body if body is not None else {"error": {"message": "no"}})

    return httpx.MockTransport(handler)


def test_a_small_suite_writes_every_report(run_redteam: RunRedteam, small_suite: str, tmp_path: Path) -> None:
    record, folder = run_redteam(config(suites=[small_suite]), mock("scripted"))
    assert record.status == "fail" and record.suites[0].successes == record.suites[0].attempts == 8
    assert all((folder / name).is_file() for name in REPORTS)


def test_an_unreachable_target_is_an_error_and_writes_nothing(
    run_redteam: RunRedteam, tmp_path: Path
) -> None:
    cfg = config(target={"url": f"http://127.0.0.1:{_free_port()}/v1", "model": "m"}, suites=["benign"])
    with pytest.raises(TargetError, match="cannot reach"):
        run_redteam(cfg, None)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("transport", "message"),
    [
        (answering(401), "refused the API key"),
        (answering(404), "not an OpenAI-compatible"),
        (answering(200, text="<html>hello</html>"), "non-JSON"),
        (answering(200, body={"result": "hi"}), "without 'choices'"),
        (answering(400, body={"error": {"message": "model is required"}}), "HTTP 400: model is required"),
    ],
)
def test_targets_that_cannot_be_tested(
    run_redteam: RunRedteam, tmp_path: Path, transport: httpx.MockTransport, message: str
) -> None:
    with pytest.raises(TargetError, match=message):
        run_redteam(config(suites=["benign"]), transport)
    assert not (tmp_path / "out").exists()


def test_a_judge_url_that_fails_stops_the_run_before_it_starts(
    run_redteam: RunRedteam, tmp_path: Path
) -> None:
    cfg = config(suites=["jailbreak"], judge_url="http://judge/v1")
    with pytest.raises(TargetError, match="judge model"):
        run_redteam(cfg, mock("robust"), judge_transport=answering(404))
    assert not (tmp_path / "out").exists()


def test_a_working_judge_model_is_reported_apart(run_redteam: RunRedteam, small_suite: str) -> None:
    judge = httpx.MockTransport(
        lambda r: httpx.Response(200, json={"choices": [{"message": {"content": "ANSWERED"}}]})
    )
    cfg = config(suites=["benign"], judge_url="http://judge/v1", max_attacks=4)
    record, _ = run_redteam(cfg, mock("robust"), judge_transport=judge)
    assert all(r.model_judge is not None and r.model_judge.success is False for r in record.results)
    assert record.suites[0].model_judge_successes == 0 and record.suites[0].successes == 0


def test_failed_requests_make_an_incomplete_run_that_never_passes(
    run_redteam: RunRedteam, small_suite: str
) -> None:
    app = mock("robust")
    calls = {"n": 0}

    async def flaky(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if b"Ignore all" in request.content and calls["n"] % 2:
            return httpx.Response(503, json={"error": {"message": "overloaded"}})
        return await app.handle_async_request(request)

    record, folder = run_redteam(config(suites=[small_suite]), httpx.MockTransport(flaky))
    assert record.status == "incomplete" and not record.complete and record.counts.errors > 0, (
        record.counts,
        calls,
    )
    assert not any(s.passed for s in record.suites if s.errors)
    assert "INCOMPLETE" in (folder / "report.md").read_text()


def test_retries_with_backoff_recover_from_429(run_redteam: RunRedteam, small_suite: str) -> None:
    app = mock("robust")
    seen: set[bytes] = set()

    async def limited(request: httpx.Request) -> httpx.Response:
        if request.content not in seen:  # every request is refused once, then answered
            seen.add(request.content)
            return httpx.Response(429, headers={"retry-after": "0"}, json={"error": {"message": "slow down"}})
        return await app.handle_async_request(request)

    record, _ = run_redteam(config(suites=[small_suite], retries=2), httpx.MockTransport(limited))
    assert record.complete and record.counts.retries >= len(record.results)


def test_an_interrupted_run_resumes_without_repeating_requests(
    run_redteam: RunRedteam, small_suite: str, tmp_path: Path
) -> None:
    app = mock("scripted")
    sent = {"n": 0}

    async def interrupted(request: httpx.Request) -> httpx.Response:
        sent["n"] += 1
        if sent["n"] > 5:
            raise KeyboardInterrupt
        return await app.handle_async_request(request)

    cfg = config(suites=[small_suite], samples=3, concurrency=1)
    with pytest.raises(RunInterrupted, match="--resume"):
        run_redteam(cfg, httpx.MockTransport(interrupted))
    out = tmp_path / "out"
    assert (out / JOURNAL).is_file() and not (out / RUN_FILE).exists(), "no report from an interrupted run"
    with pytest.raises(InputError, match="--resume"):
        run_redteam(cfg, mock("scripted"))
    resumed = {"n": 0}

    async def counting(request: httpx.Request) -> httpx.Response:
        resumed["n"] += 1
        return await app.handle_async_request(request)

    record, _ = run_redteam(cfg, httpx.MockTransport(counting), resume=True)
    assert record.complete and len(record.results) == 12
    assert resumed["n"] == 1 + 12 - 4  # the preflight, then only what the journal does not hold
    with pytest.raises(InputError, match="different plan"):
        run_redteam(config(suites=[small_suite], samples=2), mock("scripted"), resume=True)


def test_a_suite_file_with_an_unknown_field_names_its_line(run_redteam: RunRedteam, tmp_path: Path) -> None:
    (tmp_path / "project" / "bad.yaml").write_text(
        'id: bad\nversion: "1"\ntitle: t\nprovisions: ["9.2.2"]\nowasp: LLM01\natlas: AML.T0051\n'
        "judge: canary\nattacks:\n  - id: a\n    prompt: hi\n    promt: typo\n"
    )
    with pytest.raises(AicopError, match=r"bad\.yaml:11: attacks\.0\.promt: unknown field"):
        run_redteam(config(suites=["bad.yaml"]), mock())


def test_an_api_key_variable_that_is_not_set(
    run_redteam: RunRedteam, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AICOP_TEST_KEY", raising=False)
    cfg = config(target={"url": "http://mock/v1", "api_key_env": "AICOP_TEST_KEY"}, suites=["benign"])
    with pytest.raises(InputError, match="AICOP_TEST_KEY"):
        run_redteam(cfg, mock())


def test_a_threshold_for_a_suite_that_is_not_run(run_redteam: RunRedteam, small_suite: str) -> None:
    cfg = config(suites=[small_suite], thresholds={"default": 0, "jailbrake": 0.1})
    with pytest.raises(InputError, match=r"thresholds\.jailbrake names no suite"):
        run_redteam(cfg, mock())
