"""The gateway: an async reverse proxy in front of an OpenAI-compatible API (Starlette, aiohttp).

Each request goes through, in order: content type, authentication (6.1), admission (a place among the
requests in flight, or 503 at once when the gateway is overloaded), body size and read time,
JSON, the key's scope for the model, message count and the ``max_tokens`` cap, the key's concurrent,
request and token limits (4.3), the input guards (4.1), the upstream, and the output guards (4.1,
8.2) — redaction of secrets and personal data, leaks of canaries or the system prompt, and removal of
what helps an attacker (upstream ids and fingerprints, server headers, logprobs unless the key is
allowed them). Every attempt, refused or not, ends as one audit record (12.1) written before the last
byte of the answer. Errors are OpenAI-style JSON with the right status, never a stack trace.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from aicop.datacheck.detectors import replace, scan_text
from aicop.errors import InputError
from aicop.gateway.admission import Admission
from aicop.gateway.auditlog import GatewayLog
from aicop.gateway.config import GatewayConfig
from aicop.gateway.guards import REDACTED_CATEGORIES, ClassifierTier, LeakGuard, check_prompts, redact_text
from aicop.gateway.keys import Key, KeyStore
from aicop.gateway.limiter import Limiter
from aicop.gateway.upstream import Answer, Upstream, UpstreamFailed, answer_of, lines, reaching

log = logging.getLogger("aicop.gateway")
HOLD = 256  # characters of a streamed answer held back so that a secret split across chunks is redacted
WITHHELD = "[withheld by the gateway: the answer disclosed protected instructions]"
KEPT_FIELDS = {"id", "object", "created", "model", "choices", "usage", "data"}
TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    408: "invalid_request_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
    429: "rate_limit_error",
    503: "overloaded_error",
}
OVERLOADED = {
    "busy": "the gateway is overloaded (its event loop is behind); retry later",
    "queue_full": "the gateway is overloaded (its queue is full); retry later",
    "queue_timeout": "the gateway is overloaded (no place came free in time); retry later",
}


ANONYMOUS = Key(id="anonymous", name="anonymous", sha256="", prefix="", scopes=["*"])  # auth off
Early = tuple[int, list[tuple[bytes, bytes]], bytes]  # an answer given before the request became a task


def bearer(header: str) -> str | None:
    """The key of an ``Authorization: Bearer KEY`` header, or None when it presents none."""
    scheme, _, presented = header.partition(" ")
    presented = presented.strip()
    return presented if scheme.lower() == "bearer" and presented else None


class Refused(Exception):
    """An OpenAI-style error answer. ``decision`` is what the audit log and the metrics record: the
    gateway's own code, except for an upstream's refusal, whose code (any string the upstream chose)
    goes to the client and into ``error.type`` but would make the metric's labels unbounded."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        retry_after: int | None = None,
        decision: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.retry_after = status, code, message, retry_after
        self.decision = code if decision is None else decision


def _not_json(upstream: Answer) -> tuple[str, str]:
    """(code, message) for an upstream answer that is not JSON, with its status: a 404 here is nearly
    always an upstream URL without its API prefix, so the message says where to look."""
    status, media = upstream.status, upstream.media
    if status == 404:
        return (
            "upstream_not_found",
            f"the upstream has no {upstream.path} (HTTP 404, {media}): does the upstream URL "
            "end with its API prefix, such as /v1?",
        )
    if status >= 400:
        return "upstream_refused", f"the upstream refused the request (HTTP {status}, {media}, not JSON)"
    return "upstream_bad_response", f"the upstream answered HTTP {status} with {media}, not JSON"


def error_response(
    status: int, code: str, message: str, request_id: str, retry_after: int | None = None
) -> Response:
    body = {
        "error": {"message": message, "type": TYPES.get(status, "api_error"), "param": None, "code": code}
    }
    headers = {"x-request-id": request_id}
    if retry_after is not None:
        headers["retry-after"] = str(retry_after)
    return JSONResponse(body, status_code=status, headers=headers)


class FastJSONResponse(JSONResponse):
    """A JSON answer serialised by orjson (a few times faster than the json module; same JSON)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


@dataclass
class Attempt:
    """What one request did, for the audit record, the metrics and the structured log."""

    request_id: str
    operation: str
    started: float = field(default_factory=time.perf_counter)
    data: dict[str, Any] = field(default_factory=dict)
    key: Key | None = None
    decision: str = "allowed"
    status: int = 200
    guards: list[dict[str, Any]] = field(default_factory=list)
    upstream_seconds: float = 0.0
    released: bool = False  # its slot of the key's concurrent requests given back
    admitted: bool = False  # holds a place among the gateway's requests in flight
    recorded: bool = False  # its audit record written

    @property
    def key_id(self) -> str:
        return self.key.id if self.key else ""


def _texts(content: Any) -> list[str]:
    """The text parts of a message's content (a string, or a list of typed parts)."""
    if isinstance(content, str):
        return [content]
    if isinstance(content, list):
        return [str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") == "text"]
    return []


def _map_content(content: Any, change: Any) -> Any:
    if isinstance(content, str):
        return change(content)
    if isinstance(content, list):
        return [
            {**p, "text": change(str(p.get("text", "")))}
            if isinstance(p, dict) and p.get("type") == "text"
            else p
            for p in content
        ]
    return content


class Gateway:
    def __init__(
        self,
        config: GatewayConfig,
        keys: KeyStore | None,
        audit: GatewayLog,
        limiter: Limiter,
    ) -> None:
        self.config = config
        self.tier = ClassifierTier() if config.guards.input.classifier else None
        self.keys = keys
        self.audit = audit
        self.limiter = limiter
        self.admission = Admission(config.admission)
        self.registry = CollectorRegistry()
        self._children: dict[tuple[object, ...], Any] = {}
        self.requests = Counter(
            "aicop_gateway_requests",
            "Requests by route and decision",
            ["route", "decision"],
            registry=self.registry,
        )
        self.flags = Counter(
            "aicop_gateway_guard_hits", "Guard hits by guard", ["guard"], registry=self.registry
        )
        self.tokens = Counter(
            "aicop_gateway_tokens", "Tokens by direction", ["direction"], registry=self.registry
        )
        self.duration = Histogram(
            "aicop_gateway_request_seconds", "Whole request time", ["route"], registry=self.registry
        )
        self.overloads = Counter(
            "aicop_gateway_overload_refusals",
            "Requests answered 503 because the gateway was overloaded, by reason",
            ["reason"],
            registry=self.registry,
        )
        Gauge(
            "aicop_gateway_in_flight", "Requests admitted and not finished", registry=self.registry
        ).set_function(lambda: self.admission.active)
        Gauge("aicop_gateway_queued", "Requests waiting for a place", registry=self.registry).set_function(
            lambda: len(self.admission.waiting)
        )
        self.overhead = Histogram(
            "aicop_gateway_overhead_seconds",
            "Time spent in the gateway, upstream excluded",
            registry=self.registry,
            buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
        )
        upstream_key = None
        if config.upstream.api_key_env:
            import os

            upstream_key = os.environ.get(config.upstream.api_key_env)
        self.upstream_headers = {"content-type": "application/json"}
        if upstream_key:
            self.upstream_headers["authorization"] = f"Bearer {upstream_key}"
        self.upstream = Upstream(config.upstream.url, config.upstream.timeout, self.upstream_headers)
        self.proxied = {
            "/v1/chat/completions": ("chat", "/chat/completions"),
            "/v1/completions": ("text_completion", "/completions"),
            "/v1/embeddings": ("embeddings", "/embeddings"),
        }
        # the proxied paths' POSTs never reach Starlette (``__call__``); their routes are there so that
        # another method gets Starlette's 405, and they answer as ``__call__`` would all the same
        routes = [
            Route(path, functools.partial(self._proxy, *proxied), methods=["POST"])
            for path, proxied in self.proxied.items()
        ]
        routes += [
            Route("/v1/models", self.models, methods=["GET"]),
            Route("/healthz", self.health, methods=["GET"]),
            Route("/metrics", self.metrics, methods=["GET"]),
        ]
        if config.admin:
            routes.append(Route("/admin/keys", self.admin_keys, methods=["GET"]))

        @contextlib.asynccontextmanager
        async def lifespan(_: Starlette) -> AsyncIterator[None]:
            yield
            await self.close()

        self.site = Starlette(routes=routes, lifespan=lifespan)
        self.proxied_raw = {path.encode(): operation for path, (operation, _) in self.proxied.items()}
        # the overload answer, made once: the same JSON error_response gives, its own request id apart
        retry_after = str(config.admission.retry_after).encode()
        self._overload_headers = [(b"content-type", b"application/json"), (b"retry-after", retry_after)]
        self._overload_bodies = {
            reason: bytes(error_response(503, "overloaded", message, "").body)
            for reason, message in OVERLOADED.items()
        }
        self.app = self  # an object with an async __call__: servers see an ASGI 3 application

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI application (``self.app``). A proxied request (a POST to one of the three
        proxied paths) goes straight to ``handle``: Starlette's two middleware layers, its router and
        its endpoint wrapper cost about a tenth of the gateway's CPU a request and did nothing for
        these routes, whose every error (a bug's included, as a 500) is an answer of ``handle``.
        Everything else (the other routes, a wrong method, an unknown path, the lifespan) is
        Starlette's."""
        if scope["type"] == "http" and scope["method"] == "POST":
            proxied = self.proxied.get(scope["path"])
            if proxied is not None:
                response = await self.handle(Request(scope, receive), *proxied)
                await response(scope, receive, send)
                return
        await self.site(scope, receive, send)

    async def close(self) -> None:
        await self.upstream.close()
        await self.admission.close()
        await self.limiter.close()
        self.audit.close()

    # ------------------------------------------------------------------ routes
    async def _proxy(self, operation: str, path: str, request: Request) -> Response:
        return await self.handle(request, operation, path)

    async def health(self, _: Request) -> Response:
        try:
            limits_ok = await self.limiter.check()
        except Exception:
            limits_ok = False
        status = 200 if limits_ok else 503
        body = {"status": "ok" if limits_ok else "degraded", "limits": limits_ok, "audit_seq": self.audit.seq}
        return JSONResponse(body, status_code=status)

    async def metrics(self, _: Request) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)

    async def models(self, request: Request) -> Response:
        attempt = Attempt("gw-" + secrets.token_hex(8), "models")
        try:
            key = self.authenticate(request)
            attempt.key = key
            try:
                listing = json.loads((await self.upstream.request("GET", "/models")).body)
                models = [
                    m for m in listing.get("data", []) if isinstance(m, dict) and key.allows(str(m.get("id")))
                ]
            except (UpstreamFailed, ValueError, AttributeError) as err:
                raise Refused(
                    502, "upstream_unavailable", f"the upstream did not list its models ({err})"
                ) from err
            return self.finish(
                attempt, JSONResponse({"object": "list", "data": models}, headers=self._ids(attempt))
            )
        except Refused as refused:
            return self.refuse(attempt, refused)

    async def admin_keys(self, request: Request) -> Response:
        attempt = Attempt("gw-" + secrets.token_hex(8), "admin")
        try:
            key = self.authenticate(request)
            if "admin" not in key.scopes or self.keys is None:
                raise Refused(403, "not_admin", "this key has no admin scope (or authentication is off)")
            listing = [
                {"id": k.id, "name": k.name, "prefix": k.prefix, "scopes": k.scopes, "revoked": k.revoked}
                for k in self.keys.load()
            ]
            return self.finish(attempt, JSONResponse({"keys": listing}))
        except Refused as refused:
            return self.refuse(attempt, refused)

    # ------------------------------------------------------------------ the pipeline
    def authenticate(self, request: Request) -> Key:
        if self.keys is None:
            return ANONYMOUS
        presented = bearer(request.headers.get("authorization", ""))
        if presented is None:
            raise Refused(401, "missing_api_key", "send an API key: 'Authorization: Bearer KEY'")
        key = self.keys.authenticate(presented)
        if key is None:
            raise Refused(401, "invalid_api_key", "the API key is not valid, or was revoked")
        return key

    async def read_body(self, request: Request) -> bytes:
        limit = self.config.limits.body_bytes
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise Refused(413, "body_too_large", f"the body is over the limit of {limit} bytes")
        chunks: list[bytes] = []
        size = 0

        async def read() -> None:
            nonlocal size
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise Refused(413, "body_too_large", f"the body is over the limit of {limit} bytes")
                chunks.append(chunk)

        try:
            async with asyncio.timeout(self.config.limits.body_seconds):  # no task of its own, as wait_for
                await read()
        except TimeoutError as err:
            raise Refused(408, "body_timeout", "the body took too long to arrive") from err
        except ClientDisconnect as err:
            raise Refused(400, "client_disconnected", "the client went away while sending the body") from err
        return b"".join(chunks)

    def parse(self, body: bytes) -> dict[str, Any]:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as err:
            raise Refused(400, "invalid_utf8", f"the body is not valid UTF-8 (byte {err.start})") from err
        try:
            payload = orjson.loads(text)
        except ValueError as err:
            raise Refused(400, "invalid_json", f"the body is not valid JSON: {err}") from err
        if not isinstance(payload, dict):
            raise Refused(400, "invalid_json", "the body must be a JSON object")
        return payload

    def shape(self, payload: dict[str, Any], operation: str, key: Key) -> None:
        """Check the model, messages and max_tokens; cap max_tokens; keep logprobs from keys without them."""
        limits = self.config.limits
        model = payload.get("model")
        if not isinstance(model, str) or not model:
            raise Refused(400, "missing_model", "name the model: 'model' must be a string")
        if not key.allows(model):
            raise Refused(403, "model_not_allowed", f"this key may not use the model {model!r}")
        if operation == "chat":
            messages = payload.get("messages")
            if (
                not isinstance(messages, list)
                or not messages
                or not all(isinstance(m, dict) for m in messages)
            ):
                raise Refused(400, "invalid_messages", "'messages' must be a non-empty list of objects")
            if len(messages) > limits.messages:
                raise Refused(400, "too_many_messages", f"at most {limits.messages} messages per request")
        if operation != "embeddings":
            for name in ("max_tokens", "max_completion_tokens"):
                asked = payload.get(name)
                if asked is not None and (not isinstance(asked, int) or isinstance(asked, bool) or asked < 1):
                    raise Refused(400, "invalid_max_tokens", f"'{name}' must be a positive integer")
                if asked is not None and asked > limits.max_tokens:
                    payload[name] = limits.max_tokens
            if payload.get("max_tokens") is None and payload.get("max_completion_tokens") is None:
                payload["max_tokens"] = limits.max_tokens
            if not key.logprobs:
                payload.pop("logprobs", None)
                payload.pop("top_logprobs", None)

    async def guard_input(self, payload: dict[str, Any], operation: str, attempt: Attempt) -> None:
        settings = self.config.guards.input
        if operation == "chat":
            parts = [m for m in payload["messages"] if m.get("role") in ("user", "tool", "function")]
            texts = [t for m in parts for t in _texts(m.get("content"))]
        else:
            value = payload.get("prompt" if operation == "text_completion" else "input", "")
            texts = (
                [value]
                if isinstance(value, str)
                else [str(v) for v in value]
                if isinstance(value, list)
                else []
            )
        if settings.injection != "off":
            points = (settings.classifier_threshold, settings.classifier_block_threshold)
            if self.tier is not None and texts:  # ~10 ms of NumPy a prompt: off the event loop
                verdicts = await asyncio.to_thread(
                    check_prompts, texts, settings.threshold, self.tier, settings.block_threshold, points
                )
            else:
                verdicts = check_prompts(texts, settings.threshold, None, settings.block_threshold)
            flagged = [v for v in verdicts if v.flagged]
            if flagged:
                worst = max(flagged, key=lambda v: (v.action == "block", max(v.score, v.classified or 0.0)))
                self.flags.labels("injection").inc()
                entry: dict[str, Any] = {
                    "guard": "injection",
                    "action": worst.action,
                    "score": round(worst.score, 3),
                    "signals": sorted(worst.signals),
                    "explain": worst.explain(),
                }
                if worst.classified is not None:
                    entry["classifier"] = round(worst.classified, 3)
                attempt.guards.append(entry)
                if settings.injection == "block" and worst.action == "block":
                    raise Refused(
                        400, "prompt_blocked", "the request was blocked: it reads as a prompt injection"
                    )
                if settings.injection == "redact":
                    marked = {t for t, v in zip(texts, verdicts, strict=True) if v.action == "block"}
                    self._rewrite(
                        payload, operation, lambda t: "[removed by the gateway]" if t in marked else t
                    )
        if settings.personal_data != "off":
            kinds = sorted({m.kind for t in texts for m in scan_text(t)})
            if kinds:
                self.flags.labels("personal-data-input").inc()
                attempt.guards.append({"guard": "personal-data-input", "kinds": kinds})
                if settings.personal_data == "block":
                    raise Refused(400, "personal_data_blocked", f"the request carries {', '.join(kinds)}")
                if settings.personal_data == "redact":
                    self._rewrite(payload, operation, lambda t: redact_text(t)[0])

    def _rewrite(self, payload: dict[str, Any], operation: str, change: Any) -> None:
        if operation == "chat":
            for message in payload["messages"]:
                if message.get("role") in ("user", "tool", "function"):
                    message["content"] = _map_content(message.get("content"), change)
            return
        name = "prompt" if operation == "text_completion" else "input"
        value = payload.get(name)
        if isinstance(value, str):
            payload[name] = change(value)
        elif isinstance(value, list):
            payload[name] = [change(v) if isinstance(v, str) else v for v in value]

    def leak_guard(self, payload: dict[str, Any], operation: str) -> LeakGuard | None:
        output = self.config.guards.output
        if output.leak == "off" or operation == "embeddings":
            return None
        system = None
        if operation == "chat":
            system = "\n".join(
                t
                for m in payload["messages"]
                if m.get("role") in ("system", "developer")
                for t in _texts(m.get("content"))
            )
        guard = LeakGuard(output.canaries, system)
        return guard if guard.active else None

    async def handle(self, request: Request, operation: str, path: str) -> Response:
        attempt = Attempt("gw-" + secrets.token_hex(8), operation)
        entered = False
        streaming: Response | None = None
        try:
            media = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if media != "application/json":
                raise Refused(
                    415, "unsupported_media_type", "send JSON, with 'Content-Type: application/json'"
                )
            key = self.authenticate(request)
            attempt.key = key
            await self.admit(attempt)
            payload = self.parse(await self.read_body(request))
            attempt.data["gen_ai.request.model"] = payload.get("model")
            self.shape(payload, operation, key)
            self._request_fields(payload, operation, attempt)
            if not await self.limiter.enter(attempt.key_id):
                raise Refused(
                    429, "too_many_concurrent", f"at most {self.config.limits.concurrent} requests at once", 1
                )
            entered = True
            estimate = (
                len(orjson.dumps(payload.get("messages") or payload.get("prompt") or payload.get("input")))
                // 4
            )
            refusal = await self.limiter.admit(attempt.key_id, estimate)
            if refusal is not None:
                raise Refused(
                    429,
                    f"{refusal.what}_per_minute",
                    f"the key's {refusal.what} per minute are used up; retry after {refusal.retry_after} s",
                    refusal.retry_after,
                )
            try:
                await self.guard_input(payload, operation, attempt)
            except Refused:
                raise
            except Exception as err:
                log.exception("input guard failed")
                attempt.guards.append({"guard": "error", "detail": type(err).__name__})
                if self.config.guards.fail_closed:
                    raise Refused(503, "guard_error", "a guard failed and the gateway fails closed") from err
            if payload.get("stream") and operation != "embeddings":
                streaming = await self.stream(payload, operation, path, attempt)
                entered = False  # the stream gives its slot and its place back when it ends
                return streaming
            return await self.forward(payload, operation, path, attempt)
        except Refused as refused:
            return self.refuse(attempt, refused)
        except UpstreamFailed as failed:
            return self.refuse(attempt, Refused(failed.status, failed.code, failed.message))
        except Exception:  # a bug: logged here, answered and recorded as a 500 without its details
            log.exception("the gateway failed on a request")
            return self.refuse(attempt, Refused(500, "internal_error", "the gateway failed on this request"))
        finally:
            if entered:
                await self.limiter.leave(attempt.key_id)
                entered = False
            if streaming is None:  # not handed to a stream, which gives the place back when it ends
                self._leave(attempt)

    async def admit(self, attempt: Attempt) -> None:
        """A place among the requests in flight, or a 503 at once (with the reason in the record)."""
        reason = await self.admission.enter()
        if reason is None:
            attempt.admitted = True
            return
        raise self._overloaded(attempt, reason)

    def _overloaded(self, attempt: Attempt, reason: str) -> Refused:
        self._labelled(self.overloads, reason).inc()
        attempt.data["aicop.overload"] = reason
        return Refused(503, "overloaded", OVERLOADED[reason], self.config.admission.retry_after)

    def early_refusal(self, path: bytes, headers: list[tuple[bytes, bytes]]) -> Early | None:
        """Asked by the server (serve.py) as soon as a POST's headers are read, before a task, the
        body or anything else is spent on it: an overloaded gateway's 503 as (status, headers, body),
        recorded and counted like any refusal, or None to handle the request as usual. What it costs is
        what a refusal costs, and under overload refusals are most of the traffic. Admission comes
        first here, before the content type and the key are checked (the key is still looked up for
        the record's actor)."""
        proxied = self.proxied_raw.get(path)
        if proxied is None:
            return None
        reason = self.admission.refusal()
        if reason is None:
            return None
        attempt = Attempt("gw-" + secrets.token_hex(8), proxied)
        attempt.key = self._key_of(headers)
        self.settle(attempt, self._overloaded(attempt, reason))
        return (
            503,
            [*self._overload_headers, (b"x-request-id", attempt.request_id.encode())],
            self._overload_bodies[reason],
        )

    def _key_of(self, headers: list[tuple[bytes, bytes]]) -> Key | None:
        """The key a request presents, if it is a live one; None otherwise. Never raises."""
        if self.keys is None:
            return ANONYMOUS
        for name, value in headers:
            if name == b"authorization":
                presented = bearer(value.decode("latin-1"))
                if presented is None:
                    return None
                try:
                    return self.keys.authenticate(presented)
                except InputError:  # a damaged key file: the refusal stands, its actor unknown
                    return None
        return None

    def _leave(self, attempt: Attempt) -> None:
        if attempt.admitted:
            attempt.admitted = False
            self.admission.leave()

    def _request_fields(self, payload: dict[str, Any], operation: str, attempt: Attempt) -> None:
        data = attempt.data
        for name, field_name in (
            ("max_tokens", "gen_ai.request.max_tokens"),
            ("temperature", "gen_ai.request.temperature"),
            ("top_p", "gen_ai.request.top_p"),
        ):
            if payload.get(name) is not None:
                data[field_name] = payload[name]
        if operation == "chat":
            data["gen_ai.input.messages"] = payload["messages"]
        else:
            data["gen_ai.input.messages"] = payload.get(
                "prompt" if operation == "text_completion" else "input"
            )

    def _ids(self, attempt: Attempt) -> dict[str, str]:
        return {"x-request-id": attempt.request_id}

    async def forward(self, payload: dict[str, Any], operation: str, path: str, attempt: Attempt) -> Response:
        upstream_started = time.perf_counter()
        try:
            upstream = await self.upstream.request("POST", path, orjson.dumps(payload))
        finally:
            attempt.upstream_seconds = time.perf_counter() - upstream_started
        body = self._upstream_json(upstream)
        body = {k: v for k, v in body.items() if k in KEPT_FIELDS}
        body["id"] = attempt.request_id
        given = body.get("usage")
        usage: dict[str, Any] = given if isinstance(given, dict) else {}
        self._usage(attempt, usage)
        await self.limiter.spend(attempt.key_id, int(usage.get("completion_tokens") or 0))
        if operation != "embeddings":
            outputs = self._guard_output(body, payload, operation, attempt)
            attempt.data["gen_ai.output.messages"] = outputs
            attempt.data["gen_ai.response.finish_reasons"] = [
                c.get("finish_reason") for c in body.get("choices", []) if isinstance(c, dict)
            ]
        attempt.data["gen_ai.response.model"] = body.get("model")
        return self.finish(attempt, FastJSONResponse(body, headers=self._ids(attempt)))

    def _upstream_json(self, upstream: Answer) -> dict[str, Any]:
        status = upstream.status
        if status >= 500:
            raise Refused(502, "upstream_error", f"the upstream failed (HTTP {status})")
        try:
            body = orjson.loads(upstream.body)
        except ValueError as err:
            raise Refused(502, *_not_json(upstream)) from err
        if not isinstance(body, dict):
            raise Refused(502, "upstream_bad_response", "the upstream's answer is not a JSON object")
        if status >= 400:
            given = body.get("error")
            error: dict[str, Any] = given if isinstance(given, dict) else {}
            message = str(error.get("message") or f"the upstream refused the request (HTTP {status})")
            code = str(error.get("code") or "upstream_refused")
            raise Refused(status, code, message, decision="upstream_refused")
        return body

    def _usage(self, attempt: Attempt, usage: dict[str, Any]) -> None:
        for source, target in (("prompt_tokens", "input"), ("completion_tokens", "output")):
            value = usage.get(source)
            if isinstance(value, int):
                attempt.data[f"gen_ai.usage.{target}_tokens"] = value
                self._labelled(self.tokens, target).inc(value)

    def _guard_output(
        self, body: dict[str, Any], payload: dict[str, Any], operation: str, attempt: Attempt
    ) -> list[str]:
        settings = self.config.guards.output
        outputs: list[str] = []
        for choice in body.get("choices", []):
            if not isinstance(choice, dict):
                continue
            if not attempt.key or not attempt.key.logprobs:
                choice.pop("logprobs", None)
            holder, name = (choice.get("message"), "content") if operation == "chat" else (choice, "text")
            if not isinstance(holder, dict) or not isinstance(holder.get(name), str):
                continue
            text = holder[name]
            guard = self.leak_guard(payload, operation)
            leaks = guard.feed(text) if guard else []
            if leaks:
                self.flags.labels("leak").inc()
                attempt.guards.append({"guard": "leak", "kinds": leaks})
                if settings.leak == "block":
                    text, choice["finish_reason"] = WITHHELD, "content_filter"
            if settings.redact:
                text, kinds = redact_text(text)
                if kinds:
                    self.flags.labels("redaction").inc()
                    attempt.guards.append({"guard": "redaction", "kinds": sorted(set(kinds))})
            holder[name] = text
            outputs.append(text)
        return outputs

    async def stream(self, payload: dict[str, Any], operation: str, path: str, attempt: Attempt) -> Response:
        upstream_started = time.perf_counter()
        upstream = await self.upstream.open(path, orjson.dumps(payload))
        if upstream.status != 200:
            try:
                with reaching():
                    body = await upstream.read()
            finally:
                upstream.release()
            self._upstream_json(answer_of(upstream, body))
            raise Refused(502, "upstream_bad_response", "the upstream did not stream")
        attempt.upstream_seconds = time.perf_counter() - upstream_started
        return StreamingResponse(
            self._relay(upstream, payload, operation, attempt),
            media_type="text/event-stream",
            headers={"x-request-id": attempt.request_id, "cache-control": "no-cache"},
            # a client gone before the stream started leaves a generator that never ran: this settles it
            background=BackgroundTask(self._settle, upstream, attempt),
        )

    async def _settle(self, upstream: aiohttp.ClientResponse, attempt: Attempt) -> None:
        if not attempt.recorded:
            upstream.close()
            attempt.decision, attempt.status = "client_disconnected", 499
            await self._release(attempt)
            self.record(attempt)

    async def _release(self, attempt: Attempt) -> None:
        self._leave(attempt)
        if not attempt.released:
            attempt.released = True
            await self.limiter.leave(attempt.key_id)

    async def _relay(
        self, upstream: aiohttp.ClientResponse, payload: dict[str, Any], operation: str, attempt: Attempt
    ) -> AsyncIterator[bytes]:
        settings = self.config.guards.output
        guard = self.leak_guard(payload, operation)
        pending = ""
        emitted: list[str] = []
        last_chunk: dict[str, Any] | None = None
        finish: list[Any] = []
        blocked = False
        redacted: set[str] = set()
        name = "content" if operation == "chat" else "text"

        def release(text: str, final: bool) -> str:
            """The part of the text so far that can go out: redacted, and short of the held-back tail."""
            nonlocal pending
            text = pending + text
            cut = len(text) if final else max(0, len(text) - HOLD)
            if not settings.redact:
                out, pending = text[:cut], text[cut:]
                return out
            matches = list(scan_text(text))  # one scan: it moves the cut and redacts what goes out
            for match in matches:
                if match.start < cut < match.end:
                    cut = match.start
            out, pending = text[:cut], text[cut:]
            out, kinds = replace(out, (m for m in matches if m.end <= cut), REDACTED_CATEGORIES)
            redacted.update(kinds)
            return out

        def chunk_with(template: dict[str, Any] | None, text: str, reason: Any = None) -> bytes:
            """A chunk of the gateway's own: the text is re-cut (held back, redacted), so the upstream's
            per-token logprobs no longer line up with it and are never passed on in a stream."""
            base = {k: v for k, v in (template or {}).items() if k in KEPT_FIELDS}
            base["id"] = attempt.request_id
            base.setdefault("object", "chat.completion.chunk" if operation == "chat" else "text_completion")
            choice: dict[str, Any] = {"index": 0, "finish_reason": reason}
            if operation == "chat":
                choice["delta"] = {"content": text} if text or reason is None else {}
            else:
                choice["text"] = text
            base["choices"] = [choice]
            return b"data: " + orjson.dumps(base) + b"\n\n"

        try:
            async for line in lines(upstream):
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    break
                try:
                    chunk = orjson.loads(data)
                except ValueError:
                    continue
                if not isinstance(chunk, dict):
                    continue
                last_chunk = chunk
                if isinstance(chunk.get("usage"), dict):
                    self._usage(attempt, chunk["usage"])
                for choice in chunk.get("choices") or []:
                    if not isinstance(choice, dict):
                        continue
                    if choice.get("finish_reason"):
                        finish.append(choice["finish_reason"])
                    holder = choice.get("delta") if operation == "chat" else choice
                    piece = holder.get(name) if isinstance(holder, dict) else None
                    if not isinstance(piece, str) or not piece:
                        continue
                    if guard is not None and guard.feed(piece):
                        self.flags.labels("leak").inc()
                        attempt.guards.append({"guard": "leak", "kinds": list(guard.found)})
                        if settings.leak == "block":
                            blocked = True
                            break
                    out = release(piece, final=False)
                    if out:
                        emitted.append(out)
                        yield chunk_with(chunk, out)
                if blocked:
                    break
            if blocked:
                pending = ""
                emitted.append(WITHHELD)
                finish = ["content_filter"]
                yield chunk_with(last_chunk, " " + WITHHELD, None)
            else:
                tail = release("", final=True)
                if tail:
                    emitted.append(tail)
                    yield chunk_with(last_chunk, tail)
            yield chunk_with(last_chunk, "", (finish or ["stop"])[-1])
        except (aiohttp.ClientError, ConnectionError, TimeoutError) as err:
            attempt.decision, attempt.status = "upstream_cut", 502
            error = {"error": {"message": "the upstream closed the stream early", "type": "api_error",
                               "param": None, "code": "upstream_cut"}}  # fmt: skip
            log.warning("upstream cut the stream: %s", type(err).__name__)
            yield f"data: {json.dumps(error)}\n\n".encode()
        finally:
            upstream.release()  # a stream read to its end goes back to the pool; one cut short is closed
            if redacted:
                self.flags.labels("redaction").inc()
                attempt.guards.append({"guard": "redaction", "kinds": sorted(redacted)})
            output = "".join(emitted)
            attempt.data["gen_ai.output.messages"] = [output]
            attempt.data["gen_ai.response.finish_reasons"] = finish or ["stop"]
            if "gen_ai.usage.output_tokens" not in attempt.data:
                attempt.data["gen_ai.usage.output_tokens"] = max(1, len(output) // 4) if output else 0
            await self.limiter.spend(attempt.key_id, attempt.data["gen_ai.usage.output_tokens"])
            await self._release(attempt)
            self.record(attempt)  # before the last bytes: the client's [DONE] follows the record
        yield b"data: [DONE]\n\n"

    # ------------------------------------------------------------------ endings
    def refuse(self, attempt: Attempt, refused: Refused) -> Response:
        response = error_response(
            refused.status, refused.code, refused.message, attempt.request_id, refused.retry_after
        )
        self.settle(attempt, refused)
        return response

    def settle(self, attempt: Attempt, refused: Refused) -> None:
        """Record a refused attempt: its decision, status and error type, in the audit log."""
        attempt.decision = refused.decision
        attempt.status = refused.status
        attempt.data["error.type"] = refused.code
        self.record(attempt)

    def finish(self, attempt: Attempt, response: Response) -> Response:
        attempt.status = response.status_code
        self.record(attempt)
        return response

    def _labelled(self, metric: Any, *values: str) -> Any:
        """``metric.labels(*values)``, kept: prometheus_client checks and looks them up on every call
        (~3 µs each, four a request). The registry keeps every child anyway, so this holds no more."""
        key = (id(metric), *values)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*values)
        return child

    def record(self, attempt: Attempt) -> None:
        if attempt.recorded:
            return
        attempt.recorded = True
        elapsed = time.perf_counter() - attempt.started
        data = {
            "gen_ai.operation.name": attempt.operation,
            "gen_ai.provider.name": "openai",
            **attempt.data,
            "http.response.status_code": attempt.status,
            "aicop.request_id": attempt.request_id,
            "aicop.decision": attempt.decision,
            "aicop.guards": attempt.guards,
            "aicop.duration_ms": round(elapsed * 1000, 3),
            "aicop.upstream_ms": round(attempt.upstream_seconds * 1000, 3),
        }
        actor = f"key:{attempt.key.id}" if attempt.key else "unauthenticated"
        self.audit.write("gen_ai.request", data, actor=actor)
        self._labelled(self.requests, attempt.operation, attempt.decision).inc()
        self._labelled(self.duration, attempt.operation).observe(elapsed)
        self.overhead.observe(max(0.0, elapsed - attempt.upstream_seconds))
        if not log.isEnabledFor(logging.INFO):  # no JSON built for a log nobody reads
            return
        log.info(
            json.dumps(
                {
                    "request_id": attempt.request_id,
                    "key": attempt.key.id if attempt.key else None,
                    "operation": attempt.operation,
                    "model": attempt.data.get("gen_ai.request.model"),
                    "status": attempt.status,
                    "decision": attempt.decision,
                    "ms": round(elapsed * 1000, 2),
                }
            )
        )
