"""The Code and the checks from the command line: ``aicop catalog list|show|export`` and
``aicop checks list``."""

from __future__ import annotations

import argparse
import sys

from aicop.cli.common import (
    ROLE_NAMES,
    SECTIONS,
    UsageError,
    add_catalog_option,
    catalog_from,
    emit,
    output_file,
    stdout_console,
)
from aicop.errors import AicopError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from aicop.cli.common import Command, Group


def configure_catalog_list(p: argparse.ArgumentParser) -> None:
    p.add_argument("--role", choices=ROLE_NAMES, help="only provisions that bind this role")
    p.add_argument("--modality", choices=("shall", "should", "can"), help="only this modality")
    p.add_argument("--principle", metavar="N", help="only this principle (1-12)")
    p.add_argument("--section", choices=SECTIONS, help="only this section of the Code")
    p.add_argument(
        "--format",
        dest="fmt",
        choices=("table", "json", "csv"),
        default="table",
        help="output format (default: table)",
    )
    add_catalog_option(p)


def run_catalog_list(a: argparse.Namespace) -> int:
    """List provisions, filtered."""
    from aicop.catalog.query import select

    cat = catalog_from(a.catalog_source)
    if a.principle is not None and a.principle not in {p.id for p in cat.principles}:
        raise UsageError(f"--principle: no principle {a.principle!r} (1-{len(cat.principles)})")
    rows = select(cat, role=a.role, modality=a.modality, principle=a.principle, section=a.section)
    if a.fmt == "json":
        import json

        print(json.dumps([v.model_dump(mode="json") for v in rows], indent=2, ensure_ascii=False))
        return 0
    if a.fmt == "csv":
        from aicop.catalog.export import to_csv
        from aicop.catalog.query import restrict

        sys.stdout.write(to_csv(restrict(cat, {v.id for v in rows})))
        return 0
    from rich.table import Table

    # No ratios: rich gives ratio columns their share regardless of min_width, which squeezed a column to
    # four characters at 80. Without them, a narrow console (80 columns, a pipe) narrows the widest
    # wrapping column, the provision text, and leaves the short ones whole.
    table = Table(title=f"{cat.title} ({cat.id}): {len(rows)} provisions", title_justify="left", expand=True)
    table.add_column("Id", no_wrap=True)
    table.add_column("Modality", no_wrap=True)
    table.add_column("Binds", no_wrap=True)
    table.add_column("Text")
    for v in rows:
        table.add_row(v.id, v.modality.value, "\n".join(s.value for s in v.stakeholders), v.text)
    stdout_console().print(table)
    return 0


def configure_catalog_show(p: argparse.ArgumentParser) -> None:
    p.add_argument("item_id", metavar="ID", help="a provision (5.4.1) or a principle (5)")
    p.add_argument("--format", dest="fmt", choices=("text", "json"), default="text")
    add_catalog_option(p)


def run_catalog_show(a: argparse.Namespace) -> int:
    """Show a provision (e.g. 5.4.1) or a principle (e.g. 5) in full."""
    from aicop.catalog.query import describe

    cat = catalog_from(a.catalog_source)
    try:
        item = cat.provision(a.item_id) if "." in a.item_id else cat.principle(a.item_id)
    except KeyError:
        raise AicopError(f"no provision or principle {a.item_id!r} in catalog {cat.id}") from None
    sys.stdout.write(item.model_dump_json(indent=2) + "\n" if a.fmt == "json" else describe(cat, item))
    return 0


def configure_catalog_export(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format",
        dest="fmt",
        choices=("json", "yaml", "csv", "oscal"),
        required=True,
        help="json/yaml: the catalog as data; csv: a row per provision; oscal: an OSCAL 1.1.3 catalog",
    )
    p.add_argument("--output", "-o", type=output_file, metavar="FILE", help="file to write (default: stdout)")
    add_catalog_option(p)


def run_catalog_export(a: argparse.Namespace) -> int:
    """Export the catalog for other tools."""
    from aicop.catalog.export import export

    emit(export(catalog_from(a.catalog_source), a.fmt), a.output)
    return 0


def configure_checks_list(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", dest="fmt", choices=("table", "json"), default="table")
    add_catalog_option(p)


def run_checks_list(a: argparse.Namespace) -> int:
    """Print every check with its provisions, and the coverage of the Code."""
    from aicop.assess.registry import registered_checks

    specs = registered_checks()
    cat = catalog_from(a.catalog_source)
    covered = {pid for s in specs for pid in s.provisions}
    if a.fmt == "json":
        import json

        print(
            json.dumps(
                {
                    "checks": [
                        {
                            "id": s.id,
                            "provisions": list(s.provisions),
                            "title": s.title,
                            "remediation": s.remediation,
                        }
                        for s in specs
                    ],
                    "coverage": {
                        "covered": sorted(covered, key=_provision_key),
                        "provisions": len(cat.provisions()),
                    },
                },
                indent=2,
            )
        )
        return 0
    from rich.table import Table

    # A check with many provisions wraps its list; the title takes the rest (see run_catalog_list).
    table = Table(title=f"{len(specs)} checks", title_justify="left", expand=True)
    table.add_column("Check", no_wrap=True)
    table.add_column("Provisions", max_width=16)
    table.add_column("Title")
    for s in specs:
        table.add_row(s.id, ", ".join(s.provisions), s.title)
    console = stdout_console()
    console.print(table)
    console.print(
        f"Automated evidence for {len(covered)} of {len(cat.provisions())} provisions of {cat.id}; "
        "the others need attestation."
    )
    return 0


def _provision_key(pid: str) -> tuple[int, ...]:
    return tuple(int(part) for part in pid.split("."))


COMMANDS: dict[str, Command] = {}
GROUPS: dict[str, Group] = {
    "catalog": (
        "browse and export the Code: principles, provisions, modality and stakeholders",
        {
            "list": ("list provisions, filtered", None, configure_catalog_list, run_catalog_list),
            "show": ("show a provision or principle in full", None, configure_catalog_show, run_catalog_show),
            "export": (
                "export the catalog for other tools",
                None,
                configure_catalog_export,
                run_catalog_export,
            ),
        },
    ),
    "checks": (
        "the registered checks and the provisions each evidences",
        {
            "list": (
                "list the checks and the coverage of the Code",
                None,
                configure_checks_list,
                run_checks_list,
            ),
        },
    ),
}
