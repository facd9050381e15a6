"""A second, queryable copy of the gateway's audit log in PostgreSQL (SQLAlchemy Core, psycopg 3).

The file is the record of what the gateway acknowledged; the database copy is for queries and for
keeping the log away from the gateway's host. Records go through a bounded queue to one writer
thread, which inserts them in batches (``ON CONFLICT (seq) DO NOTHING``, so a restart that re-sends
is harmless) and retries a lost connection with back-off. If the database stays away long enough for
the queue to fill, the oldest unsent records are counted as dropped and reported in the structured log
and on close: the file still has them, and ``aicop audit verify`` checks the file.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from typing import Any

log = logging.getLogger("aicop.gateway.pgsink")
TABLE = "aicop_gateway_audit"


def engine_url(url: str) -> str:
    """SQLAlchemy's name for a postgresql:// URL driven by psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class PostgresSink:
    def __init__(self, url: str, table: str = TABLE, capacity: int = 100_000) -> None:
        import sqlalchemy as sa

        self.engine = sa.create_engine(engine_url(url), pool_pre_ping=True)
        self.metadata = sa.MetaData()
        self.table = sa.Table(
            table,
            self.metadata,
            sa.Column("seq", sa.BigInteger, primary_key=True),
            sa.Column("time", sa.Text, nullable=False),
            sa.Column("actor", sa.Text, nullable=False),
            sa.Column("event", sa.Text, nullable=False),
            sa.Column("data", sa.dialects.postgresql.JSONB, nullable=False),
            sa.Column("prev", sa.Text, nullable=False),
            sa.Column("hash", sa.Text, nullable=False),
        )
        self.metadata.create_all(self.engine)  # fails here, at start, when the database is unreachable
        self.queue: queue.Queue[dict[str, Any] | None] = queue.Queue(maxsize=capacity)
        self.dropped = 0
        self.thread = threading.Thread(target=self._run, name="aicop-pgsink", daemon=True)
        self.thread.start()

    def put(self, record: dict[str, Any]) -> None:
        while True:
            try:
                self.queue.put_nowait(record)
                return
            except queue.Full:
                try:
                    self.queue.get_nowait()
                    self.dropped += 1
                except queue.Empty:
                    pass

    def _run(self) -> None:
        from sqlalchemy.dialects.postgresql import insert

        statement = insert(self.table).on_conflict_do_nothing(index_elements=["seq"])
        done = False
        while not done:
            batch: list[dict[str, Any]] = []
            item = self.queue.get()
            while item is not None:
                batch.append(item)
                if len(batch) >= 500:
                    break
                try:
                    item = self.queue.get_nowait()
                except queue.Empty:
                    break
            done = item is None
            rows = [{**r, "data": json.loads(json.dumps(r["data"]))} for r in batch]
            delay = 0.5
            while rows:
                try:
                    with self.engine.begin() as connection:
                        connection.execute(statement, rows)
                    break
                except Exception as err:  # any database failure is retried, never raised
                    if done:
                        log.error("audit sink: %d records not written to PostgreSQL: %s", len(rows), err)
                        break
                    log.warning("audit sink: PostgreSQL unavailable (%s); retrying in %.1f s", err, delay)
                    time.sleep(delay)
                    delay = min(delay * 2, 30.0)

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join(timeout=30)
        if self.dropped:
            log.error("audit sink: %d records were dropped while PostgreSQL was away", self.dropped)
        self.engine.dispose()
