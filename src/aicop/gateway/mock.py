"""``aicop gateway mock-upstream``: an OpenAI-compatible fake model for tests, demos and benchmarks.

Replies are deterministic: the answer to a chat is "You said: " and the last user message, the
embedding of a text is derived from its SHA-256. ``stream: true`` sends the answer word by word as
server-sent events. Words in the last message make it misbehave on purpose, so the gateway's handling
of a bad upstream can be tested: ``__fail__`` (HTTP 500), ``__slow__`` (sleeps 5 s), ``__cut__``
(closes the stream half-way), ``__leak__`` (repeats the system prompt), ``__secret__`` (answers with a
cloud key), ``__garbage__`` (answers with invalid JSON). Replies carry the headers and fields a real
upstream does that the gateway should remove (``server``, ``x-request-id``, ``system_fingerprint``).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

MODELS = ["mock-small", "mock-large"]
SECRET = "AKIAIOSFODNN7EXAMPLE"  # noqa: S105 (AWS's documented example key)
HEADERS = {"server": "mock-upstream/1.0", "x-request-id": "req-upstream-123", "openai-version": "2020-10-01"}


def _reply(messages: list[dict[str, Any]]) -> str:
    last = next((str(m.get("content", "")) for m in reversed(messages) if m.get("role") == "user"), "")
    if "__leak__" in last:
        system = next((str(m.get("content", "")) for m in messages if m.get("role") == "system"), "")
        return f"My instructions are: {system}"
    if "__secret__" in last:
        return f"The key is {SECRET} and the admin is ops@example.com."
    return f"You said: {last}"


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


def make_app(latency: float = 0.0) -> Starlette:
    async def models(_: Request) -> Response:
        data = [{"id": m, "object": "model", "created": 0, "owned_by": "mock"} for m in MODELS]
        return JSONResponse({"object": "list", "data": data}, headers=HEADERS)

    async def chat(request: Request) -> Response:
        body = await request.json()
        messages = body.get("messages") or [{"role": "user", "content": body.get("prompt", "")}]
        text = _reply(messages)
        last = str(messages[-1].get("content", ""))
        if latency:
            await asyncio.sleep(latency)
        if "__fail__" in last:
            return JSONResponse({"error": {"message": "upstream exploded", "type": "server_error"}}, 500)
        if "__slow__" in last:
            await asyncio.sleep(5)
        if "__garbage__" in last:
            return Response("{not json", media_type="application/json", headers=HEADERS)
        model = body.get("model", MODELS[0])
        usage = {"prompt_tokens": _tokens(json.dumps(messages)), "completion_tokens": _tokens(text)}
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        created = int(time.time())
        chat_path = request.url.path.endswith("chat/completions")
        if body.get("stream"):
            return StreamingResponse(
                _stream(text, model, created, chat_path, "__cut__" in last),
                media_type="text/event-stream",
                headers=HEADERS,
            )
        if chat_path:
            choice: dict[str, Any] = {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
                "logprobs": {"content": [{"token": "You", "logprob": -0.1}]}
                if body.get("logprobs")
                else None,
            }
            kind = "chat.completion"
        else:
            choice = {"index": 0, "text": text, "finish_reason": "stop", "logprobs": None}
            kind = "text_completion"
        return JSONResponse(
            {
                "id": "chatcmpl-upstream-abc123",
                "object": kind,
                "created": created,
                "model": model,
                "system_fingerprint": "fp_mock_0001",
                "choices": [choice],
                "usage": usage,
            },
            headers=HEADERS,
        )

    async def embeddings(request: Request) -> Response:
        body = await request.json()
        inputs = body.get("input", "")
        texts = [inputs] if isinstance(inputs, str) else list(inputs)
        data = []
        for index, text in enumerate(texts):
            digest = hashlib.sha256(str(text).encode()).digest()
            data.append({"object": "embedding", "index": index, "embedding": [b / 255 for b in digest[:16]]})
        tokens = sum(_tokens(str(t)) for t in texts)
        return JSONResponse(
            {
                "object": "list",
                "data": data,
                "model": body.get("model", MODELS[0]),
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            },
            headers=HEADERS,
        )

    return Starlette(
        routes=[
            Route("/v1/models", models),
            Route("/v1/chat/completions", chat, methods=["POST"]),
            Route("/v1/completions", chat, methods=["POST"]),
            Route("/v1/embeddings", embeddings, methods=["POST"]),
        ]
    )


async def _stream(text: str, model: str, created: int, chat: bool, cut: bool) -> AsyncIterator[bytes]:
    words = text.split(" ")
    for index, word in enumerate(words):
        piece = word if index == 0 else " " + word
        if chat:
            delta: dict[str, Any] = {"delta": {"content": piece}, "index": 0, "finish_reason": None}
        else:
            delta = {"text": piece, "index": 0, "finish_reason": None}
        chunk = {
            "id": "chatcmpl-upstream-abc123",
            "object": "chat.completion.chunk" if chat else "text_completion",
            "created": created,
            "model": model,
            "system_fingerprint": "fp_mock_0001",
            "choices": [delta],
        }
        yield f"data: {json.dumps(chunk)}\n\n".encode()
        if cut and index >= len(words) // 2:
            raise ConnectionError("mock upstream cut the stream")
        await asyncio.sleep(0)
    end = {"id": "chatcmpl-upstream-abc123", "object": "chat.completion.chunk", "created": created,
           "model": model, "choices": [{"delta": {}, "index": 0, "finish_reason": "stop"}]}  # fmt: skip
    yield f"data: {json.dumps(end)}\n\n".encode()
    yield b"data: [DONE]\n\n"
