"""aicop's web frame, shared by ``aicop serve`` (the dashboard) and any other app that needs pages.

How another app plugs in (e.g. ``aicop consult``'s survey):

1. Pages. Write handlers ``def survey(ctx: Ctx, **path_params) -> Response`` decorated with
   ``@page(role=Role.VIEWER)`` (``role=None`` for a page anyone may open without signing in). The
   decorator reads a POST's form into ``ctx.form`` / ``ctx.files`` (bounded), checks its CSRF token and
   Origin, loads ``ctx.user`` from the session cookie, enforces the role, and runs the handler in a
   worker thread with ``ctx.db``, a SQLAlchemy session committed when the handler returns and rolled
   back when it raises. Raise ``WebError(status, message)`` for an error page. Every form must contain
   ``{{ csrf_input }}``. Answer with ``ctx.render("consult/page.html", **values)`` or any Starlette
   response; ``ctx.record(action, subject_type, subject_id, **detail)`` appends to the event log.
2. Templates. Put them in ``<your package>/templates/<your app name>/`` and start each with
   ``{% extends "base.html" %}`` (blocks ``title`` and ``main``). Autoescape is on everywhere,
   undefined names are errors, and the Content-Security-Policy allows no script and no inline style:
   add classes to ``aicop/web/static/style.css`` instead.
3. Mounting. Export ``extension = Extension(name="consult", routes=[route("/consult", survey,
   ("GET", "POST"))], templates_package="aicop.consult", nav=[NavLink("Survey", "/consult")])`` from a
   module and add ``"aicop.consult.web:extension"`` to ``aicop.web.app.EXTENSIONS``.
4. Tables. Declare models on ``aicop.store.models.Base`` with table names prefixed by your app
   (``consult_responses``; foreign keys to ``users.id`` or ``systems.id`` are fine). Add
   ``App("consult", "aicop.consult.models", "aicop.consult.migrations")`` to
   ``aicop.store.migrate.APPS``, and put your Alembic revisions in that package (with an
   ``__init__.py``): the first has ``branch_labels = ("consult",)``, ``down_revision = None`` and
   ``depends_on = "0001_store"``. ``aicop store migrate`` then upgrades every app's branch.
   Tests: ``aicop.store.open_database(url=...)`` gives a migrated database; ``create_app(db)`` the ASGI
   app (``Settings(secure_cookies=False)`` for Starlette's TestClient over plain http).
"""

from __future__ import annotations

from aicop.web.app import Ctx, Extension, NavLink, Settings, WebError, create_app, page, route

__all__ = ["Ctx", "Extension", "NavLink", "Settings", "WebError", "create_app", "page", "route"]
