"""Load ``risks.yaml``: the schema first, then the rules that tie its parts together, each error naming
the file, the line and the field.

Those rules: ATLAS and OWASP ids exist in the shipped tables; risk and control ids are unique; every
control a risk or another control names exists and no control depends on itself through others; a
control's check is a registered aicop check (and not a risks check, which would judge itself); paths
stay inside the repository; an
accepted risk says why and who approved it, a transferred one to whom and with what assurance; the
register is for the system aicop.yaml describes; a capability names a model aicop.yaml declares.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from aicop.errors import InputError
from aicop.risks import taxonomy
from aicop.risks.model import Register, Treatment
from aicop.system.manifest import Manifest
from aicop.system.yamlsource import LinePath, line_of, load_model_with_lines


@dataclass(frozen=True)
class LoadedRegister:
    register: Register
    path: Path
    lines: dict[LinePath, int]

    def line(self, *at: str | int) -> int | None:
        return line_of(tuple(at), self.lines)


def load_register(
    path: Path, *, manifest: Manifest | None = None, check_ids: Collection[str] | None = None
) -> LoadedRegister:
    """Parse and validate ``path``; ``manifest`` and ``check_ids``, when given, are what it must agree
    with."""
    register, lines = load_model_with_lines(path, Register, "the risk register")
    loaded = LoadedRegister(register, path, lines)
    _check_ids(loaded)
    _check_references(loaded)
    _check_treatments(loaded)
    _check_paths(loaded)
    if check_ids is not None:
        _check_checks(loaded, check_ids)
    if manifest is not None:
        _check_system(loaded, manifest)
    return loaded


def _fail(loaded: LoadedRegister, at: tuple[str | int, ...], problem: str) -> InputError:
    field = ".".join(str(p) for p in at)
    return InputError(f"{field}: {problem}", path=loaded.path, line=loaded.line(*at))


def _check_ids(loaded: LoadedRegister) -> None:
    reg = loaded.register
    for i, risk in enumerate(reg.risks):
        for j, ident in enumerate(risk.atlas):
            if not ident.startswith("AML.T") or taxonomy.atlas_title(ident) is None:
                raise _fail(loaded, ("risks", i, "atlas", j), f"unknown ATLAS technique id {ident!r}")
        for j, ident in enumerate(risk.owasp):
            if taxonomy.owasp_title(ident) is None:
                hint = f" (write it as {ident}:2025)" if taxonomy.owasp_title(f"{ident}:2025") else ""
                raise _fail(
                    loaded, ("risks", i, "owasp", j), f"unknown OWASP LLM Top 10 (2025) id {ident!r}{hint}"
                )
    for i, control in enumerate(reg.controls):
        for j, ident in enumerate(control.atlas_mitigations):
            if not ident.startswith("AML.M") or taxonomy.atlas_title(ident) is None:
                raise _fail(
                    loaded, ("controls", i, "atlas_mitigations", j), f"unknown ATLAS mitigation id {ident!r}"
                )
    for section in ("risks", "controls"):
        seen: set[str] = set()
        for i, item in enumerate(getattr(reg, section)):
            if item.id in seen:
                raise _fail(loaded, (section, i, "id"), f"duplicate id {item.id!r}")
            seen.add(item.id)


def _check_references(loaded: LoadedRegister) -> None:
    reg = loaded.register
    known = {c.id for c in reg.controls}
    for i, risk in enumerate(reg.risks):
        for j, ident in enumerate(risk.controls):
            if ident not in known:
                raise _fail(loaded, ("risks", i, "controls", j), f"no control {ident!r} in controls")
    for i, control in enumerate(reg.controls):
        for j, ident in enumerate(control.depends_on):
            if ident not in known:
                raise _fail(loaded, ("controls", i, "depends_on", j), f"no control {ident!r} in controls")
    graph = {c.id: c.depends_on for c in reg.controls}
    for i, control in enumerate(reg.controls):
        cycle = _cycle_from(control.id, graph)
        if cycle:
            raise _fail(loaded, ("controls", i, "depends_on"), f"circular dependency: {' -> '.join(cycle)}")
    risk_ids = {r.id for r in reg.risks}
    for i, cap in enumerate(reg.capabilities):
        if cap.managed_by is not None and cap.managed_by not in risk_ids:
            raise _fail(loaded, ("capabilities", i, "managed_by"), f"no risk {cap.managed_by!r} in risks")


def _cycle_from(start: str, graph: dict[str, list[str]]) -> list[str] | None:
    """A path from ``start`` back to itself through ``graph``, if there is one (iterative DFS)."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, trail = stack.pop()
        for nxt in graph.get(node, []):
            if nxt == start:
                return [*trail, start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*trail, nxt]))
    return None


def _check_treatments(loaded: LoadedRegister) -> None:
    for i, risk in enumerate(loaded.register.risks):
        if risk.treatment is Treatment.ACCEPT and risk.acceptance is None:
            raise _fail(
                loaded,
                ("risks", i, "treatment"),
                "an accepted risk needs 'acceptance' with a reason and an approver",
            )
        if risk.treatment is Treatment.TRANSFER and risk.transfer is None:
            raise _fail(
                loaded,
                ("risks", i, "treatment"),
                "a transferred risk needs 'transfer' naming the party and the assurance obtained",
            )


def _inside(value: str) -> bool:
    """A repository path that stays in the repository (URLs are left alone)."""
    if "://" in value:
        return True
    parts = Path(value).parts
    return not Path(value).is_absolute() and ".." not in parts


def _check_paths(loaded: LoadedRegister) -> None:
    reg = loaded.register
    if reg.dpia is not None and not _inside(reg.dpia.reference):
        raise _fail(loaded, ("dpia", "reference"), f"path {reg.dpia.reference!r} is outside the repository")
    for i, risk in enumerate(reg.risks):
        where = risk.communicated.where
        if where is not None and not _inside(where):
            raise _fail(
                loaded, ("risks", i, "communicated", "where"), f"path {where!r} is outside the repository"
            )


def _check_checks(loaded: LoadedRegister, check_ids: Collection[str]) -> None:
    for i, control in enumerate(loaded.register.controls):
        if control.check is None:
            continue
        if control.check.startswith("risks."):
            raise _fail(loaded, ("controls", i, "check"), "a control cannot be evidenced by a risks check")
        if control.check not in check_ids:
            raise _fail(
                loaded, ("controls", i, "check"), f"no aicop check {control.check!r} ('aicop checks list')"
            )


def _check_system(loaded: LoadedRegister, manifest: Manifest) -> None:
    reg = loaded.register
    if reg.system != manifest.system.name:
        raise _fail(
            loaded,
            ("system",),
            f"the register is for {reg.system!r} but aicop.yaml describes {manifest.system.name!r}",
        )
    models = {m.name for m in manifest.models}
    for i, cap in enumerate(reg.capabilities):
        if cap.model not in models:
            raise _fail(loaded, ("capabilities", i, "model"), f"no model {cap.model!r} in aicop.yaml")
