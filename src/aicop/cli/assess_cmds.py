"""Describing and assessing a system: ``aicop init``, ``aicop manifest schema|validate``,
``aicop assess`` and ``aicop report schema``."""

from __future__ import annotations

import argparse
import sys

from aicop.cli.common import (
    REPORT_FORMATS,
    UsageError,
    add_catalog_option,
    as_path,
    catalog_from,
    catalog_path,
    configure_nothing,
    output_directory,
    parse_roles,
    spinner,
    write_files,
)
from aicop.errors import AicopError, ExitCode

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from aicop.assess.results import Assessment
    from aicop.catalog import Catalog
    from aicop.cli.common import Command, Group
    from aicop.system.manifest import Attestation


def run_manifest_schema(a: argparse.Namespace) -> int:
    """Print the JSON Schema of aicop.yaml."""
    import json

    from aicop.system.manifest import Manifest

    print(json.dumps(Manifest.model_json_schema(), indent=2))
    return 0


def configure_manifest_validate(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", nargs="?", type=as_path, default=None, help="the manifest (default: ./aicop.yaml)")
    add_catalog_option(p)


def run_manifest_validate(a: argparse.Namespace) -> int:
    """Check aicop.yaml against the schema and the catalog; exit 2 with file:line on the first error."""
    from pathlib import Path

    from aicop.system import load_manifest
    from aicop.system.yamlsource import manifest_catalog

    path = a.path or Path("aicop.yaml")
    catalog = catalog_from(a.catalog_source) if a.catalog_source else manifest_catalog(path, path.parent)
    loaded = load_manifest(path, path.parent, catalog, declared_must_exist=True)
    print(f"{path}: valid ({loaded.system.name}, roles: {', '.join(r.value for r in loaded.roles)})")
    return 0


def configure_init(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", nargs="?", type=as_path, default=None, help="the repository (default: .)")
    p.add_argument(
        "--print",
        dest="to_stdout",
        action="store_true",
        help="print the manifest instead of writing aicop.yaml",
    )


def run_init(a: argparse.Namespace) -> int:
    """Discover a starting aicop.yaml from the repository at PATH (never overwrites one)."""
    from pathlib import Path

    from aicop.fsutil import write_atomic
    from aicop.system.discover import discover, render_manifest
    from aicop.system.manifest import MANIFEST_NAME
    from aicop.system.yamlsource import load_manifest

    path = a.path or Path()
    if not path.is_dir():
        raise AicopError("not a directory", path=path)
    target = path / MANIFEST_NAME
    if target.exists() and not a.to_stdout:
        raise AicopError(
            "already exists; aicop init never overwrites a manifest (use --print to compare)", path=target
        )
    found = discover(path)
    text = render_manifest(found)
    roles = _role_summary(found.reasons, catalog_from(None))
    if a.to_stdout:
        sys.stdout.write(text)
        sys.stderr.write(roles)  # the manifest alone on stdout, so that it can be redirected
        return 0
    write_atomic(target, text)
    load_manifest(target, path)  # what init writes must load; a failure here is a bug, not bad input
    sys.stdout.write(roles)
    print(
        f"wrote {target}: {len(found.models)} models, {len(found.datasets)} datasets, {len(found.prompts)} "
        f"prompts, {len(found.documents)} documents, {len(found.external_apis)} external APIs. "
        f"Review it, then run 'aicop assess {path}'."
    )
    return 0


def _role_summary(reasons: dict[str, str], catalog: Catalog) -> str:
    """Each proposed role, why, and how many provisions of the catalog it brings into scope beyond the
    roles before it."""
    seen: set[str] = set()
    lines = ["roles proposed (edit 'roles:' in aicop.yaml if they are wrong):"]
    for role, why in reasons.items():
        ids = {v.id for v in catalog.provisions() if role in {s.value for s in v.stakeholders}}
        lines.append(f"  {role}: +{len(ids - seen)} provisions; the repository {why}")
        seen |= ids
    lines.append(f"  {len(seen)} of {len(catalog.provisions())} provisions of {catalog.id} apply")
    return "\n".join(lines) + "\n"


def configure_assess(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", nargs="?", type=as_path, default=None, help="the repository (default: .)")
    p.add_argument(
        "--manifest", dest="manifest_path", type=as_path, help="manifest to use (default PATH/aicop.yaml)"
    )
    p.add_argument(
        "--roles",
        action="append",
        default=[],
        metavar="ROLE[,ROLE]",
        help="roles to assess as, overriding the manifest: developer, system-operator, data-controller "
        "(the draft's name) or data-custodian (the final Code's); either is mapped to the catalog's",
    )
    p.add_argument(
        "--format",
        dest="formats",
        action="append",
        choices=REPORT_FORMATS,
        default=[],
        help="report formats to write (repeatable; default all five with --output); without "
        "--output, one format is printed to stdout instead of the table",
    )
    p.add_argument(
        "--output",
        "-o",
        type=output_directory,
        metavar="DIR",
        help="directory to write reports into (aicop-report.json, .md, .html, .sarif, .oscal.json)",
    )
    p.add_argument(
        "--fail-on",
        choices=("shall", "should", "never"),
        default="shall",
        help="exit 1 when a gap remains in a provision of this modality or stronger (default: shall)",
    )
    p.add_argument(
        "--all",
        dest="full",
        action="store_true",
        help="print the table of every provision, principle by principle, before the gaps",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors (for CI)")
    p.add_argument(
        "--push",
        metavar="URL",
        help="record the run on an 'aicop serve' at URL (token in AICOP_PUSH_TOKEN; the commit from the CI's "
        "variables or the repository's .git)",
    )
    p.add_argument(
        "--store",
        action="store_true",
        help="take the approved, unexpired attestations of this system from the store (--db or AICOP_DB_URL)",
    )
    p.add_argument(
        "--db", type=as_path, metavar="PATH", help="the SQLite store for --store (see 'aicop serve')"
    )
    add_catalog_option(p)


def run_assess(a: argparse.Namespace) -> int:
    """Assess the AI system in the repository at PATH against the Code."""
    from pathlib import Path

    from aicop.assess import assess as run_assessment
    from aicop.assess.results import FailOn
    from aicop.report import FORMATS, render

    path = a.path or Path()
    if a.output is None and len(a.formats) > 1:
        raise UsageError("without --output, give at most one --format (it is printed to stdout)")
    if not path.exists():
        raise AicopError("no such directory", path=path)
    push_token = _push_token(a.push)
    store_attestations = _store_attestations(a.db) if a.store else None
    from aicop.assess.controls import mapping_for

    catalog = catalog_from(a.catalog_source) if a.catalog_source else None
    mapping = mapping_for(catalog, catalog_path(a.catalog_source)) if catalog is not None else None
    with spinner() as progress:
        result = run_assessment(
            path,
            manifest_path=a.manifest_path,
            roles=parse_roles(a.roles) or None,
            catalog=catalog,
            progress=progress,
            mapping=mapping,
            attestations=store_attestations,
        )
    if a.output is None and a.formats:
        sys.stdout.write(render(result, a.formats[0]))
    else:
        rendered = {}
        if a.output is not None:
            rendered = {
                a.output / FORMATS[f].filename: render(result, f) for f in (a.formats or REPORT_FORMATS)
            }
        if not a.quiet:
            _print_table(result, full=a.full)
        write_files(rendered)
        for written in rendered:
            print(f"wrote {written}", file=sys.stderr)
    if a.push:
        from aicop.store.push import origin, push

        assert push_token is not None
        answer = push(a.push, push_token, render(result, "json"), origin(path))
        state = "recorded as" if answer.get("created") else "already stored as"
        print(
            f"pushed: {answer.get('system')} {state} run {answer.get('run')} ({answer.get('url')})",
            file=sys.stderr,
        )
    return int(ExitCode.GAPS if result.gaps(FailOn(a.fail_on)) else ExitCode.OK)


def _push_token(url: str | None) -> str | None:
    """Checked before the assessment runs: a missing token must not cost a whole run."""
    if not url:
        return None
    import os

    from aicop.store.push import TOKEN_ENV, endpoint

    endpoint(url)
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise UsageError(f"--push needs a push token in {TOKEN_ENV} (an admin creates one in aicop serve)")
    return token


def _store_attestations(db: Path | None) -> Callable[[str], dict[str, Attestation]]:
    """The approved, unexpired attestations of a system in the store, as the manifest would hold them."""
    import datetime as dt

    from aicop.store import open_database
    from aicop.store.attestations import approved_for
    from aicop.system.manifest import Attestation

    database = open_database(db)

    def source(system: str) -> dict[str, Attestation]:
        with database.session() as session:
            found = approved_for(session, system, dt.date.today())
        return {
            pid: Attestation(
                status=a.status,
                owner=a.owner,
                evidence=a.evidence,
                date=a.date,
                expires=a.expires,
                note=a.note,
            )
            for pid, a in found.items()
        }

    return source


def _print_table(result: Assessment, *, full: bool) -> None:
    from aicop.cli.common import stdout_console
    from aicop.report.terminal import render, renderable

    console = stdout_console()
    if console.is_terminal:
        console.print(renderable(result, full=full, width=console.width))
    else:  # a pipe or a file: plain text, no trailing spaces
        sys.stdout.write(render(result, width=console.width, full=full))


def configure_manifest_migrate(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", nargs="?", type=as_path, default=None, help="the manifest (default: ./aicop.yaml)")
    p.add_argument(
        "--to",
        dest="target",
        required=True,
        choices=("dsit-2025-01", "etsi-en-304-223"),
        help="the catalog to move the attestations and exclusions to",
    )
    p.add_argument("--dry-run", action="store_true", help="print the migrated manifest instead of writing it")


def run_manifest_migrate(a: argparse.Namespace) -> int:
    """Rewrite aicop.yaml's attestations and exclusions to the provision ids of another catalog, keeping
    its comments. Every entry whose provision changed in force or scope gets a REVIEW comment; an entry
    whose provision was removed is taken out and recorded in a comment. Nothing is written on an error."""
    from pathlib import Path

    from aicop.fsutil import write_atomic
    from aicop.system.migrate import migrate

    path = a.path or Path("aicop.yaml")
    result = migrate(path, path.parent, a.target)
    if a.dry_run:
        sys.stdout.write(result.text)
    else:
        write_atomic(path, result.text)
    out = sys.stderr if a.dry_run else sys.stdout
    print(
        f"{path}: {result.source} → {result.target}: {len(result.renamed)} ids moved, "
        f"{len(result.review)} to review, {len(result.removed)} taken out",
        file=out,
    )
    for section, new, why in result.review:
        print(f"  review {section}.{new}: {why}", file=out)
    for section, old, why in result.removed:
        print(f"  taken out {section}.{old}: {why}", file=out)
    for before, after in result.roles:
        print(f"  role {before} → {after}", file=out)
    return 0


def run_report_schema(a: argparse.Namespace) -> int:
    """Print the JSON Schema of the JSON report."""
    from aicop.report.json_report import schema_text

    sys.stdout.write(schema_text())
    return 0


COMMANDS: dict[str, Command] = {
    "assess": ("assess a repository against the Code", None, configure_assess, run_assess),
    "init": ("discover a starting aicop.yaml", None, configure_init, run_init),
}
GROUPS: dict[str, Group] = {
    "manifest": (
        "the aicop.yaml manifest: its schema, validation and migration to another catalog",
        {
            "schema": ("print the JSON Schema of aicop.yaml", None, configure_nothing, run_manifest_schema),
            "validate": ("validate an aicop.yaml", None, configure_manifest_validate, run_manifest_validate),
            "migrate": (
                "move an aicop.yaml to the final Code's (or ETSI's) provision ids",
                None,
                configure_manifest_migrate,
                run_manifest_migrate,
            ),
        },
    ),
    "report": (
        "the JSON report format",
        {
            "schema": (
                "print the JSON Schema of the JSON report",
                None,
                configure_nothing,
                run_report_schema,
            ),
        },
    ),
}
