"""The Code and the checks from the command line: ``aicop catalog list|show|export|diff|crosswalk``
and ``aicop checks list``."""

from __future__ import annotations

import argparse
import sys

from aicop.cli.common import (
    ROLE_NAMES,
    SECTIONS,
    UsageError,
    add_catalog_option,
    catalog_from,
    catalog_path,
    emit,
    output_file,
    stdout_console,
)
from aicop.errors import AicopError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from aicop.catalog.crosswalk import Change
    from aicop.catalog.model import Principle, Provision
    from aicop.cli.common import Command, Group


def configure_catalog_list(p: argparse.ArgumentParser) -> None:
    p.add_argument("--role", choices=ROLE_NAMES, help="only provisions that bind this role")
    p.add_argument("--modality", choices=("shall", "should", "can"), help="only this modality")
    p.add_argument("--principle", metavar="N", help="only this principle (1-13; 5.1.1 … in ETSI)")
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
    item: Principle | Provision
    if cat.has_provision(a.item_id):
        item = cat.provision(a.item_id)
    elif a.item_id in {p.id for p in cat.principles}:
        item = cat.principle(a.item_id)
    else:
        raise AicopError(f"no provision or principle {a.item_id!r} in catalog {cat.id}")
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
    """Print every check with the controls it verifies and the provisions of the catalog they evidence,
    and the catalog's coverage: provisions with automated or document evidence."""
    from aicop.assess.controls import load_controls, mapping_for, routes
    from aicop.assess.registry import registered_checks

    specs = registered_checks()
    cat = catalog_from(a.catalog_source)
    mapping = mapping_for(cat, catalog_path(a.catalog_source))
    routed = routes(specs, cat, mapping)
    controls = {(c.check, c.reports): c.id for c in load_controls()}
    rows = [
        (
            s,
            [controls.get((s.id, key), key) for key in s.provisions],
            list(dict.fromkeys(p for key in s.provisions for p in routed[s.id][key])),
        )
        for s in specs
    ]
    covered = {pid for _, _, pids in rows for pid in pids}
    order = {v.id: i for i, v in enumerate(cat.provisions())}
    total = len(cat.provisions())
    if a.fmt == "json":
        import json

        print(
            json.dumps(
                {
                    "catalog": {"id": cat.id, "status": cat.status, "stage": cat.stage},
                    "checks": [
                        {
                            "id": s.id,
                            "controls": ctl,
                            "provisions": pids,
                            "title": s.title,
                            "remediation": s.remediation,
                        }
                        for s, ctl, pids in rows
                    ],
                    "coverage": {"covered": sorted(covered, key=order.__getitem__), "provisions": total},
                },
                indent=2,
            )
        )
        return 0
    from rich.table import Table

    # A check with many provisions wraps its list; the title takes the rest. Controls are long ids that
    # would be cut at 80 columns: they are in --format json and src/aicop/catalog/data/controls.csv.
    table = Table(title=f"{len(specs)} checks, against {cat.id}", title_justify="left", expand=True)
    table.add_column("Check", no_wrap=True)
    table.add_column("Provisions", max_width=10)
    table.add_column("Title")
    for s, _, pids in rows:
        table.add_row(s.id, ", ".join(pids) or "(none in this catalog)", s.title)
    console = stdout_console()
    console.print(table)
    console.print(
        f"Automated or document evidence for {len(covered)} of {total} provisions of {cat.id} "
        f"({cat.stage}); the others need attestation."
    )
    return 0


def configure_catalog_diff(p: argparse.ArgumentParser) -> None:
    p.add_argument("old", metavar="OLD", help="catalog id, e.g. dsit-2024-05")
    p.add_argument("new", metavar="NEW", help="catalog id, e.g. dsit-2025-01")
    p.add_argument("--format", dest="fmt", choices=("table", "json", "csv"), default="table")
    p.add_argument(
        "--relation",
        action="append",
        default=[],
        metavar="KIND",
        help="only these kinds of change (repeatable): same, reworded, moved, strengthened, weakened, split, "
        "merged, removed, new",
    )


def run_catalog_diff(a: argparse.Namespace) -> int:
    """What changed from one catalog to another: added (new), removed, strengthened, weakened, moved,
    split or merged provisions, with the ids on both sides and a note on each."""
    from aicop.catalog.crosswalk import RELATIONS, diff

    bad = [r for r in a.relation if r not in RELATIONS]
    if bad:
        raise UsageError(f"--relation: unknown kind {bad[0]!r}; choose from {', '.join(RELATIONS)}")
    old, new = catalog_from(a.old), catalog_from(a.new)
    changes = [c for c in diff(old, new) if not a.relation or c.relation in a.relation]
    if a.fmt == "json":
        import json

        print(
            json.dumps(
                {"from": old.id, "to": new.id, "changes": [_change_dict(c) for c in changes]}, indent=2
            )
        )
        return 0
    if a.fmt == "csv":
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["relation", old.id, new.id, "note", "confidence"])
        for c in changes:
            writer.writerow([c.relation, " ".join(c.old_ids), " ".join(c.new_ids), c.note, c.confidence])
        return 0
    from collections import Counter

    from rich.table import Table

    table = Table(title=f"{old.id} ({old.stage}) → {new.id} ({new.stage})", title_justify="left", expand=True)
    for column in ("Change", old.id, new.id):
        table.add_column(column, no_wrap=True)
    table.add_column("Note")
    for c in changes:
        table.add_row(c.relation, " ".join(c.old_ids) or "—", " ".join(c.new_ids) or "—", c.note)
    console = stdout_console()
    console.print(table)
    counts = Counter(c.relation for c in changes)
    console.print(", ".join(f"{n} {r}" for r, n in sorted(counts.items(), key=lambda kv: -kv[1])))
    return 0


def _change_dict(c: Change) -> dict[str, object]:
    return {
        "relation": c.relation,
        "old": list(c.old_ids),
        "new": list(c.new_ids),
        "note": c.note,
        "confidence": c.confidence,
    }


def configure_catalog_crosswalk(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format",
        dest="fmt",
        choices=("csv", "json", "schema"),
        required=True,
        help="csv: a row per draft provision (and per new one) with its final and ETSI ids; json: the same, "
        "validated against the schema that --format schema prints",
    )
    p.add_argument("--output", "-o", type=output_file, metavar="FILE", help="file to write (default: stdout)")


def run_catalog_crosswalk(a: argparse.Namespace) -> int:
    """Export the crosswalk draft Code → final Code → ETSI EN 304 223. Not as an OSCAL mapping: OSCAL
    1.1.3, the version compliance-trestle validates, has no mapping model."""
    from aicop.catalog.crosswalk_export import export_crosswalk

    emit(export_crosswalk(a.fmt), a.output)
    return 0


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
            "diff": (
                "what changed between two catalogs (e.g. the draft and the final Code)",
                None,
                configure_catalog_diff,
                run_catalog_diff,
            ),
            "crosswalk": (
                "export the draft → final → ETSI crosswalk as CSV or JSON (with its schema)",
                None,
                configure_catalog_crosswalk,
                run_catalog_crosswalk,
            ),
        },
    ),
    "checks": (
        "the registered checks and the provisions each evidences",
        {
            "list": (
                "list the checks, their controls and the coverage of a catalog (--catalog)",
                None,
                configure_checks_list,
                run_checks_list,
            ),
        },
    ),
}
