"""The web app's frame: the Starlette app factory, security headers, sessions, CSRF, roles, templates.

Every page is a plain function ``handler(ctx: Ctx, **path_params) -> Response`` wrapped by ``page``.
The wrapper does, in order: read the form of a POST (bounded), run the rest in a worker thread (the
store is synchronous SQLAlchemy), open a database session, find the signed-in user from the session
cookie, send a visitor who is not signed in to the login page, refuse a role that is too low (403),
refuse a POST whose CSRF token is missing or wrong (403) or whose Origin is another site, and turn a
``WebError`` or ``StoreError`` into an error page; nothing a handler writes is committed when it
fails. Pages are rendered by Jinja2 with autoescape on for every template and ``StrictUndefined``.

Why no FastAPI: pages are server-rendered forms, not a typed JSON API, and Starlette (already the
gateway's dependency) gives routing, forms and responses without a second framework.
"""

from __future__ import annotations

import datetime as dt
import importlib
import secrets
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Concatenate, ParamSpec
from urllib.parse import quote, urlsplit

from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aicop.store import accounts
from aicop.store.db import Database, StoreError
from aicop.store.models import Role, Setting, User
from aicop.web.security import LoginThrottle, csrf_ok, csrf_token

SESSION_COOKIE = "aicop_session"
PRE_COOKIE = "aicop_pre"  # a random value the login form's CSRF token is bound to before sign-in
ROLE_RANK = {Role.VIEWER: 0, Role.OWNER: 1, Role.ASSESSOR: 2, Role.ADMIN: 3}
MAX_FORM_FIELD = 64 * 1024
MAX_UPLOAD = 32 * 1024 * 1024

# default-src 'none': nothing runs or loads that is not named here; no script at all, no inline style.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    (b"cache-control", b"no-store"),
]


class WebError(Exception):
    """A page that cannot be shown as asked: rendered as an error page with this status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class NavLink:
    label: str
    path: str
    role: Role | None = Role.VIEWER  # the least role that sees the link; None: everyone, signed in or not


@dataclass(frozen=True)
class Extension:
    """An app mounted into ``aicop serve``: its routes, its templates (the ``templates`` folder of the
    package named, its files under a folder of the extension's name), and its links in the navigation."""

    name: str
    routes: Sequence[BaseRoute]
    templates_package: str | None = None
    nav: Sequence[NavLink] = ()


@dataclass
class Settings:
    secure_cookies: bool = True  # browsers treat http://127.0.0.1 and localhost as secure contexts
    session_hours: int = accounts.SESSION_HOURS
    throttle: LoginThrottle = field(default_factory=LoginThrottle)


@dataclass
class Upload:
    filename: str
    data: bytes


@dataclass
class Ctx:
    """What a handler gets: the request, a database session, the user, the form and the means to answer."""

    request: Request
    db: Session
    user: User | None
    form: dict[str, str]
    files: dict[str, Upload]
    csrf: str
    app: WebApp
    cookies_to_set: list[tuple[str, str, int | None]] = field(default_factory=list)

    @property
    def actor(self) -> str:
        return self.user.username if self.user else "anonymous"

    def has(self, role: Role) -> bool:
        return self.user is not None and ROLE_RANK[Role(self.user.role)] >= ROLE_RANK[role]

    def require(self, role: Role) -> None:
        if not self.has(role):
            raise WebError(403, f"this needs the {role.value} role or higher")

    def field(self, name: str, *, required: bool = True, max_length: int = 10_000) -> str:
        value = self.form.get(name, "").strip()
        if required and not value:
            raise WebError(422, f"the field {name!r} is required")
        if len(value) > max_length:
            raise WebError(422, f"the field {name!r} has more than {max_length} characters")
        return value

    def render(self, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
        html = self.app.templates.get_template(template).render(**self.template_values(), **values)
        return HTMLResponse(html, status_code=status_code)

    def template_values(self) -> dict[str, Any]:
        return {
            "user": self.user,
            "csrf": self.csrf,
            "csrf_input": Markup('<input type="hidden" name="csrf" value="{}">').format(self.csrf),
            "nav": [n for n in self.app.nav if n.role is None or self.has(n.role)],
            "path": self.request.url.path,
            "query": self.request.query_params,
            "url_with": lambda **kw: url_with(self.request, **kw),
        }

    def record(self, action: str, subject_type: str, subject_id: object, **detail: Any) -> None:
        accounts.record(self.db, self.actor, action, subject_type, subject_id, **detail)


Handler = Callable[..., Response]
P = ParamSpec("P")


def page(
    role: Role | None = Role.VIEWER, *, max_upload: int = MAX_UPLOAD
) -> Callable[[Callable[Concatenate[Ctx, P], Response]], Callable[[Request], Awaitable[Response]]]:
    """Make ``handler(ctx, **path_params)`` a Starlette endpoint. ``role``: the least role that may open
    the page (None: anyone, e.g. the login page); a POST needs a valid CSRF token whatever the role."""

    def wrap(handler: Callable[Concatenate[Ctx, P], Response]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            app: WebApp = request.app.state.web
            form: dict[str, str] = {}
            files: dict[str, Upload] = {}
            if request.method == "POST":
                try:
                    form, files = await _read_form(request, max_upload)
                except WebError as err:
                    return app.error_page(request, err.status, err.message)
            return await run_in_threadpool(app.handle, request, handler, role, form, files)

        endpoint.__name__ = handler.__name__
        endpoint.__doc__ = handler.__doc__
        return endpoint

    return wrap


async def _read_form(request: Request, max_upload: int) -> tuple[dict[str, str], dict[str, Upload]]:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > max_upload + 1024 * 1024:
        raise WebError(413, f"the upload is larger than {max_upload // (1024 * 1024)} MB")
    try:
        async with request.form(max_files=4, max_fields=200, max_part_size=MAX_FORM_FIELD) as data:
            form: dict[str, str] = {}
            files: dict[str, Upload] = {}
            for key, value in data.multi_items():
                if isinstance(value, UploadFile):
                    content = await value.read(max_upload + 1)
                    if len(content) > max_upload:
                        raise WebError(413, f"the upload is larger than {max_upload // (1024 * 1024)} MB")
                    files[key] = Upload(value.filename or "upload", content)
                else:
                    form[key] = value
            return form, files
    except WebError:
        raise
    except Exception as err:  # multipart's own errors: a malformed body is the sender's mistake
        raise WebError(400, f"the form could not be read ({type(err).__name__})") from None


class WebApp:
    """State shared by every request: the store, the templates, the CSRF key, the settings."""

    def __init__(self, db: Database, extensions: Sequence[Extension], settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.extensions = list(extensions)
        self.nav = [n for e in self.extensions for n in e.nav]
        loaders = [PackageLoader("aicop.web", "templates")] + [
            PackageLoader(e.templates_package, "templates") for e in self.extensions if e.templates_package
        ]
        self.templates = Environment(
            loader=ChoiceLoader(loaders),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates.filters["when"] = _when
        self._secrets: dict[str, bytes] = {}
        self.csrf_key = self.secret("csrf_key")

    def secret(self, name: str, session: Session | None = None) -> bytes:
        """The store's random key ``name`` (made on first use, shared by every process on the store), read
        once per process. Given a request's ``session``, it is made inside a savepoint of it (a second
        session would wait on SQLite's lock that the request holds), so losing a race to make it undoes
        only the savepoint, not the request's work."""
        if name not in self._secrets:
            if session is None:
                with self.db.session() as own:
                    self._secrets[name] = _secret_in(own, name)
            else:
                self._secrets[name] = _secret_in(session, name)
        return self._secrets[name]

    def handle(
        self,
        request: Request,
        handler: Handler,
        role: Role | None,
        form: dict[str, str],
        files: dict[str, Upload],
    ) -> Response:
        session_token = request.cookies.get(SESSION_COOKIE)
        pre = request.cookies.get(PRE_COOKIE)
        new_pre = None
        ctx: Ctx | None = None
        try:
            with self.db.session() as db:
                user = accounts.session_user(db, session_token)
                bound = session_token if user is not None else pre
                if bound is None:
                    bound = new_pre = secrets.token_urlsafe(24)
                ctx = Ctx(request, db, user, form, files, csrf_token(self.csrf_key, bound), self)
                response = self._guarded(ctx, handler, role, bound)
        except WebError as err:
            response = self.error_page(request, err.status, err.message, user=None)
        except StoreError as err:
            response = self.error_page(request, 503, str(err), user=None)
        except OperationalError:  # the database went away after start: say so, without a trace
            response = self.error_page(request, 503, "the database cannot be reached; try again shortly")
        if new_pre is not None:
            self.set_cookie(response, PRE_COOKIE, new_pre, max_age=None)
        for name, value, max_age in ctx.cookies_to_set if ctx is not None else ():
            self.set_cookie(response, name, value, max_age=max_age)
        return response

    def _guarded(self, ctx: Ctx, handler: Handler, role: Role | None, bound: str) -> Response:
        request = ctx.request
        if request.method == "POST":
            if not _same_origin(request):
                raise WebError(403, "this form was sent from another site")
            if not csrf_ok(self.csrf_key, bound, ctx.form.get("csrf")):
                raise WebError(
                    403, "the form's CSRF token is missing or out of date: reload the page and retry"
                )
        if role is not None:
            if ctx.user is None:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                if request.method != "GET":
                    raise WebError(401, "sign in first")
                return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
            if ctx.user.must_change_password and request.url.path not in ("/account/password", "/logout"):
                return RedirectResponse("/account/password", status_code=303)
            ctx.require(role)
        return handler(ctx, **request.path_params)

    def set_cookie(self, response: Response, name: str, value: str, *, max_age: int | None) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            httponly=True,
            secure=self.settings.secure_cookies,
            samesite="lax" if name == SESSION_COOKIE else "strict",
            path="/",
        )

    def error_page(
        self, request: Request, status: int, message: str, user: User | None = None
    ) -> HTMLResponse:
        html = self.templates.get_template("error.html").render(
            user=user, nav=[], status=status, message=message, path=request.url.path, csrf="", csrf_input=""
        )
        return HTMLResponse(html, status_code=status)


def _same_origin(request: Request) -> bool:
    """A POST that names its Origin (every current browser does) must come from this site."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    host = request.headers.get("host", "")
    return urlsplit(origin).netloc == host


def _when(value: dt.datetime | dt.date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def url_with(request: Request, **changes: object) -> str:
    """This page's URL with some query parameters changed (None removes one): filters and paging links
    that survive a reload."""
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    from urllib.parse import urlencode

    query = urlencode(sorted(params.items()))
    return request.url.path + (f"?{query}" if query else "")


class SecurityHeaders:
    """Adds the security headers to every response, error pages and static files included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in SECURITY_HEADERS if n not in names]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


# Extensions ``aicop serve`` mounts, as "module:attribute" (imported when the app is built).
EXTENSIONS: tuple[str, ...] = (
    "aicop.web.dashboard:extension",
    "aicop.web.api:extension",
    "aicop.web.accounts:extension",
    "aicop.consult.web:extension",
)


def load_extensions(names: Iterable[str] = EXTENSIONS) -> list[Extension]:
    found = []
    for name in names:
        module, _, attribute = name.partition(":")
        found.append(getattr(importlib.import_module(module), attribute))
    return found


def create_app(
    db: Database,
    *,
    extensions: Sequence[Extension] | None = None,
    settings: Settings | None = None,
) -> Starlette:
    """The ASGI app over ``db`` (reachable and migrated: see ``aicop.store.open_database``)."""
    chosen = load_extensions() if extensions is None else list(extensions)
    web = WebApp(db, chosen, settings or Settings())
    routes: list[BaseRoute] = [
        Mount("/static", app=StaticFiles(packages=[("aicop.web", "static")]), name="static"),
    ]
    for extension in chosen:
        routes.extend(extension.routes)
    app = Starlette(routes=routes, exception_handlers=_error_handlers(web))
    app.state.web = web
    app.add_middleware(SecurityHeaders)
    return app


def _error_handlers(web: WebApp) -> Mapping[Any, Callable[..., Any]]:
    from starlette.exceptions import HTTPException

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        message = {404: "no such page", 405: "this page does not take that method"}.get(
            status, "the request could not be served"
        )
        return web.error_page(request, status, message)

    async def server_error(request: Request, exc: Exception) -> Response:
        return web.error_page(request, 500, "internal error: the server's log has the details")

    return {HTTPException: http_error, 500: server_error}


def route(
    path: str, endpoint: Callable[[Request], Awaitable[Response]], methods: Sequence[str] = ("GET",)
) -> Route:
    return Route(path, endpoint, methods=list(methods))


__all__ = [
    "Ctx",
    "Extension",
    "NavLink",
    "Settings",
    "WebError",
    "create_app",
    "page",
    "route",
]


def _secret_in(session: Session, name: str) -> bytes:
    row = session.get(Setting, name)
    if row is None:
        try:
            with session.begin_nested():
                session.add(Setting(key=name, value=secrets.token_hex(32)))
        except IntegrityError:  # another process made it first
            pass
        row = session.get(Setting, name)
    assert row is not None
    return bytes.fromhex(row.value)
