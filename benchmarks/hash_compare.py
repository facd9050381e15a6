"""Hashing throughput of aicop, ``sha256sum`` and OpenSSF ``model_signing`` on one multi-file model
directory, per algorithm, and the time of ``aicop inventory --check`` on an unchanged 100,000-file tree.

The goals (issue 5): aicop at least as fast as model_signing on each algorithm; the 100,000-file
re-check under 5 s with the cache. Every tool hashes the same files from a warm page cache (the
directory is read once before timing), so the figures compare hashing, not the disk. model_signing
comes from the dev environment (it is a test dependency). Both tools are timed whole-file (SHA-256 and
BLAKE3) and in 256 MiB shards (SHA-256; aicop's ``sign --shard-size``). Prints a table and, with
--json, one JSON object that can be compared between runs.

Usage: python benchmarks/hash_compare.py [--size-gb 2] [--files 8] [--tree-files 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def make_model(folder: Path, size: int, files: int) -> list[str]:
    """``files`` files of random bytes adding up to ``size`` bytes, like a sharded checkpoint."""
    names = []
    each = size // files
    block = os.urandom(1 << 20)
    for index in range(files):
        name = f"model-{index + 1:05d}-of-{files:05d}.safetensors"
        with (folder / name).open("wb") as handle:
            written = 0
            while written < each:
                chunk = block[: min(len(block), each - written)]
                handle.write(chunk)
                written += len(chunk)
                block = block[1:] + block[:1]  # no two chunks alike
        names.append(name)
    (folder / "config.json").write_text('{"architectures": ["Bench"]}')
    return [*names, "config.json"]


def best(runs: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def model_signing_hash(folder: Path, algorithm: str, shard_size: int | None) -> None:
    from model_signing import hashing

    config = hashing.Config()
    if shard_size:
        config.use_shard_serialization(hashing_algorithm=algorithm, shard_size=shard_size)
    else:
        config.use_file_serialization(hashing_algorithm=algorithm)
    config.hash(folder)


def make_tree(root: Path, count: int) -> None:
    (root / "aicop.yaml").write_text("version: 1\nsystem:\n  name: bench\nroles: [developer]\n")
    for index in range(count):
        folder = root / "data" / f"part{index // 1000:03d}"
        if index % 1000 == 0:
            folder.mkdir(parents=True)
        (folder / f"row{index:06d}.csv").write_text(f"id,text\n{index},x\n")


def aicop(*args: str | Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [str(Path(sys.executable).parent / "aicop"), *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"aicop {' '.join(map(str, args))} failed ({done.returncode}): {done.stderr}")
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-gb", type=float, default=2.0)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--tree-files", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--shard-mib", type=int, default=256, help="shard size for both tools' shards mode")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from aicop.integrity.hashing import hash_files, hash_shards

    size = int(args.size_gb * (1 << 30))
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="aicop-hash-") as tmp:
        folder = Path(tmp) / "model"
        folder.mkdir()
        names = make_model(folder, size, args.files)
        total = sum((folder / n).stat().st_size for n in names)
        for name in names:  # warm the page cache
            with (folder / name).open("rb") as handle:
                while handle.read(1 << 24):
                    pass
        rows: list[tuple[str, str, float]] = []

        def timed(tool: str, algorithm: str, fn: Callable[[], object]) -> None:
            seconds = best(args.runs, fn)
            rows.append((tool, algorithm, seconds))
            results[f"{tool}/{algorithm}"] = round(total / seconds / 1e9, 3)

        for algorithm in ("sha256", "blake3"):
            timed("aicop", algorithm, lambda a=algorithm: hash_files(folder, names, a))  # type: ignore[misc]
            timed(
                "model_signing files",
                algorithm,
                lambda a=algorithm: model_signing_hash(folder, a, None),  # type: ignore[misc]
            )
        shard = args.shard_mib << 20
        timed("aicop shards", "sha256", lambda: hash_shards(folder, names, shard))
        timed("model_signing shards", "sha256", lambda: model_signing_hash(folder, "sha256", shard))
        if shutil.which("sha256sum"):
            timed(
                "sha256sum",
                "sha256",
                lambda: subprocess.run(["sha256sum", *names], cwd=folder, capture_output=True, check=True),
            )

        tree = Path(tmp) / "tree"
        tree.mkdir()
        make_tree(tree, args.tree_files)
        env_cache = Path(tmp) / "cache"
        os.environ["XDG_CACHE_HOME"] = str(env_cache)
        record = aicop("inventory", tree)
        check = min(aicop("inventory", tree, "--check") for _ in range(args.runs))
        paranoid = aicop("inventory", tree, "--check", "--paranoid")
        results |= {
            "inventory_record_s": round(record, 2),
            "inventory_check_s": round(check, 2),
            "inventory_check_paranoid_s": round(paranoid, 2),
        }

    if args.json:
        print(json.dumps({"bytes": total, "files": len(names), "cores": os.cpu_count(), **results}, indent=2))
        return 0
    print(f"{len(names)} files, {total / 1e9:.2f} GB, {os.cpu_count()} cores, best of {args.runs}")
    print(f"{'tool':24} {'algorithm':9} {'seconds':>8} {'GB/s':>6}")
    for tool, algorithm, seconds in rows:
        print(f"{tool:24} {algorithm:9} {seconds:8.2f} {total / seconds / 1e9:6.2f}")
    print(
        f"inventory of {args.tree_files:,} files: record {record:.2f} s, --check {check:.2f} s (cache), "
        f"--check --paranoid {paranoid:.2f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
