"""Load and validate catalog files.

A catalog that fails validation is refused with every problem listed: assessing against a broken
catalog would produce confident, wrong reports. The seed's own inconsistencies are not failures when
the catalog records them, but a recorded one that no longer holds, or a new one, is.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from aicop.catalog.model import Catalog, Provision, depth_of
from aicop.catalog.wording import modality_of, roles_bound, roles_named, strongest
from aicop.errors import CatalogError

DEFAULT_CATALOG = "dsit-2024-05"
_PROVISION_REF = re.compile(r"^\d{1,2}(\.\d{1,2}){1,2}$")


def available_catalogs() -> list[str]:
    data = resources.files("aicop.catalog") / "data"
    return sorted(p.name.removesuffix(".json") for p in data.iterdir() if p.name.endswith(".json"))


def load_catalog(source: str | Path | None = None) -> Catalog:
    """Load a packaged catalog by id (default ``dsit-2024-05``) or a catalog file by path."""
    if source is None or (isinstance(source, str) and source in available_catalogs()):
        return _load_packaged(source or DEFAULT_CATALOG)
    path = Path(source)
    if not path.is_file():
        known = ", ".join(available_catalogs())
        raise CatalogError(
            f"no catalog file here and no packaged catalog of that id (known: {known})", path=path
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise CatalogError(f"cannot read catalog: {err}", path=path) from err
    return parse_catalog(text, path)


@lru_cache(maxsize=4)
def _load_packaged(catalog_id: str) -> Catalog:
    resource = resources.files("aicop.catalog") / "data" / f"{catalog_id}.json"
    return parse_catalog(resource.read_text(encoding="utf-8"), Path(f"<packaged>/{catalog_id}.json"))


def parse_catalog(text: str, origin: Path) -> Catalog:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as err:
        raise CatalogError(f"invalid JSON: {err.msg}", path=origin, line=err.lineno) from err
    try:
        catalog = Catalog.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise CatalogError(
            f"{err.error_count()} schema error(s); first at {where}: {first['msg']}", path=origin
        ) from err
    problems = catalog_problems(catalog)
    duplicate = next((p for p in problems if p.endswith(" appears twice")), None)
    if duplicate is not None:
        dup_id = duplicate.split()[1]
        raise CatalogError(
            f"duplicate id {dup_id}: {duplicate}", path=origin, line=_line_of_id(text, dup_id, occurrence=2)
        )
    if problems:
        listing = "; ".join(problems[:10]) + (
            f"; and {len(problems) - 10} more" if len(problems) > 10 else ""
        )
        raise CatalogError(f"broken catalog: {listing}", path=origin)
    return catalog


def _line_of_id(text: str, item_id: str, *, occurrence: int) -> int | None:
    """The line of the ``occurrence``-th ``"id": "<item_id>"`` in a catalog file's text."""
    pattern = re.compile(r'"id"\s*:\s*"' + re.escape(item_id) + '"')
    matches = list(pattern.finditer(text))
    if len(matches) < occurrence:
        return None
    return text.count("\n", 0, matches[occurrence - 1].start()) + 1


def catalog_problems(catalog: Catalog) -> list[str]:
    """Every way the catalog contradicts itself or its own wording."""
    problems: list[str] = []
    seen_principles: set[str] = set()
    seen: dict[str, str] = {}
    for principle in catalog.principles:
        if principle.id in seen_principles:
            problems.append(f"principle {principle.id} appears twice")
        seen_principles.add(principle.id)
        if sorted(roles_named(principle.applies_to)) != sorted(principle.stakeholders):
            problems.append(f"principle {principle.id}: stakeholders disagree with 'applies to' wording")
        for provision in principle.provisions:
            problems += _provision_problems(provision, principle.id, seen)
            problems += (
                _worded_problems(provision) if catalog.wording == "verbatim" else _summary_problems(provision)
            )
            seen[provision.id] = principle.id
    problems += _inconsistency_problems(catalog)
    return problems


def _provision_problems(provision: Provision, principle_id: str, seen: dict[str, str]) -> list[str]:
    out: list[str] = []
    pid = provision.id
    if pid in seen:
        out.append(f"provision {pid} appears twice")
    if provision.principle_id != principle_id:
        out.append(f"provision {pid} is filed under principle {principle_id}")
    if provision.parent is not None:
        if provision.parent not in seen:
            out.append(f"provision {pid}: parent {provision.parent} does not precede it")
        elif not pid.startswith(provision.parent + "."):
            out.append(f"provision {pid}: parent {provision.parent} is not its prefix")
    elif depth_of(pid) > 1:
        out.append(f"provision {pid}: a sub-provision needs a parent")
    return out


def _worded_problems(provision: Provision) -> list[str]:
    """A verbatim provision's recorded modality and stakeholders must agree with its own words."""
    out: list[str] = []
    pid = provision.id
    worded = modality_of(provision.text)
    if worded != provision.modality:
        out.append(f"provision {pid}: modality {provision.modality.value} but the text says {worded}")
    if provision.stakeholders_basis == "named":
        bound = roles_bound(provision.text)
        if sorted(bound) != sorted(provision.stakeholders):
            out.append(
                f"provision {pid}: stakeholders {list(provision.stakeholders)} but the text binds {bound}"
            )
    return out


def _summary_problems(provision: Provision) -> list[str]:
    """A summarised provision (our words, not the publisher's) carries its modal verbs as facts; its
    modality must be the strongest of them."""
    pid = provision.id
    if not provision.modal_verbs:
        return [f"provision {pid}: a summarised provision needs its modal_verbs"]
    recorded = strongest(provision.modal_verbs)
    if recorded != provision.modality:
        return [f"provision {pid}: modality {provision.modality.value} but its modal verbs say {recorded}"]
    return []


def _inconsistency_problems(catalog: Catalog) -> list[str]:
    keys = {entry.key for entry in catalog.bibliography}
    found: set[tuple[str, str]] = set()
    for principle in catalog.principles:
        for key in principle.bibliography:
            if key not in keys:
                found.add((f"principle {principle.id}", key))
        for provision in principle.provisions:
            for ref in provision.references:
                if _PROVISION_REF.match(ref) and not catalog.has_provision(ref):
                    found.add((provision.id, ref))
    recorded = {(i.where, _subject(i.what)) for i in catalog.inconsistencies}
    out = [f"{where}: unrecorded dangling reference {ref!r}" for where, ref in sorted(found - recorded)]
    out += [
        f"{where}: recorded inconsistency about {ref!r} no longer holds"
        for where, ref in sorted(recorded - found)
    ]
    return out


def _subject(what: str) -> str:
    """The key or provision id a recorded inconsistency is about (quoted key, or 'provision X.Y')."""
    quoted = re.search(r"'([^']+)'", what)
    if quoted:
        return quoted.group(1)
    ref = re.search(r"provision (\d{1,2}(?:\.\d{1,2}){1,2})", what)
    return ref.group(1) if ref else what
