"""Content hashes of files: streaming, bounded memory, parallel across files, cached.

SHA-256 by default (what sha256sum prints, so anyone can check an inventory without aicop); BLAKE3
when the ``blake3`` package is installed. hashlib releases the GIL while it hashes, so threads hash
files in parallel. A cache keyed by (size, mtime, inode, ctime) makes re-checks of an unchanged tree
cheap. The ctime is in the key because every write changes it and no user-level tool can put it back:
content changed with its size and mtime restored (the blind spot of tools that trust mtimes) still
misses the cache. ``paranoid`` re-reads every byte regardless. A file that changes while it is hashed is an
error, never a digest of half of each version. Ctrl-C stops the hashing threads at their next chunk
(``_parallel``), rather than after every queued file of a multi-gigabyte tree.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from aicop.errors import AicopError

CHUNK = 1 << 20
ALGORITHMS = ("sha256", "blake3")


class HashError(AicopError):
    """A file could not be hashed (unreadable, or changed while it was read)."""


class _Stopped(Exception):
    """Raised in a hashing thread when the caller has given up (Ctrl-C, or another file's error)."""


T = TypeVar("T")
R = TypeVar("R")


def _parallel(function: Callable[[T, threading.Event], R], items: Iterable[T], workers: int) -> Iterator[R]:
    """``function`` over ``items`` in threads, results in order. When the caller stops early (Ctrl-C
    reaches the main thread, or an error), queued items are cancelled and running ones stop at their
    next chunk: ThreadPoolExecutor alone waits for every queued file, and Python's exit joins its
    threads (over a minute on a few gigabytes before)."""
    stop = threading.Event()
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        yield from pool.map(lambda item: function(item, stop), items)
    except BaseException:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _new(algorithm: str) -> object:
    if algorithm == "sha256":
        return hashlib.sha256()
    if algorithm == "blake3":
        try:
            import blake3  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            raise AicopError("BLAKE3 needs the blake3 package: pip install blake3") from None
        # One thread per file: files are hashed in parallel already, and BLAKE3's own threads on 1 MiB
        # updates oversubscribe the cores (measured on 2 cores: 8.8 GB/s with AUTO, 12 GB/s with 1).
        return blake3.blake3(max_threads=1)
    raise AicopError(f"unknown hash algorithm {algorithm!r}; choose from {', '.join(ALGORITHMS)}")


def hash_file(
    path: Path, algorithm: str = "sha256", *, threaded: bool = False, stop: threading.Event | None = None
) -> tuple[str, int]:
    """(hex digest, size); raises HashError if the file is unreadable or changes while it is read.
    ``threaded`` BLAKE3 spreads one file over every core (memory-mapped): for fewer files than cores.
    ``stop``, once set, ends the read at the next chunk."""
    try:
        before = path.stat()
        digest = _new(algorithm)
        if threaded and algorithm == "blake3" and before.st_size > CHUNK:
            import blake3

            digest = blake3.blake3(max_threads=blake3.blake3.AUTO)
            digest.update_mmap(path)
        else:
            buffer = bytearray(CHUNK)
            view = memoryview(buffer)
            with path.open("rb", buffering=0) as handle:
                while read := handle.readinto(buffer):
                    if stop is not None and stop.is_set():
                        raise _Stopped
                    digest.update(view[:read])  # type: ignore[attr-defined]
        after = path.stat()
    except OSError as err:
        raise HashError(f"cannot read: {err.strerror}", path=path) from err
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
        raise HashError("changed while it was being hashed; hash it again when it is stable", path=path)
    return str(digest.hexdigest()), after.st_size  # type: ignore[attr-defined]


class HashCache:
    """Digests by path, valid while (size, mtime, inode, ctime, algorithm) are unchanged."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[str, list[object]] = {}
        if path is not None and path.is_file():
            try:
                loaded = json.loads(path.read_text(encoding="utf-8"))
                self.entries = loaded if isinstance(loaded, dict) else {}
            except (OSError, ValueError):
                self.entries = {}  # a damaged cache costs a re-hash, nothing else

    @staticmethod
    def key(stat: os.stat_result, algorithm: str) -> list[object]:
        return [stat.st_size, stat.st_mtime_ns, stat.st_ino, stat.st_ctime_ns, algorithm]

    def get(self, rel: str, stat: os.stat_result, algorithm: str) -> str | None:
        entry = self.entries.get(rel)
        if isinstance(entry, list) and entry[:5] == self.key(stat, algorithm):
            return str(entry[5])
        return None

    def put(self, rel: str, stat: os.stat_result, algorithm: str, digest: str) -> None:
        self.entries[rel] = [*self.key(stat, algorithm), digest]

    def save(self) -> None:
        if self.path is not None:
            from aicop.fsutil import write_atomic

            write_atomic(self.path, json.dumps(self.entries, separators=(",", ":")))


def hash_files(
    root: Path,
    paths: Iterable[str],
    algorithm: str = "sha256",
    *,
    cache: HashCache | None = None,
    paranoid: bool = False,
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, tuple[str, int]]:
    """{relative path: (digest, size)} for every path, hashed in parallel; cached digests are reused
    unless ``paranoid``."""
    out: dict[str, tuple[str, int]] = {}
    todo: list[str] = []
    base = str(root)  # os.path on strings: pathlib objects for 100,000 files cost a second
    for rel in paths:
        if cache is not None and not paranoid:
            try:
                stat = os.stat(os.path.join(base, rel))  # noqa: PTH116, PTH118
            except OSError as err:
                raise HashError(f"cannot read: {err.strerror}", path=root / rel) from err
            cached = cache.get(rel, stat, algorithm)
            if cached is not None:
                out[rel] = (cached, stat.st_size)
                continue
        todo.append(rel)

    # BLAKE3 over every core within a file pays when there are fewer large files than cores (measured
    # on 2 cores: one 1 GiB file 7.8 GB/s single-threaded, 14.2 GB/s threaded); otherwise files in
    # parallel, one thread each, is faster (12.5 GB/s on eight 256 MiB files, 8.8 threaded).
    cores = os.cpu_count() or 1
    large = 0
    if algorithm == "blake3":
        for rel in todo:
            large += os.stat(os.path.join(base, rel)).st_size > 16 * CHUNK  # noqa: PTH116, PTH118
            if large >= cores:
                break
    threaded = algorithm == "blake3" and large < cores

    def one(rel: str, stop: threading.Event) -> tuple[str, tuple[str, int]]:
        result = hash_file(root / rel, algorithm, threaded=threaded, stop=stop)
        if progress is not None:
            progress(rel)
        return rel, result

    for rel, result in _parallel(one, todo, workers or min(8, (os.cpu_count() or 1) * 2)):
        out[rel] = result
        if cache is not None:
            cache.put(rel, os.stat(os.path.join(base, rel)), algorithm, result[0])  # noqa: PTH116, PTH118
    return out


def shard_ranges(size: int, shard_size: int) -> list[tuple[int, int]]:
    """[(start, end)) byte ranges of ``shard_size`` covering a file (none for an empty file), as the
    OpenSSF model-signing ``shards`` serialization cuts them."""
    return [(start, min(start + shard_size, size)) for start in range(0, size, shard_size)]


def hash_range(
    path: Path, start: int, end: int, algorithm: str = "sha256", stop: threading.Event | None = None
) -> str:
    digest = _new(algorithm)
    buffer = bytearray(CHUNK)
    with path.open("rb", buffering=0) as handle:
        handle.seek(start)
        remaining = end - start
        while remaining > 0:
            read = handle.readinto(memoryview(buffer)[: min(CHUNK, remaining)])
            if not read:
                raise HashError(f"ended at {end - remaining} bytes, before {end}", path=path)
            if stop is not None and stop.is_set():
                raise _Stopped
            digest.update(memoryview(buffer)[:read])  # type: ignore[attr-defined]
            remaining -= read
    return str(digest.hexdigest())  # type: ignore[attr-defined]


def hash_shards(
    root: Path,
    paths: Iterable[str],
    shard_size: int,
    algorithm: str = "sha256",
    *,
    workers: int | None = None,
) -> dict[str, list[tuple[int, int, str]]]:
    """{relative path: [(start, end, digest)]}: every shard of every file hashed in parallel, so one
    large file uses every core (a whole-file SHA-256 cannot). A file that changes meanwhile is an error."""
    if shard_size <= 0:
        raise AicopError(f"the shard size must be positive, not {shard_size}")
    before: dict[str, os.stat_result] = {}
    tasks: list[tuple[str, int, int]] = []
    for rel in paths:
        try:
            before[rel] = (root / rel).stat()
        except OSError as err:
            raise HashError(f"cannot read: {err.strerror}", path=root / rel) from err
        tasks += [(rel, start, end) for start, end in shard_ranges(before[rel].st_size, shard_size)]

    def one(task: tuple[str, int, int], stop: threading.Event) -> tuple[str, int, int, str]:
        rel, start, end = task
        try:
            return rel, start, end, hash_range(root / rel, start, end, algorithm, stop)
        except OSError as err:
            raise HashError(f"cannot read: {err.strerror}", path=root / rel) from err

    out: dict[str, list[tuple[int, int, str]]] = {rel: [] for rel in before}
    for rel, start, end, digest in _parallel(one, tasks, workers or os.cpu_count() or 1):
        out[rel].append((start, end, digest))
    for rel, stat in before.items():
        after = (root / rel).stat()
        if (stat.st_size, stat.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
            raise HashError(
                "changed while it was being hashed; hash it again when it is stable", path=root / rel
            )
    return out
