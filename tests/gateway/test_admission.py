"""Overload: a bounded number of requests in flight, a bounded queue, and 503 with Retry-After at once
for the rest, each refusal in the audit log and the metrics."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from aicop.gateway.admission import Admission
from aicop.gateway.app import Gateway
from aicop.gateway.config import Admission as Settings
from aicop.gateway.mock import make_app
from aicop.gateway.serve import build
from tests.gateway.conftest import Served, Start, records, settings
from tests.gateway.test_guarded import ATTACK


def test_places_queue_and_refusals() -> None:
    async def scenario() -> list[str | None]:
        admission = Admission(Settings(concurrent=1, queue=1, queue_seconds=5, busy_ms=0))
        assert await admission.enter() is None  # the one place
        waiter = asyncio.create_task(admission.enter())
        await asyncio.sleep(0.01)
        assert len(admission.waiting) == 1 and not waiter.done()
        full = await admission.enter()  # the queue holds one
        admission.leave()  # the place goes to the waiter, not back to the pool
        admitted = await waiter
        assert admission.active == 1 and not admission.waiting
        admission.leave()
        assert admission.active == 0
        return [full, admitted]

    assert asyncio.run(scenario()) == ["queue_full", None]


def test_a_wait_past_queue_seconds_is_refused_and_leaves_the_queue() -> None:
    async def scenario() -> tuple[str | None, float, int]:
        admission = Admission(Settings(concurrent=1, queue=4, queue_seconds=0.05, busy_ms=0))
        await admission.enter()
        started = time.perf_counter()
        reason = await admission.enter()
        return reason, time.perf_counter() - started, len(admission.waiting)

    reason, waited, queued = asyncio.run(scenario())
    assert reason == "queue_timeout" and 0.04 < waited < 1.0 and queued == 0


def test_a_late_event_loop_refuses_new_requests() -> None:
    async def scenario() -> list[str | None]:
        admission = Admission(Settings(concurrent=8, busy_ms=50))
        first = await admission.enter()  # starts the probe
        await asyncio.sleep(0.005)
        time.sleep(0.2)  # the event loop blocked: the probe measures the delay
        for _ in range(3):  # the probe wakes, late
            await asyncio.sleep(0)
        once = await admission.enter()  # one late probe is not enough
        time.sleep(0.2)  # blocked again
        for _ in range(3):
            await asyncio.sleep(0)
        busy = await admission.enter()
        await asyncio.sleep(0.1)  # the loop is on time again
        again = await admission.enter()
        await admission.close()
        return [first, once, busy, again]

    assert asyncio.run(scenario()) == [None, None, "busy", None]


def _computing() -> float:
    """A thread clock (running or waiting to run) that says the thread never slept: the loop is late
    from its own work (``time.sleep`` below only makes it late, whatever the machine's load)."""
    return time.monotonic()


def _waiting() -> float:
    """A thread clock that says it slept all the time: the loop is late, but not from its work."""
    return 0.0


async def _late_probes(admission: Admission, times: int) -> list[str | None]:
    """``times`` probes each ~30 ms late, the loop's thread blocked all the while; the decision of a
    request entering after each."""
    decisions: list[str | None] = []
    for _ in range(times):
        await asyncio.sleep(0.002)
        time.sleep(0.04)
        for _ in range(3):
            await asyncio.sleep(0)
        decisions.append(await admission.enter())
    return decisions


def test_a_loop_late_from_its_own_work_refuses_at_the_low_threshold() -> None:
    async def scenario() -> list[str | None]:
        admission = Admission(Settings(concurrent=32, busy_ms=250, own_busy_ms=10), _computing)
        decisions = [await admission.enter() for _ in range(6)]  # six in flight; the probe started
        decisions += await _late_probes(admission, 2)  # the thread computing all the while
        while admission.active:
            admission.leave()
        await asyncio.sleep(0.05)  # on time again
        decisions.append(await admission.enter())
        await admission.close()
        return decisions

    assert asyncio.run(scenario()) == [None] * 6 + [None, "busy", None]


def test_a_few_requests_in_flight_are_never_refused_for_a_late_loop() -> None:
    """Three in flight when the loop is late (a process descheduled for a moment on a shared machine
    looks the same): the limit does not go under 4, so a trickle of requests is not turned away."""

    async def scenario() -> list[str | None]:
        admission = Admission(Settings(concurrent=32, busy_ms=250, own_busy_ms=10), _computing)
        decisions = [await admission.enter()]
        decisions += await _late_probes(admission, 2)  # one more admitted after each
        lowered = admission.limit
        await admission.close()
        assert admission.active == 3 and lowered == 4  # lowered, to the floor
        return decisions

    assert asyncio.run(scenario()) == [None] * 3


def test_own_work_lowers_the_limit_on_requests_in_flight_and_time_on_time_raises_it() -> None:
    """Not a refuse-everything switch: two late probes (~35 ms, the threshold 10 ms) with eleven
    requests in flight (ten, and one admitted after the first late probe) lower the limit to half of
    them (0.5 is the floor of the scale); a request beyond it is refused, one within it (once enough
    left) admitted; probes on time raise the limit again, up to ``concurrent``. A loop late for want
    of a processor lowers nothing."""

    async def scenario(clock: Callable[[], float]) -> list[object]:
        admission = Admission(Settings(concurrent=100, busy_ms=250, own_busy_ms=10), clock)
        for _ in range(10):
            assert await admission.enter() is None
        assert await _late_probes(admission, 2) in ([None, "busy"], [None, None])
        lowered = admission.limit
        beyond = await admission.enter()
        for _ in range(admission.active - lowered + 1):
            admission.leave()
        within = await admission.enter()
        await asyncio.sleep(0.3)  # ~30 probes on time
        raised = admission.limit
        await admission.close()
        return [lowered, beyond, within, raised]

    lowered, beyond, within, raised = asyncio.run(scenario(_computing))
    assert (lowered, beyond, within) == (5, "busy", None)
    assert 5 < raised <= 100  # type: ignore[operator]
    assert asyncio.run(scenario(_waiting))[:3] == [100, None, None]


def test_a_lone_long_request_does_not_refuse_the_next() -> None:
    """A client sending one request at a time, each keeping the loop busy past the threshold: the
    loop is late and never sleeps, but nothing queues behind it, so nothing is refused."""

    async def scenario() -> list[str | None]:
        admission = Admission(Settings(concurrent=8, busy_ms=250, own_busy_ms=10), _computing)
        decisions = []
        for _ in range(4):
            decisions.append(await admission.enter())
            await asyncio.sleep(0)
            time.sleep(0.04)  # the request's own work
            for _ in range(3):
                await asyncio.sleep(0)
            admission.leave()
        await admission.close()
        return decisions

    assert asyncio.run(scenario()) == [None, None, None, None]


def test_a_loop_late_for_want_of_a_processor_is_not_refused_below_busy_ms() -> None:
    """The same delays with the thread not running (a machine busy with other programs): only
    ``busy_ms`` applies, so a loaded machine does not turn requests away."""

    async def scenario() -> list[str | None]:
        admission = Admission(Settings(concurrent=8, busy_ms=250, own_busy_ms=10), _waiting)
        decisions = [await admission.enter()] + await _late_probes(admission, 3)
        lags = list(admission.lags)
        await admission.close()
        assert min(lags) > 0.01  # the loop was late indeed
        return decisions

    assert asyncio.run(scenario()) == [None, None, None, None]


def test_own_busy_ms_zero_turns_the_low_threshold_off() -> None:
    async def scenario() -> list[str | None]:
        admission = Admission(Settings(concurrent=8, busy_ms=250, own_busy_ms=0), _computing)
        decisions = [await admission.enter()] + await _late_probes(admission, 3)
        await admission.close()
        return decisions

    assert asyncio.run(scenario()) == [None, None, None, None]


def test_overloaded_gateway_answers_503_with_retry_after_and_records_it(start: Start) -> None:
    gw = start(admission={"concurrent": 2, "queue": 0, "retry_after": 3})
    assert gw.chat("hi").status_code == 200
    assert gw.gateway.admission.active == 0  # the place was given back
    gw.gateway.admission.active = 2  # two requests in flight
    refused = gw.chat("hi")
    assert refused.status_code == 503 and refused.headers["retry-after"] == "3"
    error = refused.json()["error"]
    assert error["code"] == "overloaded" and error["type"] == "overloaded_error"
    record = records(gw.log)[-1]["data"]
    assert record["aicop.decision"] == "overloaded" and record["aicop.overload"] == "queue_full"
    assert record["http.response.status_code"] == 503
    metrics = gw.client.get("/metrics").text
    assert 'aicop_gateway_overload_refusals_total{reason="queue_full"} 1.0' in metrics
    assert "aicop_gateway_in_flight 2.0" in metrics
    assert gw.client.get("/healthz").status_code == 200  # health and metrics are not gated


def test_every_ending_gives_the_place_back(start: Start) -> None:
    gw = start(limits={"requests_per_minute": 3}, admission={"concurrent": 1, "queue": 0})
    assert gw.chat("hi").status_code == 200
    assert gw.chat("__fail__").status_code == 502  # upstream failure
    assert gw.chat(ATTACK).status_code == 400  # blocked by the input guard
    assert gw.chat("over the rate").status_code == 429  # the key's limit
    with gw.client.stream(
        "POST",
        "/v1/chat/completions",
        json={"model": "mock-small", "messages": [{"role": "user", "content": "a b c"}], "stream": True},
        headers=gw.auth(gw.rich),
    ) as response:
        assert response.status_code == 200 and b"[DONE]" in response.read()
    assert gw.gateway.admission.active == 0 and not any(gw.gateway.limiter.counts.values())


def test_a_burst_beyond_the_queue_is_refused_at_once(tmp_path: Path) -> None:
    """Served for real: 12 requests at once to a gateway with 2 places and a queue of 2, in front of an
    upstream that takes 1 s: 4 are served, 8 refused before any upstream answer, none waits for seconds.
    (Compared with the served ones, not with a fixed time: under a loaded CI machine a quick refusal
    took 0.9 s.)"""
    upstream = Served(make_app(latency=1.0))
    config = settings(
        tmp_path,
        upstream={"url": f"{upstream.url}/v1"},
        admission={"concurrent": 2, "queue": 2, "queue_seconds": 5},
    )
    gateway = build(config, tmp_path)
    assert gateway.keys is not None
    key, _ = gateway.keys.create("burst", ["*"])
    front = Served(gateway.app)
    body = {"model": "mock-small", "messages": [{"role": "user", "content": "hello"}]}

    async def one(client: httpx.AsyncClient) -> tuple[int, float]:
        started = time.perf_counter()
        response = await client.post(f"{front.url}/v1/chat/completions", json=body)
        return response.status_code, time.perf_counter() - started

    async def burst() -> list[tuple[int, float]]:
        headers = {"authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(headers=headers, timeout=30) as client:
            return list(await asyncio.gather(*[one(client) for _ in range(12)]))

    try:
        results = asyncio.run(burst())
    finally:
        front.stop()
        upstream.stop()
    served = [t for status, t in results if status == 200]
    refused = [t for status, t in results if status == 503]
    assert (len(served), len(refused)) == (4, 8), results
    assert min(served) >= 1.0 and max(refused) < min(served)  # refused before the upstream answers
    decisions = [r["data"]["aicop.decision"] for r in records(Path(config.audit.path))]
    assert decisions.count("overloaded") == 8 and decisions.count("allowed") == 4


def test_the_probe_stops_when_the_gateway_is_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    import aicop.gateway.admission as admission_module

    monkeypatch.setattr(admission_module, "IDLE_SECONDS", 0.1)

    async def scenario() -> tuple[bool, bool, bool]:
        admission = Admission(Settings())
        await admission.enter()
        admission.leave()
        await asyncio.sleep(0.01)
        running = admission._probe is not None and not admission._probe.done()
        await asyncio.sleep(0.3)  # no request for longer than IDLE_SECONDS
        stopped = admission._probe is not None and admission._probe.done()
        await admission.enter()  # the next request starts it again
        await asyncio.sleep(0.01)
        again = admission._probe is not None and not admission._probe.done()
        await admission.close()
        return running, stopped, again

    assert asyncio.run(scenario()) == (True, True, True)


@pytest.mark.skipif(not Path("/proc/thread-self/schedstat").exists(), reason="Linux's schedstat")
def test_the_default_clock_tells_computing_from_sleeping() -> None:
    """With the real clock: a loop kept late by computing is refused, one kept late by sleeping is not
    (a thread waiting for a processor on a loaded machine counts as computing, so this holds under load)."""

    def spin(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            pass

    async def scenario(block: Callable[[float], None]) -> list[str | None]:
        admission = Admission(Settings(concurrent=32, busy_ms=250, own_busy_ms=10))
        decisions = [await admission.enter() for _ in range(6)]
        for _ in range(2):
            await asyncio.sleep(0)  # the probe starts its wait
            block(0.04)
            for _ in range(3):
                await asyncio.sleep(0)
            decisions.append(await admission.enter())
        await admission.close()
        return decisions

    assert asyncio.run(scenario(spin)) == [None] * 6 + [None, "busy"]
    # A thread kept from a processor for long counts as computing (by design): on a machine that starves
    # the test itself (it once ran at nice 19 beside busy work) a probe can then find the loop late with
    # no sleep. Counting sleep as computing would refuse every time; starvation does not last three runs.
    runs = [asyncio.run(scenario(time.sleep)) for _ in range(3)]
    assert [None] * 8 in runs, runs


def _served_gateway(tmp_path: Path, upstream: Served, **admission: object) -> tuple[Served, Gateway, str]:
    config = settings(tmp_path, upstream={"url": f"{upstream.url}/v1"}, admission=admission)
    gateway = build(config, tmp_path)
    assert gateway.keys is not None
    key, _ = gateway.keys.create("early", ["*"])
    return Served(gateway.app), gateway, key


def _post(key: str, body: bytes, extra: str = "") -> bytes:
    return (
        "POST /v1/chat/completions HTTP/1.1\r\nhost: gateway\r\ncontent-type: application/json\r\n"
        f"authorization: Bearer {key}\r\ncontent-length: {len(body)}\r\n{extra}\r\n"
    ).encode() + body


def _answers(sock: socket.socket, count: int) -> list[tuple[int, dict[str, str], bytes]]:
    """``count`` HTTP answers with a Content-Length read from ``sock``: (status, headers, body)."""
    buffer, answers = b"", []
    while len(answers) < count:
        end = buffer.find(b"\r\n\r\n")
        if end >= 0:
            lines = buffer[:end].decode("latin-1").split("\r\n")
            headers = dict(line.lower().split(": ", 1) for line in lines[1:])
            size = int(headers["content-length"])
            if len(buffer) >= end + 4 + size:
                answers.append((int(lines[0].split()[1]), headers, buffer[end + 4 : end + 4 + size]))
                buffer = buffer[end + 4 + size :]
                continue
        data = sock.recv(65536)
        if not data:
            raise ConnectionError(f"closed after {len(answers)} answers")
        buffer += data
    return answers


def test_an_overload_refusal_is_answered_on_the_headers_and_the_connection_goes_on(
    tmp_path: Path, mock_upstream: Served
) -> None:
    """Served as `aicop gateway serve` serves it: the 503 is written by the protocol before the request
    becomes a task (the pipeline is never called), with the same JSON, Retry-After and request id as
    any refusal, recorded and counted; its body (200 kB, sent after the headers) is read and dropped,
    and the next request on the same connection is served."""
    front, gateway, key = _served_gateway(tmp_path, mock_upstream, concurrent=1, queue=0, retry_after=7)
    body = json.dumps({"model": "mock-small", "messages": [{"role": "user", "content": "x" * 200_000}]})
    small = json.dumps({"model": "mock-small", "messages": [{"role": "user", "content": "hi"}]}).encode()
    pipeline = gateway.handle

    async def not_here(*args: object) -> object:
        raise AssertionError("an overloaded request reached the pipeline")

    try:
        with socket.create_connection(("127.0.0.1", front.port), timeout=10) as sock:
            gateway.admission.active = 1  # the one place taken
            gateway.handle = not_here  # type: ignore[method-assign]
            request = _post(key, body.encode())
            sock.sendall(request[:2000])  # the headers and the start of the body
            time.sleep(0.2)
            sock.sendall(request[2000:])
            [(status, headers, answer)] = _answers(sock, 1)
            gateway.admission.active = 0
            gateway.handle = pipeline  # type: ignore[method-assign]
            sock.sendall(_post(key, small))
            [(after, _, served)] = _answers(sock, 1)
        metrics = httpx.get(f"{front.url}/metrics").text
    finally:
        front.stop()
    assert status == 503 and headers["retry-after"] == "7" and headers["content-type"] == "application/json"
    error = json.loads(answer)["error"]
    assert error == {
        "message": "the gateway is overloaded (its queue is full); retry later",
        "type": "overloaded_error",
        "param": None,
        "code": "overloaded",
    }
    assert after == 200 and json.loads(served)["choices"][0]["message"]["content"] == "You said: hi"
    first = records(Path(gateway.config.audit.path))[0]
    assert first["actor"].startswith("key:") and first["data"]["aicop.request_id"] == headers["x-request-id"]
    data = first["data"]
    assert (data["aicop.decision"], data["aicop.overload"], data["http.response.status_code"]) == (
        "overloaded",
        "queue_full",
        503,
    )
    assert data["gen_ai.operation.name"] == "chat"
    assert 'aicop_gateway_overload_refusals_total{reason="queue_full"} 1.0' in metrics


def test_an_overload_refusal_closes_a_connection_that_asked_for_it(
    tmp_path: Path, mock_upstream: Served
) -> None:
    front, gateway, key = _served_gateway(tmp_path, mock_upstream, concurrent=1, queue=0)
    try:
        with socket.create_connection(("127.0.0.1", front.port), timeout=10) as sock:
            gateway.admission.active = 1
            sock.sendall(_post(key, b"{}", "connection: close\r\n"))
            [(status, headers, _)] = _answers(sock, 1)
            closed = sock.recv(1) == b""
    finally:
        front.stop()
    assert status == 503 and headers["connection"] == "close" and closed


def test_requests_the_gateway_does_not_proxy_are_never_refused_on_the_headers(
    tmp_path: Path, mock_upstream: Served
) -> None:
    """Health, metrics, a wrong path and a wrong method keep their answers under overload."""
    front, gateway, key = _served_gateway(tmp_path, mock_upstream, concurrent=1, queue=0)
    try:
        gateway.admission.active = 1
        auth = {"authorization": f"Bearer {key}"}
        with httpx.Client(base_url=front.url, timeout=10) as client:
            statuses = [
                client.get("/healthz").status_code,
                client.post("/v1/unknown", json={}).status_code,
                client.get("/v1/chat/completions").status_code,
                client.post("/v1/chat/completions?x=1", json={}, headers=auth).status_code,
            ]
    finally:
        front.stop()
    assert statuses == [200, 404, 405, 503]


def test_on_an_untested_uvicorn_the_application_refuses_instead(
    tmp_path: Path, mock_upstream: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The header-level refusal reads uvicorn's protocol state; on a release it was not tested on it is
    left off, and the overloaded request is refused by the application (the pipeline is reached) with
    the same 503. The first assertion failing after an upgrade means: run this file on the new release
    and widen serve.EARLY_UVICORN."""
    import uvicorn

    from aicop.gateway import serve

    assert serve.early_refusal_supported(), f"uvicorn {uvicorn.__version__} is outside {serve.EARLY_UVICORN}"
    monkeypatch.setattr(uvicorn, "__version__", "9.0.0")
    assert not serve.early_refusal_supported()
    front, gateway, key = _served_gateway(tmp_path, mock_upstream, concurrent=1, queue=0)
    pipeline, reached = gateway.handle, []

    async def counted(*args: object) -> object:
        reached.append(1)
        return await pipeline(*args)  # type: ignore[arg-type]

    try:
        with socket.create_connection(("127.0.0.1", front.port), timeout=10) as sock:
            gateway.admission.active = 1
            gateway.handle = counted  # type: ignore[method-assign]
            sock.sendall(_post(key, b'{"model": "mock-small", "messages": []}'))
            [(status, headers, answer)] = _answers(sock, 1)
    finally:
        front.stop()
    assert reached == [1] and status == 503 and json.loads(answer)["error"]["code"] == "overloaded"
    assert "retry-after" in headers
