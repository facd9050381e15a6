"""The gateway in front of the mock upstream: what passes, what is refused and how, what is removed."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from aicop.audit import verify_log
from aicop.gateway.app import Gateway
from aicop.gateway.config import GatewayConfig
from aicop.gateway.limiter import Limiter
from aicop.gateway.mock import make_app
from aicop.gateway.serve import audit_log
from tests.gateway.conftest import Served, Start, records, settings


@contextmanager
def _in_front_of(
    tmp_path: Path, upstream: Any, path: str = "/v1"
) -> Iterator[tuple[TestClient, GatewayConfig]]:
    """A gateway (no auth) in a TestClient, whose upstream is ``upstream`` served on a free port."""
    served = Served(upstream)
    try:
        config = settings(tmp_path, upstream={"url": f"{served.url}{path}"}, auth={"enabled": False})
        gateway = Gateway(config, None, audit_log(config, tmp_path), Limiter(config.limits))
        with TestClient(gateway.app) as client:
            yield client, config
    finally:
        served.stop()


def _chat_route(answer: Callable[[Request], Any]) -> Starlette:
    return Starlette(routes=[Route("/v1/chat/completions", answer, methods=["POST"])])


CHAT = {"model": "m", "messages": [{"role": "user", "content": "hello"}]}


def test_chat_passes_and_is_logged_with_genai_names(start: Start) -> None:
    gw = start()
    response = gw.chat("hello there", temperature=0.2)
    assert response.status_code == 200
    body = response.json()
    assert body["choices"][0]["message"]["content"] == "You said: hello there"
    assert body["id"].startswith("gw-") and body["id"] == response.headers["x-request-id"]
    assert "system_fingerprint" not in body  # upstream fields that help an attacker are gone
    for header in ("server", "openai-version"):
        assert header not in response.headers
    [record] = records(gw.log)
    data = record["data"]
    assert record["actor"].startswith("key:") and record["event"] == "gen_ai.request"
    assert data["gen_ai.operation.name"] == "chat" and data["gen_ai.request.model"] == "mock-small"
    assert data["gen_ai.request.temperature"] == 0.2 and data["gen_ai.request.max_tokens"] == 4096
    assert data["gen_ai.usage.input_tokens"] > 0 and data["gen_ai.usage.output_tokens"] > 0
    assert data["gen_ai.input.messages"] == [{"role": "user", "content": "hello there"}]
    assert data["gen_ai.output.messages"] == ["You said: hello there"]
    assert data["http.response.status_code"] == 200 and data["aicop.decision"] == "allowed"
    gw.gateway.audit.close()
    assert verify_log(gw.log) == (1, [])


def test_completions_embeddings_and_models(start: Start) -> None:
    gw = start()
    done = gw.client.post("/v1/completions", json={"model": "mock-small", "prompt": "hi"}, headers=gw.auth())
    assert done.status_code == 200 and done.json()["choices"][0]["text"] == "You said: hi"
    vectors = gw.client.post(
        "/v1/embeddings", json={"model": "mock-small", "input": ["a", "b"]}, headers=gw.auth()
    )
    assert vectors.status_code == 200 and len(vectors.json()["data"]) == 2
    assert {m["id"] for m in gw.client.get("/v1/models", headers=gw.auth()).json()["data"]} == {
        "mock-small",
        "mock-large",
    }
    assert [m["id"] for m in gw.client.get("/v1/models", headers=gw.auth(gw.small)).json()["data"]] == [
        "mock-small"
    ]
    assert [r["data"]["gen_ai.operation.name"] for r in records(gw.log)] == [
        "text_completion",
        "embeddings",
        "models",
        "models",
    ]


def test_access_is_refused_and_every_attempt_logged(start: Start) -> None:
    gw = start()
    missing = gw.client.post("/v1/chat/completions", json={"model": "mock-small", "messages": []})
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "missing_api_key"
    wrong = gw.chat("hi", key="aicop-not-a-key")
    assert wrong.status_code == 401 and wrong.json()["error"]["type"] == "authentication_error"
    scoped = gw.client.post(
        "/v1/chat/completions",
        json={"model": "mock-large", "messages": [{"role": "user", "content": "x"}]},
        headers=gw.auth(gw.small),
    )
    assert scoped.status_code == 403 and scoped.json()["error"]["code"] == "model_not_allowed"
    assert gw.chat("hi", key=gw.small).status_code == 200
    gw.keys.revoke("small-0")
    assert gw.chat("hi", key=gw.small).status_code == 401  # the running gateway re-reads the key file
    decisions = [r["data"]["aicop.decision"] for r in records(gw.log)]
    assert decisions == [
        "missing_api_key",
        "invalid_api_key",
        "model_not_allowed",
        "allowed",
        "invalid_api_key",
    ]
    assert records(gw.log)[0]["actor"] == "unauthenticated"


def test_bad_requests_get_openai_errors(start: Start) -> None:
    gw = start(limits={"body_bytes": 2048, "messages": 3, "max_tokens": 100})
    url = "/v1/chat/completions"
    cases = [
        ({"content": b"hi", "headers": {"content-type": "text/plain"}}, 415, "unsupported_media_type"),
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 400, "invalid_json"),
        (
            {"content": b'{"model": "\xff"}', "headers": {"content-type": "application/json"}},
            400,
            "invalid_utf8",
        ),
        ({"content": b"[1, 2]", "headers": {"content-type": "application/json"}}, 400, "invalid_json"),
        (
            {"json": {"model": "mock-small", "messages": [{"role": "user", "content": "x" * 5000}]}},
            413,
            "body_too_large",
        ),
        ({"json": {"messages": [{"role": "user", "content": "x"}]}}, 400, "missing_model"),
        ({"json": {"model": "mock-small", "messages": "hi"}}, 400, "invalid_messages"),
        (
            {"json": {"model": "mock-small", "messages": [{"role": "user", "content": "x"}] * 4}},
            400,
            "too_many_messages",
        ),
        (
            {
                "json": {
                    "model": "mock-small",
                    "messages": [{"role": "user", "content": "x"}],
                    "max_tokens": -1,
                }
            },
            400,
            "invalid_max_tokens",
        ),
    ]
    for kwargs, status, code in cases:
        headers = {**gw.auth(), **kwargs.pop("headers", {})}  # type: ignore[dict-item]
        response = gw.client.post(url, headers=headers, **kwargs)  # type: ignore[arg-type]
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), kwargs
        assert set(response.json()["error"]) == {"message", "type", "param", "code"}
    capped = gw.chat("hi", max_tokens=10_000)
    assert capped.status_code == 200
    logged = records(gw.log)
    assert len(logged) == len(cases) + 1  # every attempt
    assert logged[-1]["data"]["gen_ai.request.max_tokens"] == 100


def test_chunked_body_over_the_limit_is_refused(start: Start) -> None:
    gw = start(limits={"body_bytes": 2048})

    def body() -> object:
        for _ in range(10):
            yield b" " * 1000

    response = gw.client.post(
        "/v1/chat/completions", content=body(), headers={**gw.auth(), "content-type": "application/json"}
    )
    assert response.status_code == 413


def test_rate_limit_answers_429_with_retry_after(start: Start) -> None:
    gw = start(limits={"requests_per_minute": 3})
    codes = [gw.chat(f"n{i}").status_code for i in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    refused = gw.chat("again")
    assert refused.json()["error"]["code"] == "requests_per_minute"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert gw.chat("other key", key=gw.rich).status_code == 200  # limits are per key


def test_token_limit(start: Start) -> None:
    gw = start(limits={"tokens_per_minute": 200})
    assert gw.chat("a" * 400).status_code == 200
    over = gw.chat("b" * 800)
    assert over.status_code == 429 and over.json()["error"]["code"] == "tokens_per_minute"


def test_upstream_failures(start: Start) -> None:
    gw = start()
    cases = [("__fail__", 502, "upstream_error"), ("__garbage__", 502, "upstream_bad_response")]
    for word, status, code in cases:
        response = gw.chat(word)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code)
        assert "Traceback" not in response.text
    assert [r["data"]["aicop.decision"] for r in records(gw.log)] == [c for _, _, c in cases]


def test_unreachable_upstream(start: Start) -> None:
    gw = start(upstream={"url": "http://127.0.0.1:9/v1"})  # nothing listens on port 9
    response = gw.chat("hi")
    assert response.status_code == 502 and response.json()["error"]["code"] == "upstream_unavailable"
    assert "ClientConnectorError" in response.json()["error"]["message"]
    assert records(gw.log)[-1]["data"]["aicop.decision"] == "upstream_unavailable"


def test_health_and_metrics(start: Start) -> None:
    gw = start()
    gw.chat("hi")
    gw.chat("hi", key="bad")
    health = gw.client.get("/healthz")
    assert health.status_code == 200 and health.json()["audit_seq"] == 2
    metrics = gw.client.get("/metrics").text
    assert 'aicop_gateway_requests_total{decision="allowed",route="chat"} 1.0' in metrics
    assert 'aicop_gateway_requests_total{decision="invalid_api_key",route="chat"} 1.0' in metrics
    assert "aicop_gateway_overhead_seconds_bucket" in metrics


def test_admin_endpoints_are_off_unless_asked(start: Start) -> None:
    gw = start()
    assert gw.client.get("/admin/keys", headers=gw.auth()).status_code == 404
    on = start(admin=True)
    assert on.client.get("/admin/keys", headers=on.auth()).status_code == 403  # not an admin key
    secret, _ = on.keys.create("ops", ["admin"])
    listing = on.client.get("/admin/keys", headers=on.auth(secret)).json()["keys"]
    assert {"ops", "all-0"} <= {k["name"] for k in listing} and "sha256" not in json.dumps(listing)


def test_default_upstream_is_the_default_mock(tmp_path: Path) -> None:
    """`gateway serve` and `gateway mock-upstream`, both with their defaults, talk to each other."""
    import argparse

    from aicop.cli.gateway_cmds import configure_mock

    parser = argparse.ArgumentParser()
    configure_mock(parser)
    mock = parser.parse_args([])
    default = urlsplit(GatewayConfig().upstream.url)
    assert (default.hostname, default.port) == (mock.host, mock.port)
    # the same path on the mock, served where a test may listen (its default port may be taken here)
    with _in_front_of(tmp_path, make_app(), default.path) as (client, _):
        body = {"model": "mock-small", "messages": [{"role": "user", "content": "hello"}]}
        response = client.post("/v1/chat/completions", json=body)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("status", "body", "code", "words"),
    [
        (404, "<html>Not Found</html>", "upstream_not_found", "/v1"),
        (403, "forbidden", "upstream_refused", "HTTP 403"),
        (200, "<html>hello</html>", "upstream_bad_response", "HTTP 200 with text/html"),
    ],
)
def test_upstream_answers_that_are_not_json_name_their_status(
    tmp_path: Path, status: int, body: str, code: str, words: str
) -> None:
    async def answer(request: Request) -> Response:
        return Response(body, status_code=status, headers={"content-type": "text/html; charset=utf-8"})

    with _in_front_of(tmp_path, _chat_route(answer)) as (client, _):
        response = client.post("/v1/chat/completions", json=CHAT)
    error = response.json()["error"]
    assert (response.status_code, error["code"]) == (502, code)
    assert words in error["message"] and "not valid JSON" not in error["message"]


@pytest.mark.parametrize(
    ("level", "structured", "chatter"),
    [("warning", False, False), ("info", True, False), ("debug", True, True)],
)
def test_log_level_keeps_library_chatter_off_unless_debug(
    level: str, structured: bool, chatter: bool
) -> None:
    import logging

    from aicop.gateway.serve import configure_logging

    root = logging.getLogger()
    saved = root.level, list(root.handlers)
    try:
        configure_logging(level)
        assert logging.getLogger("aicop.gateway").isEnabledFor(logging.INFO) is structured
        assert logging.getLogger("httpx").isEnabledFor(logging.INFO) is chatter
        assert logging.getLogger("httpcore").isEnabledFor(logging.DEBUG) is chatter
        assert logging.getLogger("aiohttp.client").isEnabledFor(logging.DEBUG) is chatter
    finally:
        for name in ("httpx", "httpcore", "aiohttp"):
            logging.getLogger(name).setLevel(logging.NOTSET)
        root.handlers[:] = saved[1]
        root.setLevel(saved[0])


def test_upstream_proxy_from_the_environment_is_looked_up_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from aicop.gateway.upstream import Upstream

    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost,.corp.example")
    assert Upstream("https://api.example.com/v1", 5, {}).proxy == "http://proxy.internal:3128"
    assert Upstream("https://llm.corp.example/v1", 5, {}).proxy is None  # NO_PROXY by domain
    assert Upstream("http://127.0.0.1:8089/v1", 5, {}).proxy is None  # and by address
    assert Upstream("http://api.example.com/v1", 5, {}).proxy is None  # no HTTP_PROXY set


def test_the_proxied_paths_bypass_the_router_and_the_rest_does_not(
    start: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The three proxied paths go straight to the pipeline; a wrong method or path is still the
    router's 405 / 404, and a bug in the pipeline is an OpenAI-style 500 without a stack trace."""
    gw = start()
    assert gw.client.get("/v1/chat/completions", headers=gw.auth()).status_code == 405
    assert gw.client.post("/v1/chat/nothing", headers=gw.auth()).status_code == 404
    assert gw.client.get("/healthz").status_code == 200

    def broken(*_: object) -> None:
        raise RuntimeError("a bug, with secrets in its message")

    monkeypatch.setattr(gw.gateway, "shape", broken)
    response = gw.chat("hello")
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "internal_error" and error["type"] == "api_error"
    assert "secrets" not in response.text and "Traceback" not in response.text
    assert response.headers["x-request-id"].startswith("gw-")
    [record] = records(gw.log)  # the attempt is in the audit log too
    assert record["data"]["aicop.decision"] == "internal_error"
    assert record["data"]["http.response.status_code"] == 500


def test_an_upstreams_own_error_code_reaches_the_client_but_not_the_metric_labels(tmp_path: Path) -> None:
    """The code an upstream chose (any string) is passed on to the client and kept as the record's
    error.type; the decision and the metric's label are 'upstream_refused', so an upstream cannot
    grow the metrics without bound."""
    seen = iter(range(1000))

    async def answer(request: Request) -> Response:
        code = f"quota_{next(seen)}"
        return Response(json.dumps({"error": {"message": "no", "code": code}}), status_code=429)

    with _in_front_of(tmp_path, _chat_route(answer)) as (client, config):
        codes = [client.post("/v1/chat/completions", json=CHAT).json()["error"]["code"] for _ in range(3)]
        metrics = client.get("/metrics").text
    assert codes == ["quota_0", "quota_1", "quota_2"]
    logged = records(Path(config.audit.path))
    assert [r["data"]["aicop.decision"] for r in logged] == ["upstream_refused"] * 3
    assert [r["data"]["error.type"] for r in logged] == codes
    assert 'decision="upstream_refused"' in metrics and "quota_" not in metrics
