"""Object stores and Ray for ``aicop scan``, ``aicop inventory`` and ``aicop verify``: the options they
add, and what they do when given a URL (``s3://``, ``gs://``, ``az://``), a Hugging Face cache mirror,
or ``--executor ray``. The work is ``aicop.registry``'s; this module wires arguments to it."""

from __future__ import annotations

import argparse
import sys

from aicop.errors import AicopError, ExitCode

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

    from aicop.registry.engine import Counters


def as_target(text: str) -> str | Path:
    """A URL stays text (``Path`` would fold ``s3://b`` into ``s3:/b``); anything else is a path."""
    from pathlib import Path

    from aicop.registry.urls import is_url

    return text if is_url(text) else Path(text)


def add_options(p: argparse.ArgumentParser, *, state: bool = True) -> None:
    group = p.add_argument_group("object stores and Ray (see 'Registry scale' in the README)")
    group.add_argument(
        "--executor",
        default="local",
        metavar="local|ray|ray://HOST:PORT",
        help="who does the work for a URL: threads here (default), the Ray cluster RAY_ADDRESS names "
        "(a Ray job), or a remote one through Ray Client",
    )
    group.add_argument(
        "--endpoint-url",
        default=None,
        metavar="URL",
        help="an S3-compatible store's endpoint (default: AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL)",
    )
    if state:
        group.add_argument(
            "--state",
            type=_path,
            default=None,
            metavar="FILE",
            help="what each object was at the last run, to skip unchanged ones "
            "(default: registry/ in aicop's cache folder: AICOP_CACHE_DIR, else $XDG_CACHE_HOME/aicop)",
        )
        group.add_argument(
            "--full", action="store_true", help="read every object again, whatever the state says"
        )


def _path(text: str) -> Path:
    from pathlib import Path

    return Path(text)


def wants_registry(targets: list[Any], executor: str) -> bool:
    """A URL, an HF cache mirror, or a Ray executor go through aicop.registry; plain paths do not."""
    from pathlib import Path

    return executor != "local" or any(
        not isinstance(t, Path) or ((t / "snapshots").is_dir() and (t / "blobs").is_dir()) for t in targets
    )


def _spec(target: Any, a: argparse.Namespace) -> Any:
    """The store as workers open it: the endpoint is resolved here, so every worker reads the same
    store whatever its environment says; credentials stay with each worker's own chain."""
    from aicop.registry.store import StoreSpec, s3_endpoint

    s3 = str(target).startswith(("s3://", "s3a://"))
    return StoreSpec(str(target), s3_endpoint(a.endpoint_url) if s3 else a.endpoint_url)


def _state(a: argparse.Namespace, url: str, kind: str) -> Any:
    from aicop.registry.state import State, default_path

    path = a.state if a.state is not None else default_path(url, kind)
    state = State(path, url)
    if a.full:
        state.objects = {}
    return state


class _Progress:
    """Objects and bytes done, on stderr while a person watches; a summary line at the end always."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self) -> _Progress:
        if sys.stderr.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self.bar = Progress(
                TextColumn(self.what),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("objects, {task.fields[gb]} GB"),
            )
            self.bar.__enter__()
        return self

    def __call__(self, counters: Counters) -> None:
        if self.bar is None:
            return
        if self.task is None:
            self.task = self.bar.add_task("", total=counters.objects, gb="")
        done = f"{counters.bytes_done / 1e9:.2f} of {counters.bytes_total / 1e9:.2f}"
        self.bar.update(self.task, completed=counters.objects_done, total=counters.objects, gb=done)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _read(counters: Counters) -> str:
    if counters.requests:
        return f"{counters.bytes_read:,} bytes read in {counters.requests:,} requests"
    # an unchanged run reads nothing; a run whose workers do not count their requests says bytes only
    return f"{counters.bytes_read:,} bytes read" if counters.bytes_read else "nothing read"


def summary(what: str, counters: Counters, executor: str, seconds: float) -> str:
    return (
        f"{what} {counters.objects} objects ({counters.bytes_total:,} bytes) with the {executor} executor "
        f"in {seconds:.1f} s: {counters.unchanged} unchanged since the last run, "
        + _read(counters)
        + (f", {len(counters.failed)} not checked" if counters.failed else "")
    )


def scan(a: argparse.Namespace, targets: list[Any]) -> tuple[Any, int]:
    """The ScanReport over every target, and its exit code, through aicop.registry."""
    import time

    from aicop.registry.engine import scan_store
    from aicop.registry.executors import executor_for
    from aicop.scan.model import ScanReport
    from aicop.scan.policy import DEFAULT_POLICY, Policy
    from aicop.scan.scanner import Limits

    policy = Policy.load(a.policy_path) if a.policy_path else DEFAULT_POLICY
    report = ScanReport()
    executor = executor_for(a.executor, a.jobs)
    try:
        for target in targets:
            start = time.monotonic()
            spec = _spec(target, a)
            with _Progress("scanning") as progress:
                part, counters = scan_store(
                    spec,
                    executor,
                    policy=policy,
                    limits=Limits(seconds=a.timeout),
                    state=_state(a, spec.url, "scan"),
                    progress=progress,
                )
            report.files += part.files
            print(summary("scanned", counters, executor.name, time.monotonic() - start), file=sys.stderr)
    finally:
        executor.close()
    code = ExitCode.GAPS if report.unsafe else (ExitCode.BAD_INPUT if report.errors else ExitCode.OK)
    return report, int(code)


def inventory(a: argparse.Namespace, url: str) -> int:
    import json
    import time
    from pathlib import Path

    from aicop.registry import records
    from aicop.registry.engine import hash_store
    from aicop.registry.executors import executor_for

    if a.algorithm != "sha256":
        raise AicopError("an object store's inventory uses sha256 (and sha256-parts for big objects)")
    spec = _spec(url, a)
    directory = a.into or Path()
    executor = executor_for(a.executor)
    start = time.monotonic()
    try:
        with _Progress("hashing") as progress:
            assets, counters = hash_store(
                spec, executor, state=None if a.paranoid else _state(a, spec.url, "hash"), progress=progress
            )
    finally:
        executor.close()
    print(summary("hashed", counters, executor.name, time.monotonic() - start), file=sys.stderr)
    if a.check:
        from aicop.cli.integrity_cmds import print_check

        return print_check(records.check(directory, spec.url, assets), a.fmt)
    recorded, diff = records.record(directory, spec.url, assets)
    where = records.inventory_path(directory, spec.url)
    if a.fmt == "json":
        print(
            json.dumps(
                {"digest": recorded["digest"], "assets": len(assets), "inventory": str(where), **diff},
                indent=2,
            )
        )
    else:
        print(
            f"recorded {len(assets)} objects of {spec.url} in {where}; since the last recording: "
            + ", ".join(f"{len(v)} {k}" for k, v in diff.items())
        )
    return int(ExitCode.OK)


def verify(a: argparse.Namespace, url: str) -> int:
    """A model signature (aicop's or model_signing's, files or shards, sha256) over a store's objects."""
    import json

    from aicop.registry.engine import verify_store
    from aicop.registry.executors import executor_for

    if a.signature is None:
        raise AicopError("verifying objects in a store needs --signature FILE (the bundle, on this machine)")
    if (a.key is None) == (not a.ca):
        raise AicopError("give --key (a key signature) or --ca (a certificate signature)")
    executor = executor_for(a.executor)
    try:
        result = verify_store(
            _spec(url, a), executor, a.signature, a.key, ca=a.ca, ignore_unsigned=a.ignore_unsigned
        )
    finally:
        executor.close()
    if a.fmt == "json":
        print(json.dumps(result, indent=2))
    else:
        for kind in ("modified", "missing", "unsigned", "not_checked"):
            for key in result[kind]:
                print(f"{kind:8} {key}")
        verdict = "match it" if result["verified"] else "DO NOT MATCH it"
        how = f"{result['method']}, {result['hash_type']}"
        print(f"{url}: the signature is valid; the objects {verdict} ({how})")
    if result["not_checked"]:
        return int(ExitCode.BAD_INPUT)
    return int(ExitCode.OK if result["verified"] else ExitCode.GAPS)
