"""End of life from the command line: ``aicop dispose`` records that a retired asset was disposed of
(the final Code's principle 13), in the audit trail the inventory writes to."""

from __future__ import annotations

import argparse

from aicop.cli.common import as_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from aicop.cli.common import Command, Group

METHODS = ("deleted", "crypto-shredded", "overwritten", "transferred", "destroyed")


def configure_dispose(p: argparse.ArgumentParser) -> None:
    p.add_argument("asset", metavar="ASSET", help="the asset's path as the inventory recorded it")
    p.add_argument("--root", type=as_path, default=None, help="the repository (default: .)")
    p.add_argument("--method", required=True, choices=METHODS, help="how its copies were disposed of")
    p.add_argument("--note", required=True, help="what was disposed of where: buckets, backups, registries")
    p.add_argument("--recipient", help="who received it, with --method transferred")


def run_dispose(a: argparse.Namespace) -> int:
    """Record in the audit trail (.aicop/audit.jsonl) that ASSET, retired from the inventory or about to
    be, was disposed of. aicop deletes nothing itself; 'aicop assess --catalog dsit-2025-01' then finds
    every retired asset without such a record (provision 13.2)."""
    from pathlib import Path

    from aicop.integrity.disposal import record_disposal

    root = a.root or Path()
    entry = record_disposal(root, a.asset, method=a.method, note=a.note, recipient=a.recipient)
    print(f"recorded disposal of {a.asset} ({a.method}) as audit record {entry['seq']}")
    return 0


COMMANDS: dict[str, Command] = {
    "dispose": (
        "record the disposal of a retired asset in the audit trail",
        None,
        configure_dispose,
        run_dispose,
    ),
}
GROUPS: dict[str, Group] = {}
