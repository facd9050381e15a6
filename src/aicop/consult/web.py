"""``aicop consult serve``: the Call for Views as an online survey, in the GOV.UK Design System.

Mounted into aicop's web frame (sessions, CSRF, Origin check, security headers, the store) as an
extension. Anyone may answer without an account. One page per question group; the routing of the
questionnaire decides which pages and questions a respondent sees, and every POST is checked on the
server by :func:`aicop.consult.questionnaire.check_answers` (an answer to a question the routing
skipped, or an option that does not exist, is refused with an error summary that names the question).

Save and resume: a draft is named by a random key; the private link carries the key and an expiry,
signed with HMAC-SHA256 under a key kept in the store, so a tampered or expired link is refused. A
respondent is anonymous unless they choose to give a name; the identity is stored in its own table,
apart from the answers, and shown on no page. Submitting twice (a double click, the back button, a
replayed form) stores one response: the draft's key is unique among responses.

Pages are rendered with the ``govuk-frontend-jinja`` macros (GOV.UK Frontend 6.3 markup) by an
environment of this module's own: the frame's environment is strict about undefined names, which the
macros rely on. GOV.UK Frontend's stylesheet is committed under ``static/`` (MIT; fetched from the npm
registry by ``tools/vendor_govuk_frontend.py``, with its ``@font-face`` rules removed, since the GDS
Transport font may only be used on gov.uk services, and no script: every page works without
JavaScript, which the frame's Content-Security-Policy forbids anyway). A fresh machine has Python and
make but no npm, so the file is committed rather than built.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from aicop.consult.models import Draft, Identity, SurveyResponse
from aicop.consult.questionnaire import (
    AnswerProblem,
    Group,
    Question,
    Questionnaire,
    check_answers,
    load_questionnaire,
)
from aicop.store.models import Role
from aicop.web import Ctx, Extension, NavLink, WebError, page, route

DRAFT_COOKIE = "aicop_consult_draft"
LINK_DAYS = 28
IDENTITY_FIELDS = {"name": 200, "email": 254, "organisation": 200}


@dataclass
class SurveySettings:
    """What ``aicop consult serve`` sets: the questionnaire and when the survey takes answers (the
    questionnaire's own dates unless overridden: the seed's closed in July 2024)."""

    questionnaire: str | None = os.environ.get("AICOP_CONSULT_QUESTIONNAIRE")
    opens: dt.date | None = None
    closes: dt.date | None = None
    link_days: int = LINK_DAYS

    def load(self) -> Questionnaire:
        return _questionnaire(self.questionnaire)

    def window(self) -> tuple[dt.date, dt.date]:
        q = self.load()
        return (self.opens or q.opens, self.closes or q.closes)


SETTINGS = SurveySettings()


@lru_cache(maxsize=4)
def _questionnaire(source: str | None) -> Questionnaire:
    return load_questionnaire(source)


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader(
            [
                PackageLoader("aicop.consult", "templates"),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja", "templates")}),
            ]
        ),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals |= {"errors_list": _errors_list, "choice_items": _choice_items, "summary_rows": _summary_rows}
    return env


def _errors_list(errors: dict[str, str]) -> list[dict[str, str]]:
    """The error summary's links: each goes to the field of the question it names."""
    return [{"text": message, "href": f"#{field}"} for field, message in errors.items()]


def _choice_items(question: Question, given: object, multiple: bool) -> list[dict[str, object]]:
    chosen = [given] if isinstance(given, str) else (given if isinstance(given, list) else [])
    items: list[dict[str, object]] = []
    for option in question.options:
        item: dict[str, object] = {"value": option.id, "text": option.label, "checked": option.id in chosen}
        if multiple:
            item["name"] = f"{question.id}.{option.id}"
        items.append(item)
    return items


def _summary_rows(rows: list[tuple[Group, Question, list[str]]], group: Group) -> list[dict[str, object]]:
    return [
        {
            "key": {"text": f"{question.id}. {question.text}"},
            "value": {"html": Markup("<br>").join(lines)},
            "actions": {
                "items": [
                    {
                        "href": f"/consult/page/{group.id}#{question.id}",
                        "text": "Change",
                        "visuallyHiddenText": f"your answer to {question.id}",
                    }
                ]
            },
        }
        for row_group, question, lines in rows
        if row_group.id == group.id
    ]


def _render(ctx: Ctx, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    q = SETTINGS.load()
    opens, closes = SETTINGS.window()
    html = (
        _environment()
        .get_template(template)
        .render(
            csrf_input=Markup('<input type="hidden" name="csrf" value="{}">').format(ctx.csrf),
            questionnaire=q,
            opens=opens,
            closes=closes,
            **values,
        )
    )
    return HTMLResponse(html, status_code=status_code)


# -- signed, expiring links ------------------------------------------------------------------------


def _link_key(ctx: Ctx) -> bytes:
    return ctx.app.secret("consult_link_key", ctx.db)


def sign(key: bytes, draft_key: str, expires: dt.datetime) -> str:
    payload = f"{draft_key}.{int(expires.timestamp())}"
    mac = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    return payload + "." + base64.urlsafe_b64encode(mac).decode().rstrip("=")


def verify(key: bytes, token: str, now: dt.datetime) -> str:
    """The draft key a token names; WebError 400 for a tampered token, 410 for an expired one."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        raise WebError(400, "This link is not valid. Check you copied all of it, or start again.")
    draft_key, expires, mac = parts
    expected = (
        base64.urlsafe_b64encode(hmac.new(key, f"{draft_key}.{expires}".encode(), hashlib.sha256).digest())
        .decode()
        .rstrip("=")
    )
    if not hmac.compare_digest(mac, expected):
        raise WebError(400, "This link is not valid. Check you copied all of it, or start again.")
    if int(expires) < now.timestamp():
        raise WebError(
            410, "This link has expired. Your answers were kept for a limited time; please start again."
        )
    return draft_key


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _draft(ctx: Ctx) -> Draft | None:
    token = ctx.request.cookies.get(DRAFT_COOKIE)
    if not token:
        return None
    try:
        key = verify(_link_key(ctx), token, _now())
    except WebError:
        return None
    return ctx.db.scalars(select(Draft).where(Draft.key == key)).first()


def _open(ctx: Ctx) -> Response | None:
    """The "closed" or "not yet open" page when the survey takes no answers today, else None."""
    opens, closes = SETTINGS.window()
    today = _now().date()
    if today < opens or today > closes:
        return _render(ctx, "consult/closed.html", status_code=403, not_yet=today < opens)
    return None


def _live_draft(ctx: Ctx, *, unsubmitted: bool = True) -> Draft | Response:
    """This visitor's draft while the survey is open, else the page to send them to instead: the closed
    page, the start (no draft), or the confirmation (already submitted, when ``unsubmitted``)."""
    closed = _open(ctx)
    if closed is not None:
        return closed
    draft = _draft(ctx)
    if draft is None:
        return RedirectResponse("/consult", status_code=303)
    if unsubmitted and draft.submitted_as:
        return RedirectResponse("/consult/confirmation", status_code=303)
    return draft


def _shown_groups(q: Questionnaire, answers: dict[str, Any]) -> list[Group]:
    return [g for g in q.groups if any(q.shown(question, answers) for question in g.questions)]


def _next_page(q: Questionnaire, answers: dict[str, Any], after: str | None) -> str:
    groups = _shown_groups(q, answers)
    ids = [g.id for g in groups]
    if after is None:
        return f"/consult/page/{ids[0]}"
    position = ids.index(after) + 1 if after in ids else len(ids)
    return f"/consult/page/{ids[position]}" if position < len(ids) else "/consult/identity"


def _prune(q: Questionnaire, answers: dict[str, Any]) -> dict[str, Any]:
    """Drop answers that the routing now skips (someone went back and changed Q1)."""
    while True:
        kept = {
            k: v
            for k, v in answers.items()
            if (k in q.by_id and q.shown(q.by_id[k], answers))
            or (k in q.follow_up_of and q.follow_up_shown(q.follow_up_of[k][1], answers))
        }
        if kept == answers:
            return kept
        answers = kept


# -- pages ---------------------------------------------------------------------------------------


@page(role=None)
def start(ctx: Ctx) -> Response:
    closed = _open(ctx)
    if closed is not None:
        return closed
    if ctx.request.method == "POST":
        q = SETTINGS.load()
        draft = Draft(key=secrets.token_urlsafe(32), questionnaire=q.id, answers={}, identity={},
                      created_at=_now(), updated_at=_now())  # fmt: skip
        ctx.db.add(draft)
        ctx.db.flush()
        response = RedirectResponse(_next_page(q, {}, None), status_code=303)
        _set_draft_cookie(ctx, draft)
        return response
    return _render(ctx, "consult/start.html")


def _set_draft_cookie(ctx: Ctx, draft: Draft) -> str:
    expires = _now() + dt.timedelta(days=SETTINGS.link_days)
    token = sign(_link_key(ctx), draft.key, expires)
    ctx.cookies_to_set.append((DRAFT_COOKIE, token, SETTINGS.link_days * 86400))
    return token


@page(role=None)
def question_page(ctx: Ctx, group: str) -> Response:
    draft = _live_draft(ctx)
    if not isinstance(draft, Draft):
        return draft
    q = SETTINGS.load()
    chosen = next((g for g in q.groups if g.id == group), None)
    if chosen is None:
        raise WebError(404, "no such page of the survey")
    answers = dict(draft.answers)
    if chosen not in _shown_groups(q, answers):
        return RedirectResponse(_next_page(q, answers, group), status_code=303)
    if ctx.request.method == "GET":
        return _render(
            ctx,
            "consult/page.html",
            group=chosen,
            answers=answers,
            errors={},
            **_page_values(q, chosen, answers),
        )
    given = _posted(chosen, ctx.form)
    merged = {k: v for k, v in answers.items() if k not in _keys_of(chosen)} | given
    errors = _problems(q, merged)
    if errors:
        return _render(ctx, "consult/page.html", status_code=422, group=chosen, answers=merged, errors=errors,
                       **_page_values(q, chosen, merged))  # fmt: skip
    draft.answers = _prune(q, check_answers(q, merged))
    draft.updated_at = _now()
    if ctx.form.get("action") == "save":
        token = _set_draft_cookie(ctx, draft)
        link = str(ctx.request.base_url).rstrip("/") + "/consult/resume?t=" + token
        return _render(ctx, "consult/saved.html", link=link, days=SETTINGS.link_days)
    return RedirectResponse(_next_page(q, draft.answers, group), status_code=303)


def _problems(q: Questionnaire, answers: dict[str, Any]) -> dict[str, str]:
    """Every problem of a page's answers (check_answers stops at the first): the error summary lists
    them all, each naming its question."""
    errors: dict[str, str] = {}
    remaining = dict(answers)
    while True:
        try:
            check_answers(q, remaining)
            order = [
                k for question in q.questions for k in (question.id, *(f.id for f in question.follow_ups))
            ]
            return dict(
                sorted(errors.items(), key=lambda e: order.index(e[0]) if e[0] in order else len(order))
            )
        except AnswerProblem as err:
            errors[err.question] = _message(q, err)
            remaining.pop(err.question, None)


def _keys_of(group: Group) -> set[str]:
    return {k for question in group.questions for k in (question.id, *(f.id for f in question.follow_ups))}


def _posted(group: Group, form: dict[str, str]) -> dict[str, Any]:
    """The answers a page's form carries. A multiple-choice question arrives as one field per option
    (``Q3=charity`` repeated is not kept by the frame's form reader), as ``Q3.<option>``."""
    out: dict[str, Any] = {}
    for question in group.questions:
        if question.type == "multiple_choice":
            chosen = [k.split(".", 1)[1] for k in form if k.startswith(question.id + ".")]
            if chosen:
                out[question.id] = chosen
        elif form.get(question.id):
            out[question.id] = form[question.id]
        for follow in question.follow_ups:
            if form.get(follow.id, "").strip():
                out[follow.id] = form[follow.id]
    for key in form:  # an answer to a question of another page is refused, not ignored
        base = key.split(".", 1)[0]
        if key not in ("csrf", "action") and base not in _keys_of(group) and base not in out:
            out[base] = form[key]
    return out


def _message(q: Questionnaire, err: AnswerProblem) -> str:
    """The error summary's words for a problem, naming the question as the respondent sees it."""
    question = q.by_id.get(err.question) or (
        q.follow_up_of[err.question][0] if err.question in q.follow_up_of else None
    )
    where = f"{question.id}" if question else err.question
    problem = err.problem.split(": ", 1)[1] if ": " in err.problem else err.problem
    if "no option" in problem:
        problem = "choose one of the options shown"
    return f"{where}: {problem}"


def _page_values(q: Questionnaire, group: Group, answers: dict[str, Any]) -> dict[str, Any]:
    shown = [question for question in group.questions if q.shown(question, answers)]
    return {"shown": shown, "is_last": _next_page(q, answers, group.id) == "/consult/identity"}


@page(role=None)
def identity(ctx: Ctx) -> Response:
    draft = _live_draft(ctx)  # a submitted draft's identity is gone with it: not to be given again
    if not isinstance(draft, Draft):
        return draft
    if ctx.request.method == "GET":
        return _render(ctx, "consult/identity.html", identity=draft.identity, errors={})
    choice = ctx.form.get("identified", "")
    errors: dict[str, str] = {}
    values = {name: ctx.form.get(name, "").strip() for name in IDENTITY_FIELDS}
    if choice not in ("yes", "no"):
        errors["identified"] = "Select whether you want to give your name"
    for name, limit in IDENTITY_FIELDS.items():
        if len(values[name]) > limit:
            errors[name] = f"The {name} must be {limit} characters or fewer"
    if choice == "yes" and not values["name"]:
        errors["name"] = "Enter your name, or choose to respond anonymously"
    if values["email"] and "@" not in values["email"]:
        errors["email"] = "Enter an email address in the correct format, like name@example.com"
    if errors:
        return _render(
            ctx,
            "consult/identity.html",
            status_code=422,
            identity={"identified": choice, **values},
            errors=errors,
        )
    draft.identity = {"identified": choice, **values} if choice == "yes" else {"identified": "no"}
    draft.updated_at = _now()
    return RedirectResponse("/consult/check", status_code=303)


@page(role=None)
def check(ctx: Ctx) -> Response:
    draft = _live_draft(ctx)
    if not isinstance(draft, Draft):
        return draft
    q = SETTINGS.load()
    rows = []
    for group in _shown_groups(q, draft.answers):
        for question in group.questions:
            if not q.shown(question, draft.answers):
                continue
            rows.append((group, question, _shown_answer(question, draft.answers)))
    return _render(ctx, "consult/check.html", rows=rows, identity=draft.identity, answers=draft.answers)


def _shown_answer(question: Question, answers: dict[str, Any]) -> list[str]:
    given = answers.get(question.id)
    chosen = [given] if isinstance(given, str) else (given or [])
    lines = [question.label(c) for c in chosen] or ["Not answered"]
    lines += [str(answers[f.id]) for f in question.follow_ups if f.id in answers]
    return lines


@page(role=None)
def submit(ctx: Ctx) -> Response:
    draft = _live_draft(ctx, unsubmitted=False)
    if not isinstance(draft, Draft):
        return draft
    q = SETTINGS.load()
    if draft.submitted_as is None:
        answers = check_answers(q, draft.answers)  # checked again: the draft may predate a change
        reference = "CFV-" + secrets.token_hex(4).upper()
        response = SurveyResponse(
            reference=reference, draft_key=draft.key, questionnaire=q.id, answers=answers, submitted_at=_now()
        )
        ctx.db.add(response)
        try:
            ctx.db.flush()  # a second submission of the same draft, at the same moment, fails here
        except IntegrityError:
            ctx.db.rollback()
            return RedirectResponse("/consult/confirmation", status_code=303)
        if draft.identity.get("identified") == "yes":
            ctx.db.add(
                Identity(response_id=response.id, **{k: draft.identity.get(k, "") for k in IDENTITY_FIELDS})
            )
        draft.submitted_as = reference
        draft.identity = {}
    return RedirectResponse("/consult/confirmation", status_code=303)


@page(role=None)
def confirmation(ctx: Ctx) -> Response:
    draft = _draft(ctx)
    if draft is None or not draft.submitted_as:
        return RedirectResponse("/consult", status_code=303)
    return _render(ctx, "consult/confirmation.html", reference=draft.submitted_as)


@page(role=None)
def resume(ctx: Ctx) -> Response:
    token = ctx.request.query_params.get("t", "")
    key = verify(_link_key(ctx), token, _now())
    draft = ctx.db.scalars(select(Draft).where(Draft.key == key)).first()
    if draft is None:
        raise WebError(
            410, "This link has expired. Your answers were kept for a limited time; please start again."
        )
    ctx.cookies_to_set.append((DRAFT_COOKIE, token, SETTINGS.link_days * 86400))
    if draft.submitted_as:
        return RedirectResponse("/consult/confirmation", status_code=303)
    q = SETTINGS.load()
    unanswered = [
        g for g in _shown_groups(q, draft.answers) if not any(k in draft.answers for k in _keys_of(g))
    ]
    target = f"/consult/page/{unanswered[0].id}" if unanswered else "/consult/check"
    return RedirectResponse(target, status_code=303)


@page(role=Role.VIEWER)
def export_responses(ctx: Ctx) -> Response:
    """The responses sent so far as CSV or JSON (``?format=json``): answers for any signed-in role;
    with ``?identities=1``, who sent them too, for the admin role only."""
    from aicop.consult.responses import Response as Answers
    from aicop.consult.transfer import export

    form = ctx.request.query_params.get("format", "csv")
    if form not in ("csv", "json"):
        raise WebError(400, "format is csv or json")
    with_identities = ctx.request.query_params.get("identities") == "1"
    if with_identities:
        ctx.require(Role.ADMIN)
    q = SETTINGS.load()
    rows = ctx.db.scalars(
        select(SurveyResponse).where(SurveyResponse.questionnaire == q.id).order_by(SurveyResponse.id)
    )
    sent = list(rows)
    people = None
    if with_identities:
        by_id = {i.response_id: i for i in ctx.db.scalars(select(Identity))}
        people = [
            {"response": r.reference, **{k: getattr(by_id[r.id], k) for k in IDENTITY_FIELDS}}
            for r in sent
            if r.id in by_id
        ]
    body = export([Answers(r.reference, dict(r.answers)) for r in sent], q, form, people)
    ctx.record("consult.export", "consult", q.id, identities=with_identities, responses=len(sent))
    media = "text/csv; charset=utf-8" if form == "csv" else "application/json"
    disposition = f'attachment; filename="{q.id}-responses.{form}"'
    return Response(body, media_type=media, headers={"content-disposition": disposition})


extension = Extension(
    name="consult",
    routes=[
        route("/consult", start, ("GET", "POST")),
        route("/consult/page/{group}", question_page, ("GET", "POST")),
        route("/consult/identity", identity, ("GET", "POST")),
        route("/consult/check", check),
        route("/consult/submit", submit, ("POST",)),
        route("/consult/confirmation", confirmation),
        route("/consult/resume", resume),
        route("/consult/responses", export_responses),
        Mount(
            "/consult/assets", app=StaticFiles(packages=[("aicop.consult", "static")]), name="consult-assets"
        ),
    ],
    nav=[NavLink("Call for Views", "/consult", role=None)],
)
