"""The command line of adversarial testing: ``aicop redteam run|compare|suites|schema`` and the release
gate, ``aicop release check``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from aicop.errors import ExitCode, InputError

TYPE_CHECKING = False  # typing is not imported for --help (tests/cli checks what --help imports)
if TYPE_CHECKING:
    from collections.abc import Callable

    from aicop.cli.common import Command, Group
    from aicop.redteam.suite import RedteamConfig
    from aicop.system.manifest import Manifest

CONFIG_HELP = "redteam.yaml (default: PROJECT/redteam.yaml if there is one, else the built-in defaults)"


def _config(project: Path, given: Path | None) -> tuple[RedteamConfig, Path]:
    from aicop.redteam.suite import load_config

    if given is not None:
        return load_config(given), given.parent
    default = project / "redteam.yaml"
    return load_config(default if default.is_file() else None), project


def _project(path: Path) -> tuple[Path, Manifest | None]:
    from aicop.cli.common import project

    return project(path)


# --------------------------------------------------------------------------- run
def configure_run(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--target", metavar="URL", help="OpenAI-compatible base URL, e.g. http://127.0.0.1:8088/v1"
    )
    p.add_argument("--model", metavar="NAME", help="the model name sent in each request")
    p.add_argument("--config", type=Path, default=None, help=CONFIG_HELP)
    p.add_argument("--project", type=Path, default=Path(), help="the repository with aicop.yaml (default: .)")
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder for the run and its reports (default: PROJECT/.aicop/redteam/runs/RUN_ID)",
    )
    p.add_argument("--resume", action="store_true", help="continue the interrupted run in -o DIR")
    p.add_argument(
        "--suite",
        action="append",
        default=None,
        metavar="ID|FILE",
        help="run only these suites (repeatable; built-in ids or suite files)",
    )
    p.add_argument("--samples", type=int, default=None, help="answers drawn per attack (default 2)")
    p.add_argument("--concurrency", type=int, default=None, help="requests in flight (default 16)")
    p.add_argument(
        "--timeout", type=float, default=None, metavar="S", help="seconds per request (default 30)"
    )
    p.add_argument("--max-attacks", type=int, default=None, metavar="N", help="only the first N attacks")
    p.add_argument("--judge-url", metavar="URL", default=None, help="optional judge model, reported apart")
    p.add_argument("--format", dest="fmt", choices=("text", "json"), default="text")


def run_run(a: argparse.Namespace) -> int:
    """Attack an OpenAI-compatible chat endpoint with the configured suites (direct and indirect prompt
    injection, jailbreaks, system prompt extraction, leaks of planted secrets, insecure output, tool
    misuse, resource abuse, metadata leakage, and benign requests that must be answered). Judges are
    deterministic rules; every result records prompt, answer, judge and verdict. The run is bound to
    the model it tested (inventory hash or remote id and revision), the system prompt's hash, the suite
    versions and the thresholds, and writes run.json, report.md, report.html, report.sarif, junit.xml
    and summary.md (shareable: no prompts, answers or planted secrets).

    Exit 0: every suite within its threshold; 1: an attack succeeded beyond a threshold; 2: bad input,
    an unreachable or incompatible target, a wrong key, or requests that failed (the run is then marked
    incomplete and passes nothing)."""
    from aicop.redteam.session import Options, run

    root, manifest = _project(a.project)
    config, base = _config(root, a.config)
    config = _override(config, a)
    options = Options(
        project=root, manifest=manifest, config=config, config_base=base, output=a.output, resume=a.resume
    )
    record, folder = run(options, _progress())
    if a.fmt == "json":
        print(
            json.dumps(
                {
                    "run": record.run_id,
                    "status": record.status,
                    "folder": str(folder),
                    "suites": [s.model_dump(mode="json") for s in record.suites],
                },
                indent=2,
            )
        )
    else:
        for s in record.suites:
            mark = "pass" if s.passed else ("incomplete" if s.errors else "FAIL")
            print(
                f"{s.id:26} {s.successes:4}/{s.attempts:<4} {s.rate:7.1%} "
                f"[{s.wilson_low:.1%}–{s.wilson_high:.1%}]  threshold {s.threshold:.1%}  {mark}"
            )
        print(
            f"{record.status.upper()}: run {record.run_id}, {record.counts.requests} requests in "
            f"{record.counts.wall_seconds:.1f} s; reports in {folder}"
        )
    if record.status == "incomplete":
        print(f"aicop: error: {record.counts.errors} requests failed: the run is incomplete", file=sys.stderr)
        return int(ExitCode.BAD_INPUT)
    return int(ExitCode.OK if record.status == "pass" else ExitCode.GAPS)


def _override(config: RedteamConfig, a: argparse.Namespace) -> RedteamConfig:
    target = {k: v for k, v in (("url", a.target), ("model", a.model)) if v}
    changes: dict[str, object] = {}
    if target:
        changes["target"] = config.target.model_copy(update=target)
    for name, value, low in (
        ("samples", a.samples, 1),
        ("concurrency", a.concurrency, 1),
        ("max_attacks", a.max_attacks, 1),
    ):
        if value is not None:
            if value < low:
                raise InputError(f"--{name.replace('_', '-')} must be at least {low}, not {value}")
            changes[name] = value
    if a.timeout is not None:
        if a.timeout <= 0:
            raise InputError(f"--timeout must be above 0, not {a.timeout}")
        changes["timeout"] = a.timeout
    if a.suite:
        changes["suites"] = a.suite
    if a.judge_url:
        changes["judge_url"] = a.judge_url
    return config.model_copy(update=changes)


def _progress() -> Callable[[int], Callable[[], None]] | None:
    """A rich progress bar on stderr when a person is watching."""
    if not sys.stderr.isatty():
        return None

    def start(total: int) -> Callable[[], None]:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        bar = Progress(
            "attacks",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        task = bar.add_task("attacks", total=total)
        bar.start()
        done = [0]

        def advance() -> None:
            done[0] += 1
            bar.advance(task)
            if done[0] >= total:
                bar.stop()

        return advance

    return start


# --------------------------------------------------------------------------- compare
def configure_compare(p: argparse.ArgumentParser) -> None:
    p.add_argument("old", type=Path, help="the earlier run (run.json or its folder)")
    p.add_argument("new", type=Path, help="the later run")
    p.add_argument("--alpha", type=float, default=0.05, help="significance level (default 0.05)")
    p.add_argument("--format", dest="fmt", choices=("text", "json"), default="text")


def run_compare(a: argparse.Namespace) -> int:
    """Compare the attack success rate per suite of two runs. A rise is a regression only when it is
    significant (one-sided Fisher's exact test at --alpha), not noise between samples. Exit 1 when a
    suite regressed."""
    from aicop.redteam.gate import compare, load_run

    if not 0 < a.alpha < 1:
        raise InputError(f"--alpha must be between 0 and 1, not {a.alpha}")
    old, new = load_run(a.old), load_run(a.new)
    changes = compare(old, new, a.alpha)
    if a.fmt == "json":
        print(json.dumps([c.__dict__ for c in changes], indent=2))
    else:
        for c in changes:
            flag = "REGRESSION" if c.regression else "ok"
            print(
                f"{c.suite:26} {c.old[0]}/{c.old[1]} -> {c.new[0]}/{c.new[1]}  "
                f"p={c.p_value:.4f}  {flag} {c.note}"
            )
        if old.binding.model_name != new.binding.model_name:
            print(
                f"note: the runs tested different models ({old.binding.model_name} and "
                f"{new.binding.model_name})"
            )
    return int(ExitCode.GAPS if any(c.regression for c in changes) else ExitCode.OK)


# --------------------------------------------------------------------------- suites, schema
def run_suites(a: argparse.Namespace) -> int:
    """The built-in suites: id, version, attacks, judge, OWASP and ATLAS tags, provisions."""
    from aicop.redteam.suite import builtin_ids, load_suite

    for suite_id in builtin_ids():
        suite, _ = load_suite(suite_id)
        print(
            f"{suite.id:26} v{suite.version}  {len(suite.attacks):3} attacks x "
            f"{len(suite.mutations)} mutations  {suite.judge.value:12} {suite.owasp or '-':6} "
            f"{suite.atlas or '-':14} {', '.join(suite.provisions)}"
        )
    return int(ExitCode.OK)


def run_schema(a: argparse.Namespace) -> int:
    """The JSON Schema of run.json."""
    from aicop.redteam.model import Run

    print(json.dumps(Run.model_json_schema(), indent=2))
    return int(ExitCode.OK)


# --------------------------------------------------------------------------- release check
def configure_release(p: argparse.ArgumentParser) -> None:
    p.add_argument("project", type=Path, nargs="?", default=Path(), help="the repository (default: .)")
    p.add_argument("--config", type=Path, default=None, help=CONFIG_HELP)
    p.add_argument(
        "--max-age",
        type=int,
        default=None,
        metavar="DAYS",
        help="how old a passing run may be (default: max_age_days in redteam.yaml, 30)",
    )
    p.add_argument("--format", dest="fmt", choices=("text", "json"), default="text")


def run_release(a: argparse.Namespace) -> int:
    """The release gate: exit 0 only when every model aicop.yaml declares has a complete, passing run
    (thresholds per suite in redteam.yaml) recorded for its current content hash (or remote reference
    and revision) and the current system prompt, no older than --max-age days. A model or system prompt
    that changed without a new run is a gap (11.3): exit 1."""
    import datetime as dt

    from aicop.redteam.gate import release_status

    root, manifest = _project(a.project)
    if manifest is None:
        raise InputError("no aicop.yaml: the gate needs the models it declares", path=root)
    config, base = _config(root, a.config)
    max_age = config.max_age_days if a.max_age is None else a.max_age
    if max_age < 0:
        raise InputError(f"--max-age must be 0 or more, not {max_age}")
    gates = release_status(root, manifest, config, base, dt.datetime.now(dt.UTC).date(), max_age)
    if a.fmt == "json":
        print(json.dumps([g.__dict__ for g in gates], indent=2))
    else:
        for g in gates:
            print(f"{'pass' if g.passed else 'GAP '}  {g.identity}: {g.reason}")
    return int(ExitCode.OK if all(g.passed for g in gates) else ExitCode.GAPS)


COMMANDS: dict[str, Command] = {}
GROUPS: dict[str, Group] = {
    "redteam": (
        "adversarial tests of a chat endpoint, bound to the model they tested",
        {
            "run": ("attack an OpenAI-compatible endpoint with the suites", None, configure_run, run_run),
            "compare": (
                "flag significant regressions between two runs",
                None,
                configure_compare,
                run_compare,
            ),
            "suites": ("list the built-in suites", None, lambda p: None, run_suites),
            "schema": ("print the JSON Schema of run.json", None, lambda p: None, run_schema),
        },
    ),
    "release": (
        "the release gate over recorded red-team runs",
        {
            "check": (
                "exit 1 unless every model has a passing run for its current hash",
                None,
                configure_release,
                run_release,
            )
        },
    ),
}
