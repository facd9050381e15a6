"""Known vulnerabilities offline and your own security bulletins: ``aicop deps``,
``aicop advisories import|status`` and ``aicop advisory new|validate|publish``."""

from __future__ import annotations

import argparse
import sys

from aicop.cli.common import add_db_option, as_path, emit, output_directory, output_file
from aicop.errors import AicopError, ExitCode

TYPE_CHECKING = False
if TYPE_CHECKING:
    from aicop.cli.common import Command, Group

SEVERITIES = ("low", "medium", "high", "critical")
DEPS_FORMATS = ("text", "json", "sarif", "cyclonedx-vex")


def _days(value: str) -> int:
    try:
        days = int(value)
    except ValueError:
        days = -1
    if days < 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of days")
    return days


def _add_db(p: argparse.ArgumentParser) -> None:
    add_db_option(
        p,
        "the advisory database (default: $AICOP_ADVISORY_DB, else advisories.sqlite3 in the user's data "
        "directory)",
    )


def configure_deps(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "path",
        nargs="?",
        type=as_path,
        default=None,
        help="a project directory (its uv.lock, poetry.lock, Pipfile.lock, requirements*.txt, *.cdx.json, "
        "else pyproject.toml) or one such file (default: .)",
    )
    p.add_argument(
        "--env",
        type=as_path,
        default=None,
        metavar="PYTHON",
        help="check what is installed beside this interpreter instead (read from dist-info, never run)",
    )
    _add_db(p)
    p.add_argument("--format", dest="fmt", choices=DEPS_FORMATS, default="text")
    p.add_argument(
        "--fail-severity",
        choices=SEVERITIES,
        default="high",
        help="exit 1 for a vulnerability at or above this severity (default: high; unknown counts as above)",
    )
    p.add_argument(
        "--max-age",
        type=_days,
        default=7,
        metavar="DAYS",
        help="a snapshot whose newest record is older than this is a finding (default: 7)",
    )
    p.add_argument("--output", "-o", type=output_file, metavar="FILE", help="write the report here")


def run_deps(a: argparse.Namespace) -> int:
    """Check every pinned dependency against an offline OSV snapshot and aicop's curated AI/ML
    advisories. Each is vulnerable (advisory, severity, fixed version), clean as of the snapshot's
    date, or not checked (no snapshot, not pinned, not from the index, version not parseable): nothing
    unchecked is ever called clean.

    Exit 0: every dependency checked and clean, snapshot fresh. 1: a vulnerability at or above
    --fail-severity, a dependency not checked, or a stale snapshot. 2: bad input, or nothing could be
    checked at all."""
    import datetime as dt
    from pathlib import Path

    from aicop.deps import output, sources
    from aicop.deps.audit import Verdict, audit
    from aicop.deps.store import AdvisoryDB, default_path
    from aicop.severity import Severity

    deps = sources.read_environment(a.env) if a.env is not None else sources.read_path(a.path or Path())
    if not deps:
        raise AicopError("no dependencies found; nothing was checked", path=a.env or a.path or Path())
    if a.db is not None and not a.db.is_file():
        raise AicopError("no advisory database here (import an OSV export into it first)", path=a.db)
    db_path = a.db or default_path()
    db = AdvisoryDB.open(db_path, create=False) if db_path.is_file() else None
    try:
        result = audit(
            deps,
            db,
            dt.date.today(),
            max_age_days=a.max_age,
            threshold=Severity[a.fail_severity.upper()],
        )
    finally:
        if db is not None:
            db.close()
    render = {
        "text": output.render_text,
        "json": output.render_json,
        "sarif": output.render_sarif,
        "cyclonedx-vex": output.render_vex,
    }[a.fmt]
    emit(render(result), a.output)
    if not result.of(Verdict.CLEAN) and not result.of(Verdict.VULNERABLE):
        print("aicop: error: no dependency could be checked (see 'not checked' above)", file=sys.stderr)
        return int(ExitCode.BAD_INPUT)
    gaps = result.failing() or result.of(Verdict.NOT_CHECKED) or result.stale
    return int(ExitCode.GAPS) if gaps else int(ExitCode.OK)


def configure_import(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=as_path, help="OSV's export of an ecosystem: a zip of OSV JSON records")
    _add_db(p)
    p.add_argument("--format", dest="fmt", choices=("text", "json"), default="text")


def run_import(a: argparse.Namespace) -> int:
    """Validate every record of an OSV export against the OSV schema and store it with the import's
    date and the zip's SHA-256; report what changed since the last import. Records that break the
    schema are skipped and named; a zip that cannot be read imports nothing (exit 2)."""
    import datetime as dt
    import json

    from aicop.deps.store import AdvisoryDB, default_path

    if not a.file.is_file():
        raise AicopError("no such file", path=a.file)
    db = AdvisoryDB.open(a.db or default_path(), create=True)
    try:
        report = db.import_zip(a.file, dt.datetime.now(dt.UTC))
    finally:
        db.close()
    if a.fmt == "json":
        print(json.dumps(report.as_dict(), indent=2))
    else:
        snap = report.snapshot
        print(
            f"imported {snap.records} advisories ({', '.join(snap.ecosystems)}) from {snap.source}, "
            f"newest record {snap.data_date}, sha256 {snap.sha256[:16]}…"
        )
        if report.first:
            print("first import of this ecosystem")
        else:
            print(
                f"since the last import: {len(report.added)} added, {len(report.modified)} modified, "
                f"{len(report.withdrawn)} withdrawn, {len(report.removed)} removed"
            )
        for s in report.skipped[:20]:
            print(f"skipped {s.member}{f' ({s.record})' if s.record else ''}: {s.reason}", file=sys.stderr)
        if len(report.skipped) > 20:
            print(f"… and {len(report.skipped) - 20} more skipped", file=sys.stderr)
    return int(ExitCode.OK)


def configure_status(p: argparse.ArgumentParser) -> None:
    _add_db(p)


def run_status(a: argparse.Namespace) -> int:
    """The snapshots in the advisory database: ecosystem, records, newest record, import date, digest."""
    import datetime as dt

    from aicop.deps.audit import curated
    from aicop.deps.store import AdvisoryDB, default_path

    db = AdvisoryDB.open(a.db or default_path(), create=False)
    try:
        snapshots = db.snapshots()
    finally:
        db.close()
    today = dt.date.today()
    for s in snapshots:
        print(
            f"{','.join(s.ecosystems)}: {s.records} advisories, newest {s.data_date[:10]} "
            f"({s.age_days(today)} days old), imported {s.imported_at} from {s.source} "
            f"(sha256 {s.sha256[:16]}…, {s.skipped} skipped)"
        )
    print(f"curated AI/ML advisories shipped with aicop: {', '.join(c.id for c in curated())}")
    return int(ExitCode.OK)


def configure_new(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", help="your bulletin's id, e.g. ACME-2026-001")
    p.add_argument("--package", required=True, help="the affected component (your system, model or package)")
    p.add_argument("--fixed", required=True, help="the version that fixes it")
    p.add_argument(
        "--introduced", default="0", help="the first affected version (default: 0, every earlier one)"
    )
    p.add_argument("--ecosystem", default="PyPI", help="OSV ecosystem of the component (default: PyPI)")
    p.add_argument("--summary", required=True, help="one line: what is wrong")
    p.add_argument("--severity", choices=SEVERITIES, default="medium")
    p.add_argument(
        "--output", "-o", type=output_file, default=None, help="file to write (default: advisories/ID.yaml)"
    )


def run_new(a: argparse.Namespace) -> int:
    """Write a bulletin source file (YAML) for a security fix you ship; fill in the details, then
    'aicop advisory validate' and 'publish' it."""
    from pathlib import Path

    from aicop.advisory.bulletin import new_bulletin

    target = a.output or Path("advisories") / f"{a.id}.yaml"
    if target.exists():
        raise AicopError("already exists; not overwritten", path=target)
    text = new_bulletin(a.id, a.package, a.ecosystem, a.introduced, a.fixed, a.summary, a.severity)
    emit(text, target)
    return int(ExitCode.OK)


def configure_validate(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", type=as_path, metavar="FILE", help="bulletin source files (YAML)")
    p.add_argument(
        "--root", type=as_path, default=None, help="the repository whose SECURITY.md names the contact"
    )


def run_validate(a: argparse.Namespace) -> int:
    """Check each bulletin and the OSV and CSAF 2.0 documents it becomes against their schemas."""
    from pathlib import Path

    from aicop.advisory.bulletin import load_bulletin, render

    for path in a.files:
        bulletin = load_bulletin(path)
        render(bulletin, a.root or Path(), path)
        print(f"{path}: valid (OSV and CSAF 2.0)")
    return int(ExitCode.OK)


def configure_publish(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", type=as_path, metavar="FILE", help="bulletin source files (YAML)")
    p.add_argument(
        "--out", type=output_directory, required=True, help="the folder operators read (written atomically)"
    )
    p.add_argument(
        "--root", type=as_path, default=None, help="the repository whose SECURITY.md names the contact"
    )
    p.add_argument("--base-url", default=None, help="where --out is served, for the feed's links")


def run_publish(a: argparse.Namespace) -> int:
    """Write each bulletin as OSV JSON and CSAF 2.0 JSON, and a JSON Feed (feed.json) listing them
    all, newest first. Everything is validated before anything is written."""
    from pathlib import Path

    from aicop.advisory.bulletin import publish

    written = publish(a.files, a.out, a.root or Path(), a.base_url)
    for path in written:
        print(f"wrote {path}", file=sys.stderr)
    return int(ExitCode.OK)


COMMANDS: dict[str, Command] = {
    "deps": (
        "dependencies against an offline advisory snapshot: vulnerable, clean as of a date, or not checked",
        None,
        configure_deps,
        run_deps,
    ),
}
GROUPS: dict[str, Group] = {
    "advisories": (
        "the offline advisory database (OSV exports) that 'aicop deps' checks against",
        {
            "import": ("import OSV's export of an ecosystem (a zip)", None, configure_import, run_import),
            "status": ("the snapshots held and their age", None, configure_status, run_status),
        },
    ),
    "advisory": (
        "your own security bulletins (OSV and CSAF 2.0) and the feed operators follow",
        {
            "new": ("start a bulletin for a fix you ship", None, configure_new, run_new),
            "validate": (
                "check bulletins against the OSV and CSAF schemas",
                None,
                configure_validate,
                run_validate,
            ),
            "publish": ("write OSV, CSAF and a JSON Feed", None, configure_publish, run_publish),
        },
    ),
}
