"""Drafting the documents the Code asks for: ``aicop docs draft KIND``."""

from __future__ import annotations

import argparse

from aicop.cli.common import as_path, emit, project
from aicop.errors import AicopError, ExitCode

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

    from aicop.cli.common import Command, Group

KINDS = (
    "threat-model",
    "model-card",
    "security-txt",
    "disclosure-policy",
    "incident-plan",
    "user-notice",
    "risk-summary",
)


def configure_draft(p: argparse.ArgumentParser) -> None:
    p.add_argument("kind", choices=KINDS, metavar="KIND", help=f"one of: {', '.join(KINDS)}")
    p.add_argument("path", nargs="?", type=as_path, default=None, help="the repository (default: .)")
    p.add_argument(
        "--output",
        "-o",
        type=as_path,
        default=None,
        help="write the draft here (a new file; aicop never overwrites one); default: stdout",
    )
    p.add_argument(
        "--model",
        default=None,
        metavar="NAME",
        help="model-card: the model in aicop.yaml (default: the first local one)",
    )
    p.add_argument(
        "--report",
        type=as_path,
        default=None,
        metavar="FILE",
        help="a JSON report of 'aicop assess' whose open gaps the risk summary lists",
    )


def run_draft(a: argparse.Namespace) -> int:
    """Draft a threat model, model card, security.txt (RFC 9116), disclosure policy, incident plan,
    end-user notice or risk summary from aicop.yaml, risks.yaml, the recorded inventory and an
    assessment report. Every section the matching check looks for is there; what only a person can
    answer is marked TODO, and the checks count a document with TODO markers as partial, never met.
    Exit 0 written, 2 bad input (an existing --output is never overwritten)."""
    import datetime as dt

    from aicop.docs.draft import DraftError, Kind, Sources, draft
    from aicop.integrity.inventory import load as load_inventory
    from aicop.risks.model import REGISTER_NAME
    from aicop.risks.register import load_register
    from aicop.risks.suggest import signals, suggest

    if a.output is not None and (a.output.exists() or a.output.is_symlink()):
        raise AicopError(
            "already exists; aicop never overwrites a document (choose another --output)", path=a.output
        )
    root, manifest = project(a.path)
    register = None
    if (root / REGISTER_NAME).is_file():
        register = load_register(root / REGISTER_NAME, manifest=manifest).register
    inventory = load_inventory(root) or {}
    src = Sources(
        name=manifest.system.name if manifest else root.resolve().name,
        today=dt.date.today(),
        manifest=manifest,
        register=register,
        suggestions=suggest(signals(root, manifest)) if register is None else [],
        digests={str(x["path"]): str(x["digest"]) for x in inventory.get("assets", [])},
        gaps=_gaps(a.report) if a.report else [],
    )
    try:
        text = draft(Kind(a.kind), src, model=a.model)
    except DraftError as err:
        raise AicopError(str(err)) from err
    emit(text, a.output)
    return int(ExitCode.OK)


def _gaps(path: Path) -> list[tuple[str, str]]:
    """(provision, first message) for each gap in an 'aicop assess --format json' report."""
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        provisions = [v for p in data["principles"] for v in p["provisions"]]
        return [
            (str(v["id"]), str(v["findings"][0]["message"]) if v.get("findings") else str(v["status"]))
            for v in provisions
            if v.get("gap")
        ]
    except OSError as err:
        raise AicopError(f"cannot read: {err.strerror}", path=path) from err
    except (ValueError, KeyError, TypeError, IndexError) as err:
        raise AicopError(
            f"not an 'aicop assess --format json' report ({type(err).__name__}: {err})", path=path
        ) from err


COMMANDS: dict[str, Command] = {}
GROUPS: dict[str, Group] = {
    "docs": (
        "draft the documents the Code asks for from what aicop knows",
        {
            "draft": (
                "draft a document (Markdown, or RFC 9116 security.txt)",
                None,
                configure_draft,
                run_draft,
            )
        },
    )
}
