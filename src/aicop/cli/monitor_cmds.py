"""Reading what a model answered: ``aicop monitor report|watch|simulate``."""

from __future__ import annotations

import argparse
import sys

from aicop.cli.common import UsageError, as_path, emit, output_directory, output_file
from aicop.errors import ExitCode

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from aicop.cli.common import Command, Group

LOG_HELP = (
    "the gateway's audit log (rotated parts are found beside it), OTel GenAI JSON lines, "
    "or a postgresql:// URL"
)


def _add_method(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--baseline",
        metavar="FROM..TO",
        default=None,
        help="the baseline: request numbers (0..999) or ISO times (2026-11-01..2026-11-07T12:00); "
        "default the first --baseline-size requests. Requests before FROM are not read",
    )
    p.add_argument("--baseline-size", type=int, default=1000, metavar="N", help="default 1000")
    p.add_argument(
        "--window",
        default="500",
        metavar="N|DURATION",
        help="each test's window: a number of requests (500, the default) or a time (30m, 1h)",
    )
    p.add_argument("--stride", type=int, default=50, metavar="N", help="test every N requests (default 50)")
    p.add_argument(
        "--alpha",
        type=float,
        default=0.05,
        help="false-alarm budget per --horizon requests of steady traffic (default 0.05)",
    )
    p.add_argument("--horizon", type=int, default=10_000, metavar="N", help="default 10000")
    p.add_argument(
        "--embeddings",
        action="store_true",
        help="add embedding drift with the guard's local MiniLM model (slower; needs the classifier extra)",
    )
    p.add_argument(
        "--embed-every",
        type=int,
        default=1,
        metavar="N",
        help="with --embeddings: embed one request in N (by position, so the test keeps its level; "
        "default 1, every request)",
    )
    p.add_argument(
        "--embed-processes",
        type=int,
        default=None,
        metavar="N",
        help="with --embeddings: embed on N processes, this one and N-1 workers "
        "(default: 2, or 1 on a one-core machine)",
    )
    p.add_argument(
        "--embed-tokens",
        type=int,
        default=64,
        metavar="N",
        help="with --embeddings: embed a prompt's first N tokens (default 64; the guard's model reads 256)",
    )


def _point(text: str) -> Any:
    import datetime as dt

    if text.strip().lstrip("-").isdigit():
        return int(text)
    try:
        when = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"--baseline: {text!r} is neither a request number nor an ISO date or time"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def settings_from(a: argparse.Namespace) -> Any:
    from aicop.monitor.detect import Settings
    from aicop.monitor.watch import seconds

    baseline_range = None
    if a.baseline:
        start, sep, end = a.baseline.partition("..")
        if not sep or not start or not end:
            raise UsageError(f"--baseline: {a.baseline!r} is not FROM..TO")
        baseline_range = (_point(start), _point(end))
        if type(baseline_range[0]) is not type(baseline_range[1]) or baseline_range[0] > baseline_range[1]:
            raise UsageError(
                f"--baseline: {a.baseline!r} must go from an earlier to a later point of one kind"
            )
    window, window_seconds = 500, None
    if a.window.strip().isdigit():
        window = int(a.window)
    else:
        try:
            window_seconds = seconds(a.window)
        except ValueError as err:
            raise UsageError(f"--window: {err}") from None
    for name, value, low in (
        ("--stride", a.stride, 1),
        ("--baseline-size", a.baseline_size, 1),
        ("--horizon", a.horizon, 100),
        ("--embed-every", a.embed_every, 1),
        ("--embed-processes", 1 if a.embed_processes is None else a.embed_processes, 1),
        ("--embed-tokens", a.embed_tokens, 3),
    ):
        if value < low:
            raise UsageError(f"{name} must be at least {low}")
    if not 0 < a.alpha < 1:
        raise UsageError("--alpha must be between 0 and 1")
    return Settings(
        baseline=a.baseline_size,
        baseline_range=baseline_range,
        window=window,
        window_seconds=window_seconds,
        stride=a.stride,
        alpha=a.alpha,
        horizon=a.horizon,
        embeddings=a.embeddings,
        embed_every=a.embed_every,
    )


def _embedder(a: argparse.Namespace) -> Any:
    """The monitor's MiniLM on --embed-processes processes (close it: it may have workers)."""
    import os

    from aicop.errors import InputError
    from aicop.gateway import classifier
    from aicop.monitor.embedding import MiniLM

    problem = classifier.missing()
    if problem:
        raise InputError(f"--embeddings: {problem}")
    folder = classifier.model_dir()
    assert folder is not None
    processes = a.embed_processes if a.embed_processes is not None else min(2, os.cpu_count() or 1)
    return MiniLM(folder, processes=processes, tokens=a.embed_tokens)


# --------------------------------------------------------------------------- report
def configure_report(p: argparse.ArgumentParser) -> None:
    p.add_argument("--log", required=True, metavar="FILE|URL", help=LOG_HELP)
    _add_method(p)
    p.add_argument(
        "--output",
        "-o",
        type=output_directory,
        metavar="DIR",
        help="write monitor-report.json, .md and .html here",
    )
    p.add_argument(
        "--format",
        dest="fmt",
        choices=("text", "json", "markdown", "html"),
        default="text",
        help="without --output: what to print (default text)",
    )


def run_report(a: argparse.Namespace) -> int:
    """Read a log of the requests a model answered and report what changed against a baseline: input
    drift (words, length, scripts, optionally meaning), output behaviour (refusals, answer length,
    finish reasons, errors, latency, guard flags and redactions), leaks the gateway withheld, and keys
    that look like probing or extraction. Exit 0 steady, 1 changed or tampered, 2 not judged or
    unreadable."""
    from aicop.fsutil import write_all_atomic
    from aicop.monitor.detect import Monitor
    from aicop.monitor.events import open_log
    from aicop.monitor.report import FILENAMES, RENDERERS, build, render_text

    settings = settings_from(a)
    reader = open_log(a.log)
    embedder = _embedder(a) if settings.embeddings else None
    try:
        monitor = Monitor(settings, embedder)
        for request in reader:
            monitor.feed(request)
        monitor.finish()
    finally:
        if embedder is not None:
            embedder.close()  # its worker processes, on an error or Ctrl-C too
    if monitor.read == 0 and reader.integrity.records == 0 and not reader.integrity.problems:
        from aicop.errors import InputError

        raise InputError(
            "no requests could be read from the log", path=None if "://" in a.log else as_path(a.log)
        )
    report = build(monitor, reader.integrity, a.log)
    if a.output is not None:
        write_all_atomic({a.output / FILENAMES[f]: RENDERERS[f](report) for f in FILENAMES})
        sys.stdout.write(render_text(report))
        for name in FILENAMES.values():
            print(f"wrote {a.output / name}", file=sys.stderr)
    else:
        emit(render_text(report) if a.fmt == "text" else RENDERERS[a.fmt](report), None)
    return _exit(report.verdict)


def _exit(verdict: str) -> int:
    return int({"steady": ExitCode.OK, "not judged": ExitCode.BAD_INPUT}.get(verdict, ExitCode.GAPS))


# --------------------------------------------------------------------------- watch
def configure_watch(p: argparse.ArgumentParser) -> None:
    p.add_argument("--log", required=True, type=as_path, metavar="FILE", help="the gateway's live audit log")
    p.add_argument(
        "--config", type=as_path, default=None, help="monitor.yaml: baseline, window, rules, metrics"
    )
    p.add_argument(
        "--idle-exit",
        type=float,
        default=None,
        metavar="SECONDS",
        help="stop after this long without new records (default: follow until interrupted)",
    )


def run_watch(a: argparse.Namespace) -> int:
    """Follow a live audit log and raise alerts (stdout, webhooks, Prometheus gauges) as the traffic
    changes, per the rules of monitor.yaml. Exit 1 after an alert when exit_on_alert is set (or, with
    --idle-exit, when any alert was raised), 0 otherwise; Ctrl-C stops it."""
    from aicop.monitor.watch import load_watch_config, watch

    config = load_watch_config(a.config)

    def say(line: str) -> None:
        print(line, flush=True)

    return watch(a.log, config, say, idle_exit=a.idle_exit)


# --------------------------------------------------------------------------- simulate
def configure_simulate(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--output", "-o", type=output_file, required=True, metavar="FILE", help="the audit log to write (new)"
    )
    p.add_argument("--requests", type=int, default=5000, metavar="N")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--shift-at", type=int, default=None, metavar="N", help="from request N, 10%% from an unseen domain"
    )
    p.add_argument("--probe-at", type=int, default=None, metavar="N", help="from request N, a probing client")


def run_simulate(a: argparse.Namespace) -> int:
    """Write seeded traffic as a gateway audit log: benign users of a few domains, optionally a shift
    to an unseen domain and a probing client. For trying the monitor, its tests and its demo."""
    from aicop.monitor.simulate import Plan, write_log

    if a.requests < 1:
        raise UsageError("--requests must be at least 1")
    written = write_log(
        Plan(requests=a.requests, seed=a.seed, shift_at=a.shift_at, probe_at=a.probe_at), a.output
    )
    print(f"wrote {a.output}: {written} requests", file=sys.stderr)
    return int(ExitCode.OK)


COMMANDS: dict[str, Command] = {}
GROUPS: dict[str, Group] = {
    "monitor": (
        "find drift, probing and changed behaviour in the traffic a model answers",
        {
            "report": (
                "report what changed in a log against its baseline",
                None,
                configure_report,
                run_report,
            ),
            "watch": ("follow a live log and raise alerts", None, configure_watch, run_watch),
            "simulate": ("write seeded traffic as an audit log", None, configure_simulate, run_simulate),
        },
    ),
}
