"""Against real servers: limits shared by two gateway instances through Redis, and the audit log's
copy in PostgreSQL. Skipped without the servers, except in CI (AICOP_REQUIRE_SERVICES=1)."""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

import pytest

from aicop.gateway.auditlog import GatewayLog
from aicop.gateway.config import Limits
from aicop.gateway.limiter import Limiter
from tests.gateway.conftest import Start, records, service

REDIS = os.environ.get("AICOP_TEST_REDIS", "redis://127.0.0.1:6379/0")
POSTGRES = os.environ.get("AICOP_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")

pytestmark = pytest.mark.services


def redis_up() -> None:
    import redis

    redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping()


def postgres_up() -> None:
    import sqlalchemy as sa

    from aicop.gateway.pgsink import engine_url

    engine = sa.create_engine(engine_url(POSTGRES), connect_args={"connect_timeout": 2})
    with engine.connect() as connection:
        connection.execute(sa.text("select 1"))
    engine.dispose()


def test_two_instances_share_limits_through_redis() -> None:
    service(REDIS, redis_up)
    limits = Limits(storage=REDIS, requests_per_minute=10, concurrent=2)
    prefix = f"test-{uuid.uuid4().hex[:8]}"

    async def scenario() -> tuple[list[bool], list[bool]]:
        first, second = Limiter(limits, prefix=prefix), Limiter(limits, prefix=prefix)
        try:
            admitted = []
            for n in range(16):  # alternate between the instances
                limiter = first if n % 2 else second
                admitted.append(await limiter.admit("key-a", 0) is None)
            slots = [await first.enter("key-a"), await second.enter("key-a"), await first.enter("key-a")]
            await first.leave("key-a")
            slots.append(await second.enter("key-a"))
            await second.leave("key-a")
            await second.leave("key-a")
            return admitted, slots
        finally:
            await first.close()
            await second.close()

    admitted, slots = asyncio.run(scenario())
    assert admitted == [True] * 10 + [False] * 6  # one budget, not one per instance
    assert slots == [True, True, False, True]


def test_gateway_with_redis_limits(start: Start) -> None:
    service(REDIS, redis_up)
    gw = start(limits={"storage": REDIS, "requests_per_minute": 2})
    assert [gw.chat(str(n)).status_code for n in range(3)] == [200, 200, 429]
    assert gw.client.get("/healthz").json()["limits"] is True


def test_audit_copy_in_postgres(tmp_path: Path) -> None:
    service(POSTGRES, postgres_up)
    import sqlalchemy as sa

    from aicop.gateway.pgsink import PostgresSink, engine_url

    table = f"aicop_audit_test_{uuid.uuid4().hex[:8]}"
    sink = PostgresSink(POSTGRES, table=table)
    log = GatewayLog(tmp_path / "gw.jsonl", sink=sink)
    for n in range(25):
        log.write("gen_ai.request", {"gen_ai.request.model": "m", "n": n})
    log.close()  # drains the queue into the database
    engine = sa.create_engine(engine_url(POSTGRES))
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text(f"select seq, hash, data from {table} order by seq")).all()
            assert [r.seq for r in rows] == list(range(1, 26))
            assert [r.hash for r in rows] == [r["hash"] for r in records(tmp_path / "gw.jsonl")]
            assert rows[3].data["n"] == 3
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f"drop table {table}"))
        engine.dispose()
