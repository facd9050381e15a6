"""aicop serve under a realistic store: N systems × R runs (default 1,000 × 50) in PostgreSQL, then the
same in SQLite; p50/p95 of the portfolio, system and provision pages and of a push, measured over HTTP
against ``aicop serve`` running in a process of its own on loopback, one request at a time.

    nice -n 10 .venv/bin/python benchmarks/store_bench.py [--systems 1000] [--runs 50] [--requests 60]

Loading: the runs are variants of the bundled example's real report (``store_data.py``), drawn from a
pool of 40 fully built ones and written with COPY (PostgreSQL) or executemany (SQLite) as
``record_run`` would write them: the same rows and columns, each run with its own digest. A run's
stored report is its pool entry's, so it names another system (only its provision texts are read by the
pages measured). Pushes go through the real API and ``record_run``.

Every wall-clock figure is printed with the load average: this machine is shared (other jobs run), so
the server's own CPU time per request (from /proc) is printed beside it and is the steadier figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import zlib
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from store_data import base_report, variant

from aicop.assess.results import Assessment as Report
from aicop.store import Database, open_database
from aicop.store.accounts import create_api_token, create_user
from aicop.store.migrate import migrate
from aicop.store.models import Role
from aicop.store.runs import canonical

POSTGRES = os.environ.get("AICOP_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
POOL = 40
PASSWORD = "benchmark password"
AICOP = str(Path(sys.executable).parent / "aicop")


def pool_entries(base: dict[str, Any], rng: random.Random) -> list[dict[str, Any]]:
    """Fully built variants: their report blob, summary columns and row templates."""
    out = []
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for i in range(POOL):
        report = Report.model_validate(variant(base, f"pool-{i}", start, rng, rng.uniform(0.3, 0.95)))
        body = canonical(report)
        provisions = [
            (v.id, v.principle, v.modality.value, ",".join(s.value for s in v.stakeholders), v.applicable,
             v.status.value, v.gap, v.basis, n)
            for n, v in enumerate(report.provisions())
        ]  # fmt: skip
        findings = [
            (v.id, f.check, f.status.value, f.message, _evidence(f.evidence), f.remediation)
            for v in report.provisions() for f in v.findings
        ]  # fmt: skip
        s = report.summary
        out.append(
            {
                "z": zlib.compress(body, 6),
                "digest": hashlib.sha256(body).hexdigest(),
                "status": s.status.value,
                "met_ratio": s.met_ratio,
                "gaps": (s.gaps.shall, s.gaps.should),
                "roles": ",".join(r.value for r in report.roles),
                "principles": json.dumps({p.id: p.status.value for p in report.principles}),
                "catalog": report.catalog["id"],
                "provisions": provisions,
                "findings": findings,
            }
        )
    return out


def _evidence(items: list[Any]) -> str:
    return json.dumps({"items": [e.model_dump(mode="json", exclude_none=True) for e in items]})


def load(db: Database, systems: int, runs: int, pool: list[dict[str, Any]], rng: random.Random) -> float:
    """Write the store; returns the seconds it took."""
    began = time.perf_counter()
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        pg = db.engine.dialect.name == "postgresql"
        now = dt.datetime.now(dt.UTC)
        run_id = 0
        for first in range(0, systems, 50):
            batch = range(first, min(first + 50, systems))
            system_rows, run_rows, provision_rows, finding_rows = [], [], [], []
            for sid in batch:
                system_rows.append((sid + 1, f"system-{sid:05d}", now, None, runs))
                for r in range(runs):
                    run_id += 1
                    entry = pool[rng.randrange(POOL)]
                    when = start + dt.timedelta(days=7 * r, minutes=sid)
                    digest = hashlib.sha256(f"{entry['digest']}|{sid}|{r}".encode()).hexdigest()
                    run_rows.append(
                        (run_id, sid + 1, digest, when, when.date(), now, entry["catalog"], "1.0.0",
                         entry["status"], entry["met_ratio"], entry["gaps"][0], entry["gaps"][1],
                         entry["roles"], entry["principles"], f"{rng.getrandbits(160):040x}", "main", None,
                         "push", "token:bench", entry["z"])
                    )  # fmt: skip
                    provision_rows += [(run_id, sid + 1, *p) for p in entry["provisions"]]
                    finding_rows += [(run_id, *f) for f in entry["findings"]]
            _write(
                cur, pg, "systems", ("id", "name", "created_at", "latest_assessment_id", "runs"), system_rows
            )
            _write(cur, pg, "assessments", ASSESSMENT_COLUMNS, run_rows)
            _write(cur, pg, "provision_results", PROVISION_COLUMNS, provision_rows)
            _write(cur, pg, "findings", FINDING_COLUMNS, finding_rows)
            raw.commit()
            print(f"  loaded {min(first + 50, systems)} systems ({run_id} runs)", file=sys.stderr, flush=True)
        cur.execute(
            "UPDATE systems SET latest_assessment_id = (SELECT a.id FROM assessments a WHERE a.system_id = "
            "systems.id ORDER BY a.generated_at DESC LIMIT 1)"
        )
        if pg:
            for table in ("systems", "assessments", "provision_results", "findings"):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
            raw.commit()
            raw.driver_connection.autocommit = True  # type: ignore[union-attr]
            raw.driver_connection.execute("VACUUM ANALYZE")  # type: ignore[union-attr]
            raw.driver_connection.autocommit = False  # type: ignore[union-attr]
        else:
            raw.commit()
            cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    return time.perf_counter() - began


ASSESSMENT_COLUMNS = (
    "id", "system_id", "digest", "generated_at", "assessed_on", "received_at", "catalog_id", "system_version",
    "status", "met_ratio", "gaps_shall", "gaps_should", "roles", "principles", "commit", "ref", "ci_url",
    "source", "recorded_by", "report_z",
)  # fmt: skip
PROVISION_COLUMNS = (
    "assessment_id", "system_id", "provision_id", "principle_id", "modality", "stakeholders", "applicable",
    "status", "gap", "basis", "position",
)  # fmt: skip
FINDING_COLUMNS = ("assessment_id", "provision_id", "check", "status", "message", "evidence", "remediation")


def _write(cur: Any, pg: bool, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    quoted = ", ".join(f'"{c}"' for c in columns)
    if pg:
        with cur.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in columns)
        cur.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", [_sqlite_row(r) for r in rows])


def _sqlite_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """As SQLAlchemy's SQLite types store them: datetimes and dates as ISO text."""
    out = []
    for value in row:
        if isinstance(value, dt.datetime):
            value = value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
        elif isinstance(value, dt.date):
            value = value.isoformat()
        out.append(value)
    return tuple(out)


def serve(env: dict[str, str], db_args: list[str]) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [AICOP, "serve", "--port", "0", "--insecure-cookies", *db_args],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    for line in process.stderr:
        found = re.search(r"listening on (http://\S+)/", line)
        if found:
            return process, found.group(1)
    raise RuntimeError(f"aicop serve did not start (exit {process.wait()})")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(
    name: str, pid: int, requests: list[tuple[str, str, dict[str, Any]]], client: httpx.Client
) -> dict[str, float]:
    times = []
    cpu_before = cpu_seconds(pid)
    for method, url, kwargs in requests:
        began = time.perf_counter()
        response = client.request(method, url, **kwargs)
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code in (200, 201), (url, response.status_code, response.text[:300])
    cpu = (cpu_seconds(pid) - cpu_before) * 1000 / len(requests)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {"p50": statistics.median(times), "p95": p95, "cpu_ms": cpu, "n": len(times)}


def bench(label: str, db: Database, env: dict[str, str], db_args: list[str], args: argparse.Namespace,
          base: dict[str, Any], pool: list[dict[str, Any]]) -> dict[str, Any]:  # fmt: skip
    rng = random.Random(7)
    migrate(db)
    with db.session() as s:
        create_user(s, "bench", Role.ADMIN, PASSWORD, actor="bench")
        token = create_api_token(s, "bench", actor="bench")[1]
    seconds = load(db, args.systems, args.runs, pool, rng)
    print(f"{label}: loaded {args.systems} systems × {args.runs} runs in {seconds:.0f} s", file=sys.stderr)
    process, url = serve(env, db_args)
    try:
        client = httpx.Client(base_url=url, timeout=60)
        login = client.get("/login").text
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', login).group(1)  # type: ignore[union-attr]
        assert (
            client.post("/login", data={"username": "bench", "password": PASSWORD, "csrf": csrf}).status_code
            == 303
        )
        n, pages = args.requests, args.systems * 0 + max(1, args.systems // 50)
        statuses = ["", "", "not_met", "met", "partial"]
        portfolio = [("GET", f"/?page={rng.randint(1, pages)}&status={rng.choice(statuses)}&sort=worst", {})
                     for _ in range(n)]  # fmt: skip
        system = [("GET", f"/systems/{rng.randint(1, args.systems)}", {}) for _ in range(n)]
        pids = [p[0] for p in pool[0]["provisions"]]
        provision = [("GET", f"/systems/{rng.randint(1, args.systems)}/provisions/{rng.choice(pids)}", {})
                     for _ in range(n)]  # fmt: skip
        push_bodies = []
        start = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
        for i in range(n):
            report = variant(
                base,
                f"system-{rng.randint(0, args.systems - 1):05d}",
                start + dt.timedelta(hours=i),
                rng,
                0.7,
            )
            push_bodies.append(("POST", "/api/v1/runs", {
                "content": json.dumps({"report": report, "commit": f"{i:040x}"}).encode(),
                "headers": {"authorization": f"Bearer {token}", "content-type": "application/json"},
            }))  # fmt: skip
        for warm in (portfolio[:3], system[:3], provision[:3]):  # the first requests fill caches and pools
            measure("warm-up", process.pid, warm, client)
        results = {}
        for name, requests in (("portfolio", portfolio), ("system", system), ("provision", provision),
                               ("push", push_bodies)):  # fmt: skip
            load_before = os.getloadavg()[0]
            results[name] = measure(name, process.pid, requests, client) | {"load": load_before}
        return results
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--systems", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--requests", type=int, default=60, help="requests per page kind (and pushes)")
    parser.add_argument("--only", choices=("postgresql", "sqlite"))
    args = parser.parse_args()
    rng = random.Random(1)
    cache = Path(tempfile.gettempdir()) / "aicop-bench-example-report.json"
    base = base_report(cache)
    pool = pool_entries(base, rng)
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()}", file=sys.stderr)
    all_results = {}
    if args.only in (None, "postgresql"):
        import psycopg

        name = f"aicop_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = POSTGRES.rsplit("/", 1)[0] + f"/{name}"
        try:
            db = Database(url)
            env = {**os.environ, "AICOP_DB_URL": url}
            all_results["postgresql"] = bench("postgresql", db, env, [], args, base, pool)
            db.dispose()
        finally:
            with psycopg.connect(POSTGRES, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if args.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "bench.sqlite3"
            db = open_database(path)
            env = {k: v for k, v in os.environ.items() if k != "AICOP_DB_URL"}
            all_results["sqlite"] = bench("sqlite", db, env, ["--db", str(path)], args, base, pool)
            db.dispose()
    out = io.StringIO()
    print(f"aicop serve, {args.systems} systems × {args.runs} runs, {args.requests} requests each", file=out)
    header = ("store", "request", "p50 ms", "p95 ms", "server CPU ms/req", "load avg")
    print("{:<11} {:<10} {:>8} {:>8} {:>18} {:>9}".format(*header), file=out)
    for store, results in all_results.items():
        for name, r in results.items():
            row = (store, name, r["p50"], r["p95"], r["cpu_ms"], r["load"])
            print("{:<11} {:<10} {:>8.1f} {:>8.1f} {:>18.1f} {:>9.1f}".format(*row), file=out)
    print(out.getvalue(), end="")


if __name__ == "__main__":
    main()
