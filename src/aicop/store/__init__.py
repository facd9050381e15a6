"""aicop's store: systems, runs of ``aicop assess``, attestations, exclusions, users, API tokens and an
append-only event log, in SQLite (the default) or PostgreSQL, behind ``aicop serve`` and ``aicop store``.

Other apps reuse it: ``Database`` (engine and sessions from a URL), ``open_database`` (reachable and
migrated, or a ``StoreError``), ``aicop.store.models.Base`` for their tables and
``aicop.store.migrate.APPS`` for their migrations.
"""

from __future__ import annotations

from pathlib import Path

from aicop.store.db import Database, StoreError, database_url, shown

__all__ = ["Database", "StoreError", "database_url", "open_database", "shown"]


def open_database(db: Path | None = None, url: str | None = None, *, migrate: bool = True) -> Database:
    """The store named by ``url``, else ``--db PATH``, else ``AICOP_DB_URL``, else the default SQLite
    file; reachable and at the newest schema (a new SQLite file is migrated here) or a ``StoreError``."""
    from aicop.store.migrate import ensure_migrated

    database = Database(url or database_url(db))
    database.check_reachable()
    if migrate:
        ensure_migrated(database)
    return database
