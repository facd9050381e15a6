"""The HTTP side of a run: an async OpenAI-compatible chat client with bounded concurrency, retries
with backoff on 429 and 5xx, and a per-request timeout.

Concurrency is a pool of single-connection httpx clients, one per slot, rather than one client with a
pool of N connections: httpcore's pool re-checks every connection's state on every request, which was
40% of the run's CPU at 16 connections (cProfile, 592 attacks); with one connection per client that
check is constant.

Problems that make the whole run meaningless (the target cannot be reached, refuses the key, or is not
an OpenAI-compatible chat endpoint) raise ``TargetError`` and stop the run; a request that still fails
after its retries is recorded as an error of that attack, and the run is then incomplete.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import time
from typing import Any

import httpx

from aicop.errors import AicopError
from aicop.redteam.judges import Answer

RETRIED = {429, 500, 502, 503, 504}
MAX_BACKOFF = 10.0


class TargetError(AicopError):
    """The target cannot be tested at all: unreachable, wrong key, not OpenAI-compatible."""


class RequestFailed(Exception):
    """One request failed after its retries; the attack is recorded as an error."""


class ChatClient:
    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        timeout: float = 30.0,
        retries: int = 3,
        concurrency: int = 16,
        transport: httpx.AsyncBaseTransport | None = None,
        backoff: float = 0.5,
    ) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        self._clients = [
            httpx.AsyncClient(
                headers=headers, timeout=timeout, limits=limits, transport=transport, follow_redirects=False
            )
            for _ in range(concurrency)
        ]
        self._free: asyncio.Queue[httpx.AsyncClient] = asyncio.Queue()
        for client in self._clients:
            self._free.put_nowait(client)
        self.retries = retries
        self.backoff = backoff
        self.retried = 0

    async def __aenter__(self) -> ChatClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        for client in self._clients:
            await client.aclose()

    async def chat(self, body: dict[str, Any]) -> Answer:
        http = await self._free.get()
        try:
            return await self._chat(http, body)
        finally:
            self._free.put_nowait(http)

    async def _chat(self, http: httpx.AsyncClient, body: dict[str, Any]) -> Answer:
        started = time.perf_counter()
        for attempt in range(self.retries + 1):
            try:
                response = await http.post(self.url, json=body)
            except httpx.ConnectError as err:
                if attempt == self.retries:
                    raise TargetError(f"cannot reach {self.url}: {err or type(err).__name__}") from err
            except (httpx.TimeoutException, httpx.RemoteProtocolError, httpx.ReadError) as err:
                if attempt == self.retries:
                    raise RequestFailed(f"{type(err).__name__} after {attempt + 1} attempts") from err
            else:
                if response.status_code not in RETRIED:
                    elapsed = round((time.perf_counter() - started) * 1000, 1)
                    return dataclasses.replace(self._answer(response), elapsed_ms=elapsed)
                if attempt == self.retries:
                    raise RequestFailed(f"HTTP {response.status_code} after {attempt + 1} attempts")
                wait = _retry_after(response)
                if wait is not None:
                    self.retried += 1
                    await asyncio.sleep(wait)
                    continue
            self.retried += 1
            await asyncio.sleep(min(MAX_BACKOFF, self.backoff * 2**attempt) * (0.5 + random.random()))  # noqa: S311
        raise RequestFailed("no attempt made")  # only when retries < 0, which the config forbids

    def _answer(self, response: httpx.Response) -> Answer:
        status = response.status_code
        if status in (401, 403):
            raise TargetError(
                f"{self.url} refused the API key (HTTP {status}): check the key in the environment "
                "variable that target.api_key_env names"
            )
        if status in (404, 405):
            raise TargetError(
                f"not an OpenAI-compatible chat endpoint: POST {self.url} answered HTTP {status}"
            )
        try:
            data = response.json()
        except ValueError as err:
            if status >= 400:
                return Answer(status=status, text=response.text[:500])
            raise TargetError(
                f"not an OpenAI-compatible chat endpoint: {self.url} answered with non-JSON"
            ) from err
        if status >= 400:
            error = data.get("error") if isinstance(data, dict) else None
            message = error.get("message") if isinstance(error, dict) else str(data)[:500]
            return Answer(status=status, text=str(message))
        return _parse(data, status, dict(response.headers), self.url)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return min(MAX_BACKOFF, max(0.0, float(value))) if value is not None else None
    except ValueError:
        return None


def _parse(data: Any, status: int, headers: dict[str, str], url: str) -> Answer:
    choices = data.get("choices") if isinstance(data, dict) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise TargetError(f"not an OpenAI-compatible chat endpoint: {url} answered without 'choices'")
    message = choices[0].get("message")
    if not isinstance(message, dict):
        raise TargetError(
            f"not an OpenAI-compatible chat endpoint: {url} answered without 'choices[0].message'"
        )
    content = message.get("content")
    text = content if isinstance(content, str) else ""
    calls = []
    for call in message.get("tool_calls") or []:
        function = call.get("function") if isinstance(call, dict) else None
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            calls.append(function["name"])
    usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
    tokens = usage.get("completion_tokens")
    fields = {k: data[k] for k in ("model", "system_fingerprint") if isinstance(data.get(k), str)}
    return Answer(
        status=status,
        text=text,
        tool_calls=calls,
        headers={k.lower(): v for k, v in headers.items()},
        completion_tokens=tokens if isinstance(tokens, int) else None,
        fields=fields,
    )
