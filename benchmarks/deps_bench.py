"""aicop deps at the size of OSV's real PyPI export: import time and check time.

Generates (seeded, in a temporary folder) a synthetic OSV export of RECORDS records over PACKAGES
package names, shaped like OSV's PyPI records (GHSA/PYSEC ids, one to three affected ranges, a versions
list of 20-120 entries, references, details of a few hundred characters), and a requirements lock of
LOCK pinned packages, a quarter of which have advisories. Then it times:

- ``import``: 'aicop advisories import' of the zip into a new database (target < 30 s on 2 cores);
- ``reimport``: the same export with 2% of records modified (what changed is computed and reported);
- ``check cold`` / ``check warm``: auditing the lock against the database, first and second time in
  the same process (target warm < 1 s).

Each figure is the median of --runs runs. Usage: python benchmarks/deps_bench.py [--records N] [--runs 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import tempfile
import time
import zipfile
from pathlib import Path

from aicop.deps.audit import Verdict, audit
from aicop.deps.sources import read_path
from aicop.deps.store import AdvisoryDB


def versions_of(rng: random.Random) -> list[str]:
    major = rng.randint(0, 5)
    out = []
    for minor in range(rng.randint(4, 12)):
        for patch in range(rng.randint(1, 10)):
            out.append(f"{major}.{minor}.{patch}")
    return out


def record(rng: random.Random, index: int, package: str, modified: str) -> dict[str, object]:
    known = versions_of(rng)
    cut = rng.randint(1, len(known) - 1)
    ranges = [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": known[cut]}]}]
    if rng.random() < 0.3:
        ranges.append(
            {
                "type": "GIT",
                "repo": f"https://github.com/org/{package}",
                "events": [{"introduced": "0"}, {"fixed": f"{index:040x}"}],
            }
        )
    prefix = "GHSA" if index % 2 else "PYSEC"
    ident = (
        f"GHSA-{index:04x}-{index % 9973:04x}-{index % 7919:04x}"
        if prefix == "GHSA"
        else f"PYSEC-2024-{index}"
    )
    rec: dict[str, object] = {
        "schema_version": "1.6.0",
        "id": ident,
        "modified": modified,
        "published": "2024-01-01T00:00:00Z",
        "aliases": [f"CVE-2024-{10000 + index}"],
        "summary": f"Problem {index} in {package}",
        "details": ("A description of the vulnerability, its impact and the fix. " * 8)[
            : rng.randint(200, 500)
        ],
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": package, "purl": f"pkg:pypi/{package}"},
                "ranges": ranges,
                "versions": known[:cut],
            }
        ],
        "references": [
            {"type": "ADVISORY", "url": f"https://example.org/advisories/{ident}"},
            {"type": "WEB", "url": f"https://github.com/org/{package}/issues/{index}"},
        ],
    }
    if prefix == "GHSA":
        rec["database_specific"] = {"severity": rng.choice(["LOW", "MODERATE", "HIGH", "CRITICAL"])}
    else:
        rec["severity"] = [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]
    return rec


def write_export(path: Path, records: list[dict[str, object]]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for rec in records:
            archive.writestr(f"{rec['id']}.json", json.dumps(rec))


CPU: list[float] = []  # process CPU seconds of each timed call, beside its wall time


def timed(fn: object) -> float:
    start, cpu = time.perf_counter(), time.process_time()
    fn()  # type: ignore[operator]
    CPU.append(time.process_time() - cpu)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=40_000)
    parser.add_argument("--packages", type=int, default=9_000)
    parser.add_argument("--lock", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(19)
    names = [f"pkg-{i}" for i in range(args.packages)]
    records = [record(rng, i, rng.choice(names), "2026-11-20T00:00:00Z") for i in range(args.records)]
    changed = [dict(r) for r in records]
    for i in rng.sample(range(len(changed)), len(changed) // 50):
        changed[i] = dict(changed[i], modified="2026-11-27T00:00:00Z", summary="updated")
    now = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_export(folder / "all.zip", records)
        write_export(folder / "changed.zip", changed)
        size = (folder / "all.zip").stat().st_size
        in_lock = rng.sample(names[: args.packages // 4], args.lock // 4) + [
            f"clean-{i}" for i in range(args.lock - args.lock // 4)
        ]
        (folder / "requirements.txt").write_text(
            "".join(f"{n}=={rng.randint(0, 5)}.{rng.randint(0, 11)}.{rng.randint(0, 9)}\n" for n in in_lock)
        )
        imports, reimports, colds, warms = [], [], [], []
        cpu_import, cpu_warm = [], []
        verdicts: dict[str, int] = {}
        for run in range(args.runs):
            db_path = folder / f"db{run}.sqlite3"
            db = AdvisoryDB.open(db_path, create=True)
            imports.append(timed(lambda db=db: db.import_zip(folder / "all.zip", now)))
            cpu_import.append(CPU[-1])
            reimports.append(timed(lambda db=db: db.import_zip(folder / "changed.zip", now)))
            db.close()

            def check(db_path: Path = db_path) -> None:
                deps = read_path(folder / "requirements.txt")
                store = AdvisoryDB.open(db_path, create=False)
                result = audit(deps, store, now.date())
                store.close()
                verdicts.update({v.value: len(result.of(v)) for v in Verdict})

            colds.append(timed(check))
            warms.append(statistics.median(timed(check) for _ in range(3)))
            cpu_warm.append(statistics.median(CPU[-3:]))
    load = os.getloadavg()
    print(
        f"synthetic OSV export: {args.records} records over {args.packages} packages, "
        f"{size / 1e6:.1f} MB zipped"
    )
    print(f"lock file: {args.lock} pinned packages; verdicts {verdicts}")
    print(
        f"import      median {statistics.median(imports):6.2f} s wall, "
        f"{statistics.median(cpu_import):6.2f} s CPU"
        f"  (runs: {', '.join(f'{t:.2f}' for t in imports)})"
    )
    print(f"reimport    median {statistics.median(reimports):6.2f} s  (2% modified)")
    print(f"check cold  median {statistics.median(colds):6.3f} s")
    print(
        f"check warm  median {statistics.median(warms):6.3f} s wall, {statistics.median(cpu_warm):6.3f} s CPU"
    )
    print(
        f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores "
        "(shared machine)"
    )


if __name__ == "__main__":
    main()
