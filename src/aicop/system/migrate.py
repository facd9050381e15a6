"""``aicop manifest migrate``: rewrite an ``aicop.yaml`` from one catalog's provision ids to another's.

Attestations and exclusions are keyed by provision id, and ids changed meaning between the draft Code
and the final one (draft 6.3 is final 6.4; final 6.3 is another duty). The crosswalk says where each
draft provision went; this module renames the keys, renames the data-controller role to data-custodian,
records the catalog (``catalog:``) and marks for review, with a comment on the key, every entry whose
provision changed in force or scope. An entry whose provision was removed is taken out and recorded in a
comment, never silently lost.

ruamel.yaml edits the file in place (round trip), so the person's comments, order and quoting stay; the
result is validated against the target catalog before anything is written, and nothing is written on an
error.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aicop.catalog.crosswalk import CHANGED_FORCE_OR_SCOPE, DRAFT, ETSI, FINAL, etsi_ids, load_crosswalk
from aicop.catalog.loader import load_catalog
from aicop.catalog.model import Catalog
from aicop.errors import InputError
from aicop.system.manifest import IMPLIED_CATALOG
from aicop.system.yamlsource import load_manifest, parse_yaml

SECTIONS = ("attestations", "exclusions")
SUPPORTED = {(DRAFT, FINAL), (DRAFT, ETSI), (FINAL, ETSI), (ETSI, FINAL)}


@dataclass(frozen=True)
class Move:
    """Where one draft (or final, or ETSI) id goes, and why a person should look at it."""

    new_ids: tuple[str, ...]
    relation: str
    note: str

    @property
    def needs_review(self) -> bool:
        return self.relation in CHANGED_FORCE_OR_SCOPE


@dataclass
class Migration:
    text: str
    source: str
    target: str
    renamed: list[tuple[str, str, str]] = field(default_factory=list)  # (section, old, new)
    review: list[tuple[str, str, str]] = field(default_factory=list)  # (section, new id, why)
    removed: list[tuple[str, str, str]] = field(default_factory=list)  # (section, old id, why)
    roles: list[tuple[str, str]] = field(default_factory=list)


def moves(source: str, target: str) -> dict[str, Move]:
    """{old id: Move} for every provision of ``source``."""
    final = load_catalog(FINAL)
    to_etsi = etsi_ids(final)
    if source == DRAFT:
        out = {}
        for link in load_crosswalk():
            if link.draft_id is None:
                continue
            ids = tuple(to_etsi[f] if target == ETSI else f for f in link.final_ids)
            out[link.draft_id] = Move(ids, link.relation, link.note)
        return out
    if (source, target) == (FINAL, ETSI):
        return {f: Move((e,), "moved", "renumbered") for f, e in to_etsi.items()}
    return {e: Move((f,), "moved", "renumbered") for f, e in to_etsi.items()}


def migrate(path: Path, root: Path, target: str) -> Migration:
    """The migrated text of the manifest at ``path``; raises ``InputError`` (nothing written) when it
    cannot be migrated."""
    from ruamel.yaml import YAML

    manifest = load_manifest(path, root)
    text = path.read_text(encoding="utf-8")
    _, lines = parse_yaml(text, path)
    source = manifest.ids_catalog
    if source == target:
        raise InputError(
            f"catalog: {target}: already migrated (its ids are those of {target})",
            path=path,
            line=lines.get(("catalog",), 1),
        )
    if (source, target) not in SUPPORTED:
        raise InputError(
            f"catalog: no migration from {source} to {target}", path=path, line=lines.get(("catalog",))
        )
    target_catalog = load_catalog(target)
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=_sequence_indent(text) + 2, offset=_sequence_indent(text))
    data = yaml.load(text)
    result = Migration(text, source, target)
    table = moves(source, target)
    for section in SECTIONS:
        if data.get(section):
            _migrate_section(data[section], section, table, result, path, lines)
    _set_catalog(data, target)
    _rename_roles(data, target_catalog, result)
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    result.text = buffer.getvalue()
    _validate(result.text, path, root, target_catalog)
    return result


def _migrate_section(
    entries: Any, section: str, table: dict[str, Move], result: Migration, path: Path, lines: dict[Any, int]
) -> None:
    from ruamel.yaml.comments import CommentedMap

    old_items = list(entries.items())
    old_comments = dict(entries.ca.items)
    taken: dict[str, str] = {}
    new_items: list[tuple[Any, Any, str, Any]] = []  # (key, value, old id, comment token)
    for key, value in old_items:
        old = str(key)
        move = table.get(old)
        if move is None:
            raise InputError(
                f"{section}.{old}: no provision {old} in catalog {result.source}",
                path=path,
                line=lines.get((section, old)),
            )
        if not move.new_ids:
            result.removed.append((section, old, f"{move.note} Was: {_flat(value)}"))
            continue
        for new in move.new_ids:
            if new in taken:
                why = (
                    f"{old} ({move.relation}) also maps here; kept {taken[new]}'s entry; "
                    f"{old}'s was: {_flat(value)}"
                )
                result.review.append((section, new, why))
                continue
            taken[new] = old
            fresh = value if new == move.new_ids[0] else _copy(value)
            new_items.append(
                (type(key)(new) if isinstance(key, str) else new, fresh, old, old_comments.get(key))
            )
            result.renamed.append((section, old, new))
            if move.needs_review:
                result.review.append((section, new, f"was {old}, {move.relation}: {move.note}"))
    for key in list(entries.keys()):
        del entries[key]
    for new_key, value, _, comment in new_items:
        entries[new_key] = value
        if comment is not None:
            entries.ca.items[new_key] = comment
    reviews: dict[str, str] = {}
    for s, new, why in result.review:
        if s == section:
            reviews[new] = f"{reviews[new]} | {why}" if new in reviews else why
    for new_key, _, _, _ in new_items:
        if str(new_key) in reviews:
            entries.yaml_set_comment_before_after_key(
                new_key, before=f"REVIEW (aicop migrate): {reviews[str(new_key)]}", indent=2
            )
    removed = [f"{old} ({why})" for s, old, why in result.removed if s == section]
    if removed and isinstance(entries, CommentedMap) and new_items:
        first = new_items[0][0]
        note = f"aicop migrate took out entries whose provision {result.target} removed: " + "; ".join(
            removed
        )
        entries.yaml_set_comment_before_after_key(first, before=note, indent=2)


def _sequence_indent(text: str) -> int:
    """How far the file indents a block sequence under its key (0 for "key:\n- a", 2 for "key:\n  - a")."""
    previous = ""
    for line in text.splitlines():
        stripped = line.lstrip()
        if stripped.startswith("- ") and previous.rstrip().endswith(":"):
            return len(line) - len(stripped) - (len(previous) - len(previous.lstrip()))
        if stripped and not stripped.startswith("#"):
            previous = line
    return 2


def _flat(value: Any) -> str:
    """An entry on one line, for a comment that keeps what was taken out."""
    if hasattr(value, "items"):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def _copy(value: Any) -> Any:
    """An independent copy (a shared object would be written as a YAML anchor and alias)."""
    import copy

    return copy.deepcopy(value)


def _set_catalog(data: Any, target: str) -> None:
    if "catalog" in data:
        data["catalog"] = target
        return
    position = list(data.keys()).index("version") + 1 if "version" in data else 0
    data.insert(position, "catalog", target, comment="the catalog whose provision ids this manifest uses")


def _rename_roles(data: Any, catalog: Catalog, result: Migration) -> None:
    roles = data.get("roles")
    if not roles:
        return
    from aicop.catalog.model import Role

    for i, name in enumerate(list(roles)):
        try:
            role = Role(str(name))
        except ValueError:
            continue
        mapped = catalog.role_for(role)
        if mapped is not role:
            roles[i] = mapped.value
            result.roles.append((role.value, mapped.value))


def _validate(text: str, path: Path, root: Path, catalog: Catalog) -> None:
    """What migrate writes must load against the target catalog; a failure here is a bug."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        candidate = Path(tmp) / path.name
        candidate.write_text(text, encoding="utf-8")
        try:
            load_manifest(candidate, root, catalog)
        except InputError as err:
            raise RuntimeError(f"the migrated manifest does not validate: {err.problem}") from err


__all__ = ["IMPLIED_CATALOG", "Migration", "migrate", "moves"]
