"""Checking data: ``aicop data check`` and ``aicop data watch``."""

from __future__ import annotations

import argparse
import sys

from aicop.cli.common import (
    as_path,
    new_directory,
    output_file,
    positive_int,
    project,
    spinner,
)
from aicop.errors import AicopError, ExitCode

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from aicop.cli.common import Command, Group
    from aicop.datacheck.engine import DataReport
    from aicop.datacheck.names import Names


def configure_data_check(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", type=as_path, metavar="PATH", help="data files or directories")
    p.add_argument("--format", dest="fmt", choices=("text", "json", "sarif", "html"), default="text")
    p.add_argument(
        "--redact",
        type=new_directory,
        default=None,
        metavar="OUT",
        help="also write a sanitised copy of the data under OUT (a new directory): personal data, "
        "secrets and planted instructions replaced by [KIND]",
    )
    p.add_argument(
        "--similarity",
        type=_similarity,
        default=0.7,
        metavar="S",
        help="report records that share at least this share of their word pairs with an earlier one as "
        "near-duplicates (estimated Jaccard similarity, 0.5 to 1; default 0.7); 'off' for exact and "
        "normalised duplicates only",
    )
    p.add_argument(
        "--near-budget",
        type=_budget,
        default="auto",
        metavar="SECONDS",
        help="CPU seconds the near-duplicate search may take in the whole run (default: 0.03 s per MB "
        "read, after 0.25 s, so the check keeps its speed); records met while it is spent are checked "
        "for exact and normalised duplicates only, and the report says how many; 'none' for no limit",
    )
    p.add_argument(
        "--ner",
        metavar="MODEL",
        default=None,
        help="also find names of people and places with Presidio over a local spaCy pipeline: a package "
        "name (en_core_web_lg) or a saved pipeline's folder; tens of KB/s, so off by default (needs "
        "aicop[ner]; nothing is downloaded)",
    )
    p.add_argument(
        "--label-noise",
        dest="label_noise",
        action="store_true",
        default=False,
        help="also look for flipped labels in labelled sets (cleanlab over a cross-validated model: "
        "tens of seconds per 100,000 rows, so off by default; needs the aicop[labels] extra)",
    )
    p.add_argument(
        "--no-label-noise",
        dest="label_noise",
        action="store_false",
        help="do not look for flipped labels (the default; kept for scripts that say so)",
    )
    p.add_argument(
        "--drop-poisoned",
        action="store_true",
        help="leave the rows that carry a backdoor trigger out of the --redact copy (needs --redact)",
    )
    p.add_argument(
        "--jobs",
        "-j",
        type=positive_int,
        default=None,
        metavar="N",
        help="processes: 2 (or more: there is one helper) runs the near-duplicate search in a helper "
        "process on another core while the data is read (the default from 2 MB of data on a machine with "
        "two cores or more), 1 keeps it in one process; the report is the same",
    )
    p.add_argument("--output", "-o", type=output_file, metavar="FILE", help="file to write (default: stdout)")


def _similarity(value: str) -> float | None:
    if value.lower() == "off":
        return None
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0.5 <= number <= 1.0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a similarity from 0.5 to 1, or 'off'")
    return number


def _budget(value: str) -> float | str | None:
    if value.lower() == "none":
        return None
    if value.lower() == "auto":
        return "auto"
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 <= number <= 86_400:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds from 0 to 86400, or 'none'")
    return number


def run_data_check(a: argparse.Namespace) -> int:
    """Find personal data (with check digits), secrets and planted instructions in CSV, TSV, JSON,
    JSON Lines and text files, compressed or not, streamed. Exit 0 clean, 1 findings, 2 nothing
    readable."""
    from aicop.datacheck.engine import check_paths
    from aicop.datacheck.neardup import NEAR_RATE

    for path in a.paths:
        if not path.exists():
            raise AicopError("no such file or directory", path=path)
    if a.drop_poisoned and a.redact is None:
        raise AicopError("--drop-poisoned leaves rows out of the sanitised copy: give --redact OUT too")
    if a.redact is not None:
        from aicop.datacheck.redact import check_target

        check_target(a.redact)  # before the work, not after it
    names = None
    if a.ner is not None:
        from aicop.datacheck.names import Names

        with spinner(f"loading the NER model {a.ner}…"):
            names = Names.load(a.ner)
    with spinner("reading the data…", "checking {}…") as progress:
        report = check_paths(
            a.paths,
            progress=(lambda p: progress(p.name)) if progress else None,
            similarity=a.similarity,
            label_noise=a.label_noise,
            names=names,
            near_budget=a.near_budget if a.near_budget != "auto" else None,
            near_rate=NEAR_RATE if a.near_budget == "auto" else None,
            jobs=a.jobs,
        )
    try:
        if a.redact is not None:
            _redact(a, report, names)
        if a.fmt == "json":
            chunks: Iterable[str] = report.json_chunks()
        elif a.fmt == "sarif":
            from aicop.datacheck.output import sarif_chunks

            chunks = sarif_chunks(report)
        elif a.fmt == "html":
            from aicop.datacheck.output import render_html

            chunks = [render_html(report)]
        else:
            chunks = [_summary(report)]
        _emit_chunks(chunks, a.output)
    finally:
        report.spool.close()
    if report.files == 0 and report.problems:
        return int(ExitCode.BAD_INPUT)
    return int(ExitCode.GAPS if report.counts else ExitCode.OK)


TERMINAL = 10  # findings of one kind in one file printed in the terminal summary


def _summary(report: DataReport) -> str:
    """The terminal summary: at most TERMINAL findings of a kind in a file, with how many more there
    are (the machine formats list all)."""
    from collections import Counter

    lines = []
    printed: Counter[tuple[str, str]] = Counter()
    for f in report.findings:
        key = (f.path, f.kind)
        printed[key] += 1
        if printed[key] > TERMINAL:
            continue
        where = f"line {f.line}" if f.row is None else f"row {f.row}"
        if f.line is None and f.row is None:
            where = "whole file"
        column = f", column {f.column}" if f.column is not None else ""
        lines.append(f"{f.path}: {where}{column}: {f.kind}: {f.example}")
        if printed[key] == TERMINAL and report.per_file[key] > TERMINAL:
            more = report.per_file[key] - TERMINAL
            lines.append(f"{f.path}: … {more:,} more {f.kind} (every one in --format json or sarif)")
    lines += [f"problem: {p}" for p in report.problems]
    counts = ", ".join(f"{n} {k}" for k, n in sorted(report.counts.items())) or "nothing found"
    lines.append(f"{report.files} files, {report.bytes / 1e6:.1f} MB in {report.seconds:.2f} s: {counts}")
    lines += [f"{name}: {what}" for name, what in report.analyses.items()]
    return "\n".join(lines) + "\n"


def _redact(a: argparse.Namespace, report: DataReport, names: Names | None) -> None:
    from pathlib import Path

    from aicop.datacheck.engine import data_files, poisoned_rows
    from aicop.datacheck.redact import redact_tree

    drop = {Path(path): rows for path, rows in poisoned_rows(report).items()} if a.drop_poisoned else {}
    pairs = []
    for base in a.paths:
        for path in data_files([base]):
            pairs.append(
                (path, Path(base.name) / path.relative_to(base) if base.is_dir() else Path(path.name))
            )
    with spinner("writing the sanitised copy…"):
        written = redact_tree(pairs, a.redact, names, drop=drop)
    dropped = sum(len(rows) for rows in drop.values())
    also = f", without {dropped:,} poisoned rows" if a.drop_poisoned else ""
    print(f"wrote a sanitised copy of {written} files to {a.redact}{also}", file=sys.stderr)


def _emit_chunks(chunks: Iterable[str], output: Path | None) -> None:
    """A report piece by piece: to stdout, or (fsutil.write_atomic) to ``output`` once complete."""
    if output is None:
        for chunk in chunks:
            sys.stdout.write(chunk)
        return
    from aicop.fsutil import write_atomic

    write_atomic(output, chunks)
    print(f"wrote {output}", file=sys.stderr)


def configure_data_watch(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", nargs="?", type=as_path, default=None, help="the repository (default: .)")
    p.add_argument("--record", action="store_true", help="record the sources' current state as the known one")
    p.add_argument("--format", dest="fmt", choices=("text", "json"), default="text")


def run_data_watch(a: argparse.Namespace) -> int:
    """Check the public data sources aicop.yaml declares (datasets with a url: http(s) or
    hf://datasets/ORG/NAME) against their recorded state: content, revision and licence. Exit 0
    unchanged, 1 changed, not recorded or not reachable (never reported as unchanged)."""
    import json

    from aicop.datacheck.watch import watch

    root, manifest = project(a.path)
    if manifest is None:
        raise AicopError("no aicop.yaml: the sources to watch are its datasets with a url", path=root)
    with spinner("fetching the sources…"):
        result = watch(root, manifest, record=a.record)
    unrecorded = [] if a.record else result.new
    if a.fmt == "json":
        print(
            json.dumps(
                {
                    "changes": result.changes,
                    "not_checked": result.not_checked,
                    "not_recorded": unrecorded,
                    "checked": [s.name for s in result.states if s.error is None],
                },
                indent=2,
            )
        )
    else:
        for name, what in result.changes.items():
            print(f"changed      {name}: {'; '.join(what)}")
        for name, why in result.not_checked.items():
            print(f"not checked  {name}: {why}")
        for name in unrecorded:
            print(f"not recorded {name}: run 'aicop data watch --record' once it is reviewed")
        checked = sum(s.error is None for s in result.states)
        verb = "recorded" if a.record else "checked"
        print(f"{checked} of {len(result.states)} sources {verb}; state in .aicop/sources.json")
    return int(ExitCode.GAPS if result.changes or result.not_checked or unrecorded else ExitCode.OK)


COMMANDS: dict[str, Command] = {}
GROUPS: dict[str, Group] = {
    "data": (
        "check training and input data",
        {
            "check": (
                "personal data, secrets and planted instructions in data files",
                None,
                configure_data_check,
                run_data_check,
            ),
            "watch": (
                "record public data sources and report changes in content, revision or licence",
                None,
                configure_data_watch,
                run_data_watch,
            ),
        },
    ),
}
