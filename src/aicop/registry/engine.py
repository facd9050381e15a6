"""Scan, inventory and verify the objects under a URL, as tasks an executor runs.

The driver lists the URL, drops what the state says is unchanged, cuts the rest into tasks (a batch of
objects, or one part of a big object to hash), hands them to an executor and gathers the results as
they come. At the end it lists the URL again: an object deleted or rewritten while it was read is
*not checked* (an error of the run, exit 2), never clean. A task that fails (its worker died past
Ray's retries) marks its objects *not checked* too. The task functions here are what workers run;
they open the store from a ``StoreSpec`` and take credentials from their own environment.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aicop
from aicop.errors import AicopError
from aicop.registry import digest
from aicop.registry.state import State, result_from_dict, result_to_dict
from aicop.registry.store import ObjectInfo, Store, StoreSpec
from aicop.scan.model import FileResult, ScanReport
from aicop.scan.policy import DEFAULT_POLICY, Policy
from aicop.scan.scanner import Limits, scan_reader

Progress = Callable[["Counters"], None]
BATCH_OBJECTS = 32
BATCH_BYTES = 64 << 20


@dataclass
class Counters:
    """What a run did: objects and bytes planned and done, bytes read from the store, requests."""

    objects: int = 0
    objects_done: int = 0
    bytes_total: int = 0
    bytes_done: int = 0
    bytes_read: int = 0
    requests: int = 0
    unchanged: int = 0
    failed: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------- tasks (run on workers)
def scan_task(
    spec: StoreSpec, objects: list[ObjectInfo], policy: Policy, limits: Limits
) -> list[tuple[str, dict[str, Any], int, int]]:
    """(key, result, bytes read, requests) for each object: the scanner over ranged reads."""
    store = spec.open()
    out = []
    for obj in objects:
        reader = store.reader(obj)
        result = scan_reader(reader, policy, limits)
        if result.error is not None:
            result.error = f"not checked: {result.error}"
        out.append((obj.key, result_to_dict(result), reader.bytes_read, reader.requests))
    return out


def hash_task(spec: StoreSpec, objects: list[ObjectInfo]) -> list[tuple[str, str | None, str | None]]:
    """(key, plain SHA-256 or None, error or None) for objects of one part each."""
    store = spec.open()
    out: list[tuple[str, str | None, str | None]] = []
    for obj in objects:
        try:
            out.append((obj.key, digest.hash_range(store.reader(obj), 0, obj.size), None))
        except OSError as err:
            out.append((obj.key, None, f"cannot read: {err}"))
    return out


def part_task(spec: StoreSpec, obj: ObjectInfo, index: int, start: int, end: int) -> tuple[str, int, str]:
    """(key, part index, SHA-256 of the part). An unreadable part raises: its object is not hashed."""
    return obj.key, index, digest.hash_range(spec.open().reader(obj), start, end)


# ---------------------------------------------------------------------- the driver
def _fingerprint(policy: Policy, limits: Limits) -> str:
    """What a scan result depends on besides the object: aicop's version, the policy and the bounds."""
    text = json.dumps(
        [
            aicop.__version__,
            sorted(policy.allow),
            sorted(policy.deny.items()),
            policy.malformed,
            limits.depth,
            limits.inflate,
            limits.members,
        ],
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _batches(objects: Sequence[ObjectInfo], workers: int, limit_bytes: int) -> list[list[ObjectInfo]]:
    """Objects grouped so that each worker gets several tasks, and no task holds too many bytes."""
    per = max(1, min(BATCH_OBJECTS, len(objects) // max(1, 4 * workers)))
    out: list[list[ObjectInfo]] = []
    current: list[ObjectInfo] = []
    size = 0
    for obj in objects:
        if current and (len(current) >= per or size + obj.size > limit_bytes):
            out.append(current)
            current, size = [], 0
        current.append(obj)
        size += obj.size
    if current:
        out.append(current)
    return out


def _workers(executor: Any) -> int:
    if executor.name == "ray":
        return max(1, int(executor.ray.cluster_resources().get("CPU", 1)))
    return int(executor.workers)


def _changed_meanwhile(store: Store, objects: Sequence[ObjectInfo]) -> dict[str, str]:
    """{key: why} for objects that are gone or no longer what the first listing said."""
    now = {o.key: o for o in store.list()}
    out = {}
    for obj in objects:
        current = now.get(obj.key)
        if current is None:
            out[obj.key] = "not checked: the object was deleted while it was read"
        elif current.identity() != obj.identity():
            out[obj.key] = "not checked: the object was overwritten while it was read; run again"
    return out


def scan_store(
    spec: StoreSpec,
    executor: Any,
    *,
    policy: Policy = DEFAULT_POLICY,
    limits: Limits | None = None,
    state: State | None = None,
    progress: Progress | None = None,
) -> tuple[ScanReport, Counters]:
    """Scan every object under the URL. Unchanged objects (by the state) keep their recorded result."""
    limits = limits or Limits()
    store = spec.open()
    objects = store.list()
    if not objects:
        raise AicopError("holds no object: nothing was scanned", path=spec.url)
    key = _fingerprint(policy, limits)
    counters = Counters(objects=len(objects), bytes_total=sum(o.size for o in objects))
    results: dict[str, FileResult] = {}
    todo: list[ObjectInfo] = []
    for obj in objects:
        entry = state.entry(obj) if state is not None else None
        if entry is not None and entry.get("scan_key") == key and isinstance(entry.get("scan"), dict):
            results[obj.key] = result_from_dict(obj.url, entry["scan"])
            counters.unchanged += 1
        else:
            todo.append(obj)
    by_key = {o.key: o for o in objects}
    batches = _batches(todo, _workers(executor), BATCH_BYTES * 1024)  # scans read headers, not bytes
    tasks = [(scan_task, (spec, batch, policy, limits)) for batch in batches]
    _report(progress, counters, len(objects) - len(todo), sum(by_key[k].size for k in results))
    kept: dict[str, dict[str, Any]] = {}  # what the state may keep: results a re-run would repeat
    for index, outcome in executor.run(tasks):
        batch = batches[index]
        if isinstance(outcome, BaseException):
            for obj in batch:
                results[obj.key] = FileResult(obj.url, None, obj.size, error=f"not checked: {outcome}")
                counters.failed.append(obj.url)
        else:
            for key_, data, read, requests in outcome:
                results[key_] = result_from_dict(by_key[key_].url, data)
                counters.bytes_read += read
                counters.requests += requests
                # An error is kept only for an empty object: the listing's size decides it, no byte is
                # read. Other errors (a failed read, the time limit) may not recur: read again next run.
                if data.get("error") is None or by_key[key_].size == 0:
                    kept[key_] = data
        _report(progress, counters, len(batch), sum(o.size for o in batch))
    for key_, why in (_changed_meanwhile(store, todo) if todo else {}).items():
        results[key_] = FileResult(by_key[key_].url, None, by_key[key_].size, error=why)
        kept.pop(key_, None)
    if state is not None:
        for obj in todo:
            if obj.key in kept:
                state.put(obj, scan=kept[obj.key], scan_key=key)
        state.forget_missing(set(by_key))
        state.save()
    report = ScanReport()
    report.files = [results[o.key] for o in objects]
    return report, counters


def _report(progress: Progress | None, counters: Counters, objects: int, size: int) -> None:
    counters.objects_done += objects
    counters.bytes_done += size
    if progress is not None:
        progress(counters)


def hash_store(
    spec: StoreSpec,
    executor: Any,
    *,
    state: State | None = None,
    part_size: int = digest.PART_SIZE,
    progress: Progress | None = None,
) -> tuple[list[dict[str, Any]], Counters]:
    """[{path, url, size, algorithm, digest, …}] for every object, in key order. Objects of one part
    are hashed whole (a plain SHA-256), in batches; bigger ones part by part in parallel. Part digests
    are kept in the state as they arrive, so an interrupted run resumes where it stopped. Raises when
    any object could not be hashed: an inventory is complete or not written."""
    store = spec.open()
    objects = store.list()
    if not objects:
        raise AicopError("holds no object: nothing was hashed", path=spec.url)
    counters = Counters(objects=len(objects), bytes_total=sum(o.size for o in objects))
    done: dict[str, dict[str, Any]] = {}
    small: list[ObjectInfo] = []
    parts: dict[str, dict[int, str]] = {}
    part_count: dict[str, int] = {}
    tasks: list[Any] = []
    owners: list[Any] = []
    for obj in objects:
        entry = state.entry(obj) if state is not None else None
        algorithm = digest.algorithm_for(obj.size, part_size)
        if entry is not None and entry.get("digest") and entry.get("part_size") == part_size:
            done[obj.key] = {"algorithm": algorithm, "digest": entry["digest"], "parts": entry.get("parts")}
            counters.unchanged += 1
            continue
        if algorithm == "sha256":
            small.append(obj)
            continue
        known = entry.get("partial", {}) if entry is not None and entry.get("part_size") == part_size else {}
        parts[obj.key] = {int(i): str(d) for i, d in known.items()}
        ranges = digest.part_ranges(obj.size, part_size)
        part_count[obj.key] = len(ranges)
        for index, (start, end) in enumerate(ranges):
            if index not in parts[obj.key]:
                tasks.append((part_task, (spec, obj, index, start, end)))
                owners.append((obj, end - start))
    for batch in _batches(small, _workers(executor), part_size):
        tasks.append((hash_task, (spec, batch)))
        owners.append(batch)
    by_key = {o.key: o for o in objects}
    _report(progress, counters, counters.unchanged, sum(by_key[k].size for k in done))
    errors: dict[str, str] = {}
    try:
        for index, outcome in executor.run(tasks):
            owner = owners[index]
            if isinstance(owner, list):  # a batch of whole objects
                if isinstance(outcome, BaseException):
                    errors.update({o.key: str(outcome) for o in owner})
                else:
                    for key_, value, error in outcome:
                        if value is None:
                            errors[key_] = str(error)
                        else:
                            done[key_] = {"algorithm": "sha256", "digest": value, "parts": None}
                            if state is not None:
                                state.put(by_key[key_], digest=value, part_size=part_size)
                _report(progress, counters, len(owner), sum(o.size for o in owner))
                counters.bytes_read += sum(o.size for o in owner if o.key in done)
                continue
            obj, length = owner
            if isinstance(outcome, BaseException):
                errors[obj.key] = str(outcome)
                continue
            _, part, value = outcome
            parts[obj.key][part] = value
            counters.bytes_read += length
            counters.bytes_done += length
            if state is not None:
                state.put(obj, part_size=part_size, partial={str(i): d for i, d in parts[obj.key].items()})
            count = part_count[obj.key]
            if len(parts[obj.key]) == count:
                ordered = [parts[obj.key][i] for i in range(count)]
                done[obj.key] = {
                    "algorithm": "sha256-parts",
                    "digest": digest.combine(ordered),
                    "parts": ordered,
                }
                if state is not None:
                    state.put(obj, digest=done[obj.key]["digest"], parts=ordered, part_size=part_size)
                counters.objects_done += 1
            if progress is not None:
                progress(counters)
        small_keys = {o.key for o in small}
        read_now = [o for o in objects if o.key in parts or o.key in small_keys]
        if read_now:
            errors.update(_changed_meanwhile(store, read_now))
    finally:
        if state is not None:
            state.forget_missing(set(by_key))
            state.save()  # the parts hashed so far: the next run resumes from them
    missing = [o for o in objects if o.key not in done or o.key in errors]
    if missing:
        counters.failed = [o.url for o in missing]
        first = missing[0]
        why = errors.get(first.key, "not hashed")
        raise AicopError(
            f"{len(missing)} of {len(objects)} objects could not be hashed (the first, {first.url}: {why}); "
            "no inventory was written. Run again: finished parts are kept and reused",
            path=spec.url,
        )
    assets = []
    for obj in objects:
        value = done[obj.key]
        asset: dict[str, Any] = {
            "path": obj.key,
            "url": obj.url,
            "size": obj.size,
            "algorithm": value["algorithm"],
            "digest": value["digest"],
            "etag": obj.etag,
            "version": obj.version,
        }
        if value["algorithm"] == "sha256-parts":
            asset["part_size"] = part_size
            asset["parts"] = value["parts"]
        assets.append(asset)
    return assets, counters


def shard_task(spec: StoreSpec, obj: ObjectInfo, start: int, end: int) -> tuple[str, int, int, str | None]:
    """(key, start, end, SHA-256 of the range, or None when the object is shorter than that)."""
    if end > obj.size:
        return obj.key, start, end, None
    return obj.key, start, end, digest.hash_range(spec.open().reader(obj), start, end)


def verify_store(
    spec: StoreSpec,
    executor: Any,
    signature: Any,
    public_key: Any,
    *,
    ca: Sequence[Any] = (),
    ignore_unsigned: bool = False,
) -> dict[str, Any]:
    """Check a model signature (aicop's or model_signing's) over the objects under the URL: the
    ``files`` serialization hashes each object whole (a plain SHA-256 is one stream per object; objects
    run in parallel), ``shards`` hashes every signed byte range as a task of its own. Objects that could
    not be read are *not checked*, never matching."""
    from aicop.integrity.hashing import shard_ranges
    from aicop.integrity.signing import SignatureError, read_statement, signed_shard_size

    statement = read_statement(signature, public_key, ca)
    predicate = statement["predicate"]
    serialization = predicate.get("serialization", {})
    method, hash_type = str(serialization.get("method", "")), str(serialization.get("hash_type", ""))
    if method not in ("files", "shards") or hash_type != "sha256":
        raise SignatureError(
            f"objects in a store are verified for sha256 files or shards, not {method}/{hash_type}",
            path=signature,
        )
    expected = {str(r["name"]): str(r["digest"]) for r in predicate["resources"]}
    store = spec.open()
    objects = {o.key: o for o in store.list()}
    signed_names = {n.rsplit(":", 2)[0] if method == "shards" else n for n in expected}
    result: dict[str, Any] = {
        "verified": False,
        "subject": str(statement["subject"][0]["name"]),
        "objects": len(objects),
        "method": method,
        "hash_type": hash_type,
        "modified": [],
        "missing": sorted(signed_names - set(objects)),
        # as for a directory: any object the signature does not name, but an empty one has no shards
        "unsigned": []
        if ignore_unsigned
        else sorted(k for k in set(objects) - signed_names if method == "files" or objects[k].size),
        "not_checked": [],
    }
    tasks: list[Any] = []
    modified: set[str] = set()
    failed: set[str] = set()
    if method == "files":
        present = [objects[name] for name in sorted(signed_names & set(objects))]
        tasks = [(hash_task, (spec, [obj])) for obj in present]
    else:
        # the signed ranges must cut each object as the signer's shard size does: a gap, an overlap or
        # bytes past the last range would leave bytes no digest covers. Such an object is modified
        # whatever its digests say, so none of it is read
        shard_size = signed_shard_size(serialization, signature)
        ranges: dict[str, set[tuple[int, int]]] = {}
        for name in expected:
            key, start, end = name.rsplit(":", 2)
            ranges.setdefault(key, set()).add((int(start), int(end)))
        for key, signed in sorted(ranges.items()):
            if key not in objects:
                continue
            if signed != set(shard_ranges(objects[key].size, shard_size)):
                modified.add(key)
                continue
            tasks += [(shard_task, (spec, objects[key], start, end)) for start, end in sorted(signed)]
    for index, outcome in executor.run(tasks):
        function, args = tasks[index]
        key = args[1][0].key if function is hash_task else args[1].key
        if isinstance(outcome, BaseException):
            failed.add(key)
        elif function is hash_task:
            _, value, _error = outcome[0]
            if value is None:
                failed.add(key)
            elif value != expected[key]:
                modified.add(key)
        else:
            _, start, end, value = outcome
            if value is None or value != expected[f"{key}:{start}:{end}"]:
                modified.add(key)
    changed = _changed_meanwhile(store, [objects[k] for k in signed_names & set(objects)])
    failed |= set(changed)
    result["modified"] = sorted(modified - failed)
    result["not_checked"] = sorted(failed)
    result["verified"] = not (result["modified"] or result["missing"] or result["unsigned"] or failed)
    return result
