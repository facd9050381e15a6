from __future__ import annotations

from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from aicop.store import Database, StoreError, open_database
from aicop.store.migrate import current, migrate, up_to_date
from tests.store.conftest import pg_schema_url


def test_a_new_sqlite_file_is_migrated_on_first_use(tmp_path: Path) -> None:
    db = open_database(tmp_path / "new" / "store.sqlite3")
    assert up_to_date(current(db))  # every head reached (an app branch depends_on 0001_store)
    assert (tmp_path / "new" / "store.sqlite3").is_file()


def test_the_revisions_are_read_once_per_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store is opened by every command and web worker: Alembic's ScriptDirectory (which executes
    every revision file) is built once for the up-to-date checks, and once more by the migration."""
    import aicop.store.migrate as m

    built: list[Config] = []
    real = ScriptDirectory.from_config

    def from_config(config: Config) -> ScriptDirectory:
        built.append(config)
        return real(config)

    m._scripts.cache_clear()
    monkeypatch.setattr(ScriptDirectory, "from_config", from_config)
    for _ in range(3):  # migrated on first use, then found up to date twice
        db = open_database(tmp_path / "store.sqlite3")
    assert up_to_date(current(db)) and len(built) == 2


def test_a_sqlite_file_of_something_else_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    Database(f"sqlite:///{path}").engine.connect().execute(text("CREATE TABLE notes (x)")).close()
    with pytest.raises(StoreError, match=r"never migrated\); run 'aicop store migrate'"):
        open_database(path)


def test_an_unmigrated_postgresql_database_is_refused(pg_database: str) -> None:
    url = pg_schema_url(pg_database)
    with pytest.raises(StoreError, match=r"holds no aicop store .* run 'aicop store migrate'"):
        open_database(url=url)
    migrate(Database(url))
    assert up_to_date(current(open_database(url=url)))


def test_a_database_that_is_down_is_named_with_its_password_hidden() -> None:
    with pytest.raises(StoreError) as err:
        open_database(url="postgresql://aicop:s3cret@127.0.0.1:9/none")
    assert "cannot be reached" in str(err.value)
    assert "s3cret" not in str(err.value) and "***" in str(err.value)


def test_the_event_log_refuses_update_and_delete(any_db: Database) -> None:
    with any_db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO events (at, actor, action, subject_type, subject_id, detail) "
                "VALUES (CURRENT_TIMESTAMP, 'a', 'x', 'system', '1', '{}')"
            )
        )
    for statement in ("UPDATE events SET actor = 'mallory'", "DELETE FROM events"):
        with pytest.raises(DBAPIError, match="append-only"), any_db.engine.begin() as conn:
            conn.execute(text(statement))
    with any_db.engine.connect() as conn:
        assert conn.execute(text("SELECT actor FROM events")).scalars().all() == ["a"]


def test_cli_not_migrated_and_down_exit_2(run_cli, monkeypatch: pytest.MonkeyPatch, pg_database: str) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AICOP_DB_URL", pg_schema_url(pg_database))
    result = run_cli("serve", "--port", "0")
    assert result.code == 2 and "run 'aicop store migrate'" in result.err
    assert run_cli("store", "migrate").code == 0
    monkeypatch.setenv("AICOP_DB_URL", "postgresql://postgres@127.0.0.1:9/none")
    result = run_cli("store", "migrate")
    assert result.code == 2 and "cannot be reached" in result.err and "Traceback" not in result.err


APP_MODELS = """
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from aicop.store.models import Base, Id


class Answer(Base):
    __tablename__ = "otherapp_answers"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(Id, ForeignKey("users.id"))
"""
APP_REVISION = """
import sqlalchemy as sa
from alembic import op

revision = "0001_otherapp"
down_revision = None
branch_labels = ("otherapp",)
depends_on = "0001_store"


def upgrade():
    op.create_table(
        "otherapp_answers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id")),
    )


def downgrade():
    op.drop_table("otherapp_answers")
"""


def test_another_app_brings_its_own_branch_of_migrations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What aicop.web's docstring tells another app to do, done: its tables arrive with the store's,
    and the store then counts as up to date."""
    import aicop.store.migrate as m

    package = tmp_path / "otherapp"
    (package / "migrations").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "migrations" / "__init__.py").write_text("")
    (package / "models.py").write_text(APP_MODELS)
    (package / "migrations" / "r0001.py").write_text(APP_REVISION)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(m, "APPS", (*m.APPS, m.App("otherapp", "otherapp.models", "otherapp.migrations")))
    db = open_database(tmp_path / "store.sqlite3")
    with db.engine.connect() as conn:
        conn.execute(text("SELECT id, user_id FROM otherapp_answers")).all()
    assert {"0001_store", "0001_otherapp"} <= m.heads()  # beside the apps aicop ships
    assert m.up_to_date(current(db))
    open_database(tmp_path / "store.sqlite3")  # opened again: nothing to do, nothing refused
