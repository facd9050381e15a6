"""Signing in and out, changing one's password, and the admin's pages for users and push tokens."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from aicop.store import accounts
from aicop.store.models import ApiToken, Role, User
from aicop.web.app import SESSION_COOKIE, Ctx, Extension, NavLink, WebError, page, route


def _safe_next(target: str) -> str:
    """Only a path on this site: ``next=https://evil.example`` or ``//evil.example`` becomes ``/``."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@page(role=None)
def login(ctx: Ctx) -> Response:
    """Sign in with a user name and password."""
    next_url = _safe_next(ctx.form.get("next") or ctx.request.query_params.get("next", "/"))
    if ctx.request.method == "GET":
        return ctx.render("login.html", next_url=next_url, error=None, username="")
    username = ctx.form.get("username", "").strip()[:100]
    password = ctx.form.get("password", "")[: accounts.MAX_PASSWORD + 1]
    client = ctx.request.client.host if ctx.request.client else "unknown"
    throttle = ctx.app.settings.throttle
    if not throttle.allowed(username, client):
        return ctx.render(
            "login.html",
            status_code=429,
            next_url=next_url,
            username=username,
            error="too many failed sign-ins: wait a minute and try again",
        )
    user = accounts.authenticate(ctx.db, username, password) if password else None
    if user is None:
        throttle.failed(username, client)
        return ctx.render(
            "login.html",
            status_code=401,
            next_url=next_url,
            username=username,
            error="wrong user name or password",
        )
    token = accounts.start_session(ctx.db, user)
    ctx.cookies_to_set.append((SESSION_COOKIE, token, ctx.app.settings.session_hours * 3600))
    return RedirectResponse("/account/password" if user.must_change_password else next_url, status_code=303)


@page(role=None)
def logout(ctx: Ctx) -> Response:
    accounts.end_session(ctx.db, ctx.request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@page(role=Role.VIEWER)
def change_password(ctx: Ctx) -> Response:
    """Set a new password (forced after a one-time password)."""
    assert ctx.user is not None
    if ctx.request.method == "GET":
        return ctx.render("password.html", error=None)
    current = ctx.form.get("current", "")
    new = ctx.form.get("new", "")
    if not accounts.verify_password(ctx.user.password_hash, current[: accounts.MAX_PASSWORD + 1]):
        return ctx.render("password.html", status_code=422, error="the current password is wrong")
    if new != ctx.form.get("repeat", ""):
        return ctx.render("password.html", status_code=422, error="the two new passwords differ")
    problem = accounts.password_problem(new)
    if problem:
        return ctx.render("password.html", status_code=422, error=problem)
    accounts.change_password(ctx.db, ctx.user, new)
    return RedirectResponse("/", status_code=303)


@page(role=Role.ADMIN)
def users(ctx: Ctx) -> Response:
    """Every user; an admin adds one with a role and a first password."""
    message = None
    if ctx.request.method == "POST":
        role_name = ctx.field("role")
        if role_name not in {r.value for r in Role}:
            raise WebError(422, f"the field 'role' must be one of {', '.join(r.value for r in Role)}")
        try:
            created = accounts.create_user(
                ctx.db,
                ctx.field("username", max_length=100),
                Role(role_name),
                ctx.form.get("password", ""),
                actor=ctx.actor,
            )
        except accounts.AccountError as err:
            raise WebError(422, str(err)) from None
        created.must_change_password = True
        message = f"added {created.username} ({created.role}); they choose a new password at first sign-in"
    rows = ctx.db.scalars(select(User).order_by(User.username)).all()
    return ctx.render("users.html", users=rows, roles=[r.value for r in Role], message=message)


@page(role=Role.ADMIN)
def tokens(ctx: Ctx) -> Response:
    """Push tokens: create one (shown once), revoke one."""
    shown = None
    if ctx.request.method == "POST":
        if ctx.form.get("revoke"):
            try:
                accounts.revoke_api_token(ctx.db, int(ctx.form["revoke"]), actor=ctx.actor)
            except (ValueError, accounts.AccountError) as err:
                raise WebError(422, f"the field 'revoke': {err}") from None
        else:
            try:
                _, shown = accounts.create_api_token(
                    ctx.db, ctx.field("name", max_length=100), actor=ctx.actor
                )
            except accounts.AccountError as err:
                raise WebError(422, str(err)) from None
    rows = ctx.db.scalars(select(ApiToken).order_by(ApiToken.created_at.desc())).all()
    return ctx.render("tokens.html", tokens=rows, new_token=shown)


extension = Extension(
    name="accounts",
    routes=[
        route("/login", login, ("GET", "POST")),
        route("/logout", logout, ("POST",)),
        route("/account/password", change_password, ("GET", "POST")),
        route("/admin/users", users, ("GET", "POST")),
        route("/admin/tokens", tokens, ("GET", "POST")),
    ],
    nav=[NavLink("Users", "/admin/users", Role.ADMIN), NavLink("Tokens", "/admin/tokens", Role.ADMIN)],
)
