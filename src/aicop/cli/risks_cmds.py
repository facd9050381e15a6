"""The risk register: ``aicop risks suggest`` and ``aicop risks check``."""

from __future__ import annotations

import argparse

from aicop.cli.common import as_path, configure_nothing, emit, project
from aicop.errors import AicopError, ExitCode

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

    from aicop.cli.common import Command, Group
    from aicop.risks.register import LoadedRegister
    from aicop.risks.suggest import Suggestion
    from aicop.system.manifest import Manifest


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "path",
        nargs="?",
        type=as_path,
        default=None,
        help="the repository, whose risks.yaml is the register (default: .)",
    )


def _register_path(root: Path) -> Path:
    from aicop.risks.model import REGISTER_NAME

    return root / REGISTER_NAME


def _load(path: Path, manifest: Manifest | None) -> LoadedRegister:
    from aicop.assess.registry import registered_checks
    from aicop.risks.register import load_register

    return load_register(path, manifest=manifest, check_ids={s.id for s in registered_checks()})


def configure_suggest(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument("--format", dest="fmt", choices=("text", "yaml", "json"), default="text")
    p.add_argument(
        "--write",
        action="store_true",
        help="add the suggestions the register does not hold yet to it (or start risks.yaml); existing "
        "entries, comments and order are left as they are",
    )


def run_suggest(a: argparse.Namespace) -> int:
    """Propose the threats that apply to the system, from aicop.yaml and the source: a retrieval corpus
    (indirect injection, poisoning), training on user feedback (poisoning), a public API (injection,
    prompt extraction, denial of wallet, model extraction), tools and agents (excessive agency), a
    multi-purpose model (unused capability), external LLM services (data leakage), hub or pickle models
    (supply chain). Each comes with its reason and ATLAS and OWASP LLM ids. Prints them; with --write,
    adds only the new ones to the register, never changing what is there."""
    import datetime as dt
    import json

    from aicop.fsutil import write_atomic
    from aicop.risks.merge import merge, new_register, new_suggestions
    from aicop.risks.suggest import signals, suggest

    root, manifest = project(a.path)
    path = _register_path(root)
    loaded = _load(path, manifest) if path.is_file() else None
    found = suggest(signals(root, manifest))
    fresh = new_suggestions(loaded.register if loaded else None, found)
    today = dt.date.today()
    if a.write:
        name = manifest.system.name if manifest else root.resolve().name
        if loaded is None:
            text = new_register(name, fresh, today)
        else:
            text = merge(path.read_text(encoding="utf-8"), fresh, today, str(path))
        if fresh or loaded is None:
            _validate(text, path, manifest)
            write_atomic(path, text)
        print(f"{path}: {len(fresh)} new risks added, {len(found) - len(fresh)} already held", flush=True)
        return int(ExitCode.OK)
    if a.fmt == "json":
        rows = [
            {
                "id": s.id,
                "title": s.title,
                "atlas": s.atlas,
                "owasp": s.owasp,
                "likelihood": s.likelihood,
                "impact": s.impact,
                "reasons": s.reasons,
                "checks": s.checks,
                "new": s in fresh,
            }
            for s in found
        ]
        emit(json.dumps({"suggestions": rows}, indent=2) + "\n", None)
    elif a.fmt == "yaml":
        from aicop.risks.merge import entries_yaml

        emit(entries_yaml(fresh, 0, today), None)
    else:
        emit(_text(found, fresh), None)
    return int(ExitCode.OK)


def _validate(text: str, path: Path, manifest: Manifest | None) -> None:
    """The merged register must load before it replaces the old one; if not, nothing is written."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        trial = Path(tmp) / path.name
        trial.write_text(text, encoding="utf-8")
        try:
            _load(trial, manifest)
        except AicopError as err:
            raise AicopError(
                f"the merged register would not load ({err.problem}); nothing written", path=path
            ) from err


def _text(found: list[Suggestion], fresh: list[Suggestion]) -> str:
    from aicop.risks import taxonomy

    lines = []
    for s in found:
        mark = "new " if s in fresh else "held"
        ids = ", ".join(
            [f"{i} ({taxonomy.atlas_title(i)})" for i in s.atlas]
            + [f"{i} ({taxonomy.owasp_title(i)})" for i in s.owasp]
        )
        lines.append(f"[{mark}] {s.id}: {s.title}")
        lines.append(f"       {ids}")
        lines += [f"       because {r}" for r in s.reasons]
    if not found:
        lines.append("no threats suggested: aicop found no model service, corpus, API, agent or model file")
    return "\n".join(lines) + "\n"


def configure_check(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument("--format", dest="fmt", choices=("text", "json"), default="text")


def run_check(a: argparse.Namespace) -> int:
    """Judge the risk register against the repository: changes in git since its last review (3.1.1),
    unused model capabilities (3.1.3), the DPIA (3.2), communication of unresolved threats (3.3),
    third-party assurance (3.4), controls and the checks that evidence them (3.5: a failing check raises
    its risks), residual risk accepted and reviewed on time (3.6). Exit 0 when all met, 1 with gaps,
    2 when the register is invalid (the error names the file, line and field)."""
    import json

    from aicop.assess import assess
    from aicop.assess.registry import registered_checks

    root, manifest = project(a.path)
    path = _register_path(root)
    if not path.is_file():
        raise AicopError("no risk register; 'aicop risks suggest --write' starts one", path=path)
    _load(path, manifest)
    specs = [s for s in registered_checks() if s.id.startswith("risks.")]
    result = assess(root, checks=specs)
    rows = [v for v in result.provisions() if v.checks and any(c.startswith("risks.") for c in v.checks)]
    gaps = [v for v in rows if v.gap]
    if a.fmt == "json":
        out = [
            {
                "provision": v.id,
                "status": v.status.value,
                "findings": [f.model_dump(mode="json") for f in v.findings],
            }
            for v in rows
        ]
        emit(json.dumps({"register": str(path), "provisions": out}, indent=2) + "\n", None)
    else:
        lines = []
        for v in rows:
            lines.append(f"{v.id:<7} {v.status.value:<18}")
            lines += [f"        {f.message}" for f in v.findings]
        emit("\n".join(lines) + "\n", None)
    return int(ExitCode.GAPS if gaps else ExitCode.OK)


def run_schema(a: argparse.Namespace) -> int:
    """Print the JSON Schema of risks.yaml."""
    import json

    from aicop.risks.model import Register

    emit(json.dumps(Register.model_json_schema(), indent=2) + "\n", None)
    return int(ExitCode.OK)


COMMANDS: dict[str, Command] = {}
GROUPS: dict[str, Group] = {
    "risks": (
        "the risk register: suggest the threats that apply, check the register against the repository",
        {
            "suggest": (
                "propose threats from aicop.yaml and the source",
                None,
                configure_suggest,
                run_suggest,
            ),
            "check": (
                "judge risks.yaml against the repository (principle 3)",
                None,
                configure_check,
                run_check,
            ),
            "schema": ("print the JSON Schema of risks.yaml", None, configure_nothing, run_schema),
        },
    )
}
