"""The push API: ``POST /api/v1/runs`` with ``Authorization: Bearer <token>`` records a run.

The body is ``{"report": <aicop JSON report>, "commit": "...", "ref": "...", "ci_url": "..."}`` (or a
bare report). Answers are JSON: 201 recorded, 200 already stored (the same report), 401 no or wrong
token, 413 too large, 415 not JSON, 422 a malformed or foreign report with the field named. No cookie
is read here, so no CSRF token is needed: the token in the header is the credential.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from aicop.store import accounts
from aicop.store.db import StoreError
from aicop.store.runs import MAX_REPORT, Provenance, ReportError, parse_report, record_run
from aicop.web.app import Extension, WebApp, route


def _error(status: int, message: str, field: str | None = None, **headers: str) -> JSONResponse:
    body: dict[str, Any] = {"error": message}
    if field is not None:
        body["field"] = field
    return JSONResponse(body, status_code=status, headers=headers or None)


async def push(request: Request) -> Response:
    web: WebApp = request.app.state.web
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return _error(
            401, "send a push token as 'Authorization: Bearer <token>'", **{"www-authenticate": "Bearer"}
        )
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_REPORT + 65536:
        return _error(413, f"the body is larger than {MAX_REPORT // (1024 * 1024)} MB")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_REPORT + 65536:
            return _error(413, f"the body is larger than {MAX_REPORT // (1024 * 1024)} MB")
    return await run_in_threadpool(_record, web, token.strip(), bytes(body))


def _record(web: WebApp, token: str, body: bytes) -> Response:
    try:
        with web.db.session() as db:
            row = accounts.api_token(db, token, scope="push")
            if row is None:
                return _error(401, "the push token is wrong or revoked", **{"www-authenticate": "Bearer"})
            try:
                document = orjson.loads(body)
            except orjson.JSONDecodeError as err:
                return _error(422, f"the body is not JSON ({err})", field="(body)")
            if not isinstance(document, dict):
                return _error(422, "the body must be a JSON object", field="(body)")
            envelope = "report" in document
            report_data = document["report"] if envelope else document
            prefix = "report." if envelope else ""
            meta = {k: document.get(k) for k in ("commit", "ref", "ci_url")} if envelope else {}
            for key, value in meta.items():
                if value is not None and not isinstance(value, str):
                    return _error(422, "must be a string", field=key)
            try:
                report = parse_report(
                    report_data if isinstance(report_data, dict) else orjson.dumps(report_data)
                )
                done = record_run(
                    db,
                    report,
                    Provenance(
                        "push", f"token:{row.name}", meta.get("commit"), meta.get("ref"), meta.get("ci_url")
                    ),
                )
            except ReportError as err:
                return _error(422, err.detail, field=prefix + err.field if err.field else None)
            return JSONResponse(
                {
                    "run": done.assessment_id,
                    "system": done.system,
                    "created": done.created,
                    "url": f"/systems/{done.system_id}?run={done.assessment_id}",
                },
                status_code=201 if done.created else 200,
            )
    except StoreError as err:
        return _error(503, str(err))


extension = Extension(name="api", routes=[route("/api/v1/runs", push, ("POST",))])
