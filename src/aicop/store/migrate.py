"""Schema migrations: Alembic, driven from Python, with the scripts shipped inside the package.

Each aicop app that keeps tables is one entry of ``APPS``: the module that declares its models (on
``aicop.store.models.Base``) and the package that holds its Alembic revisions. Each app's revisions are
their own Alembic *branch* (``branch_labels = ("<app>",)`` on its first revision, which
``depends_on`` the store's first revision when its tables point at users or systems), so apps add
migrations without touching each other's history; ``upgrade("heads")`` brings every branch up.

``ensure_migrated`` is what every command calls before using a store: a new SQLite file is migrated on
first use; any other database that is behind (or was never migrated) is refused with a message that says
to run ``aicop store migrate`` — a server's schema changes when its operator decides, not when a
command happens to start.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from alembic.command import upgrade
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, inspect
from sqlalchemy.exc import SQLAlchemyError

from aicop.store.db import Database, StoreError, error_reason, shown, unreachable


@dataclass(frozen=True)
class App:
    name: str
    models: str  # module declaring the app's tables on aicop.store.models.Base
    versions: str  # package holding the app's Alembic revisions


# Add one line here for a new app with tables (and a first revision with branch_labels=("<name>",)).
APPS: tuple[App, ...] = (
    App("store", "aicop.store.models", "aicop.store.migrations.versions"),
    App("consult", "aicop.consult.models", "aicop.consult.migrations"),
)


def target_metadata() -> MetaData:
    """The metadata of every app's tables (importing each app's models registers them on Base)."""
    from aicop.store.models import Base

    for app in APPS:
        importlib.import_module(app.models)
    return Base.metadata


def _package_dir(package: str) -> str:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise StoreError(f"the migrations package {package} is missing from this installation")
    return str(Path(next(iter(spec.submodule_search_locations))))


def _locations() -> tuple[str, tuple[str, ...]]:
    """(the folder of env.py, the folders of every app's revisions)."""
    return _package_dir("aicop.store.migrations"), tuple(_package_dir(a.versions) for a in APPS)


def alembic_config() -> Config:
    return _config(*_locations())


def _config(script_location: str, version_locations: tuple[str, ...]) -> Config:
    config = Config()
    config.set_main_option("script_location", script_location)
    config.set_main_option("version_locations", " ".join(version_locations))
    config.set_main_option("path_separator", "space")
    return config


def scripts() -> ScriptDirectory:
    """The revisions of every app in ``APPS``, read once per process for the same folders (Alembic
    executes each revision file to build this; they do not change while aicop runs)."""
    return _scripts(*_locations())


@functools.lru_cache(maxsize=4)
def _scripts(script_location: str, version_locations: tuple[str, ...]) -> ScriptDirectory:
    return ScriptDirectory.from_config(_config(script_location, version_locations))


def heads() -> set[str]:
    return set(scripts().get_heads())


def up_to_date(at: set[str]) -> bool:
    """Whether revisions ``at`` include every head: a head another app's revision depends on is not
    in the version table itself, only reached through that dependency."""
    if not at:
        return False
    script = scripts()
    applied = {r.revision for r in script.revision_map.iterate_revisions(tuple(at), "base") if r is not None}
    return set(script.get_heads()) <= applied


def current(db: Database) -> set[str]:
    """The revisions the database is at (empty: never migrated)."""
    try:
        with db.engine.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads())
    except SQLAlchemyError as err:
        raise unreachable(db.url, err) from None


def migrate(db: Database) -> tuple[set[str], set[str]]:
    """Bring every app's tables up to date; returns (revisions before, after)."""
    before = current(db)
    config = alembic_config()
    try:
        with db.engine.begin() as conn:
            config.attributes["connection"] = conn
            upgrade(config, "heads")
    except SQLAlchemyError as err:
        raise StoreError(
            f"{shown(db.url)}: migration failed, nothing was changed ({error_reason(err)})"
        ) from None
    return before, current(db)


def ensure_migrated(db: Database) -> None:
    """Migrate a new, empty SQLite store; refuse any other store that is not at the newest schema."""
    at = current(db)
    if up_to_date(at):
        return
    if db.engine.dialect.name == "sqlite" and not at and not _has_tables(db):
        migrate(db)
        return
    known = {r.revision for r in scripts().walk_revisions()}
    if not at:
        problem = "holds no aicop store (it was never migrated)"
    elif not at <= known:
        newer = ", ".join(sorted(at - known))
        raise StoreError(f"{shown(db.url)}: was migrated by a newer aicop (revision {newer}); upgrade aicop")
    else:
        problem = "is at an older schema"
    raise StoreError(
        f"{shown(db.url)}: {problem}; run 'aicop store migrate' (with the same --db or AICOP_DB_URL)"
    )


def _has_tables(db: Database) -> bool:
    with db.engine.connect() as conn:
        return bool(inspect(conn).get_table_names())
