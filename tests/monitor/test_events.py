"""Reading logs: the gateway's chain verified as it is read (edits, deletions, truncation named, never
skipped), OTel GenAI JSON lines, and the PostgreSQL copy of the log."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest

from aicop.gateway.auditlog import GatewayLog
from aicop.monitor.events import ChainReader, OtelReader, PostgresReader, open_log
from tests.gateway.conftest import service

POSTGRES = os.environ.get("AICOP_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def _gateway_log(path: Path, count: int = 30, **options: object) -> None:
    log = GatewayLog(path, **options)  # type: ignore[arg-type]
    for n in range(count):
        data = {
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": "m",
            "gen_ai.input.messages": [
                {"role": "system", "content": "secret rules"},
                {"role": "user", "content": f"q {n}"},
            ],
            "gen_ai.output.messages": [f"answer {n}"],
            "http.response.status_code": 200,
            "aicop.guards": [{"guard": "leak"}] if n == 3 else [],
        }
        log.write("gen_ai.request", data, actor=f"key:k{n % 3}")
    log.close()


def test_the_gateway_log_is_read_and_verified(tmp_path: Path) -> None:
    path = tmp_path / "gw.jsonl"
    _gateway_log(path, rotate_bytes=2000)  # rotated into several files: one chain across them
    reader = open_log(str(path))
    assert isinstance(reader, ChainReader)
    found = list(reader)
    assert len(found) == 30 and reader.integrity.problems == []
    first = found[0]
    assert (first.key, first.model, first.prompt, first.answer) == (
        "k0",
        "m",
        "q 0",
        "answer 0",
    )  # no system prompt
    assert found[3].guards == ("leak",)


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        ("edit", "was edited"),
        ("delete", "where 11 was expected"),
        ("truncate", "truncated"),
        ("garbage", "not JSON"),
    ],
)
def test_damage_is_named_never_skipped(tmp_path: Path, damage: str, words: str) -> None:
    path = tmp_path / "gw.jsonl"
    _gateway_log(path)
    lines = path.read_text().splitlines()
    if damage == "edit":
        lines[5] = lines[5].replace("q 5", "q 6")
    elif damage == "delete":
        del lines[10]
    elif damage == "truncate":
        lines = lines[:-4]
    else:
        lines[7] = lines[7][:40]
    path.write_text("\n".join(lines) + "\n")
    reader = open_log(str(path))
    list(reader)
    assert any(words in p for p in reader.integrity.problems), reader.integrity.problems


def test_otel_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "spans.jsonl"
    rows = [
        {
            "startTimeUnixNano": 1_767_000_000_000_000_000 + n,
            "attributes": {
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": "gpt-x",
                "gen_ai.input.messages": [{"role": "user", "content": f"hello {n}"}],
                "gen_ai.usage.input_tokens": 5,
                "enduser.id": "alice",
            },
        }
        for n in range(5)
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + '\n{"unrelated": true}\nnot json\n')
    reader = open_log(str(path))
    assert isinstance(reader, OtelReader)
    found = list(reader)
    assert (
        [r.key for r in found] == ["alice"] * 5 and found[0].time is not None and found[0].input_tokens == 5
    )
    assert reader.integrity.skipped == 1 and reader.integrity.problems == ["spans.jsonl line 7: not JSON"]


@pytest.mark.services
def test_the_postgres_copy_is_read_and_verified(tmp_path: Path) -> None:
    from tests.gateway.test_services import postgres_up

    service(POSTGRES, postgres_up)
    import sqlalchemy as sa

    from aicop.gateway.pgsink import PostgresSink, engine_url

    table = f"aicop_monitor_test_{uuid.uuid4().hex[:8]}"
    _gateway_log(tmp_path / "gw.jsonl", sink=PostgresSink(POSTGRES, table=table))
    engine = sa.create_engine(engine_url(POSTGRES))
    try:
        reader = PostgresReader(POSTGRES, table=table)
        found = list(reader)
        assert len(found) == 30 and reader.integrity.problems == [] and found[5].prompt == "q 5"
        with engine.begin() as connection:  # tamper with one row in the database
            connection.execute(sa.text(f"update {table} set actor = 'key:evil' where seq = 4"))
        reader = PostgresReader(POSTGRES, table=table)
        list(reader)
        assert any("record 4 was edited" in p for p in reader.integrity.problems)
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f"drop table {table}"))
        engine.dispose()


def test_an_unreachable_database_is_a_clear_error() -> None:
    from aicop.errors import InputError

    reader = PostgresReader("postgresql://nobody@127.0.0.1:9/none")
    with pytest.raises(InputError, match="cannot reach the database"):
        list(reader)
