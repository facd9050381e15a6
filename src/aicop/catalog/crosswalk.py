"""The crosswalk from the draft Code (``dsit-2024-05``) to the final Code (``dsit-2025-01``) and, by its
1:1 renumbering, to ETSI EN 304 223: read from ``catalog/data/crosswalk/draft-to-final.csv`` (a copy of
``shared/crosswalk``, made by ``tools/build_final_catalogs.py``).

It answers three questions: where a draft provision went (``links_from``), what changed between two
catalogs (``diff``) and what a draft id becomes in the final Code (``migrate_id``). It deliberately
holds no provision text: the relation and a note in our own words.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from aicop.catalog.model import Catalog
from aicop.errors import CatalogError

DRAFT, FINAL, ETSI = "dsit-2024-05", "dsit-2025-01", "etsi-en-304-223"
CROSSWALK_NAME = "src/aicop/catalog/data/crosswalk/draft-to-final.csv"
RELATIONS = ("same", "reworded", "moved", "strengthened", "weakened", "split", "merged", "removed", "new")
# A provision whose force (shall/should) or scope changed: an attestation of it needs a person's review.
CHANGED_FORCE_OR_SCOPE = frozenset({"strengthened", "weakened", "split", "merged", "reworded"})


@dataclass(frozen=True)
class Link:
    """One row of the crosswalk: a draft provision (None for a new one) and where it went."""

    draft_id: str | None
    final_ids: tuple[str, ...]
    relation: str
    note: str
    confidence: str
    line: int


def parse_crosswalk(text: str, origin: str = CROSSWALK_NAME) -> tuple[Link, ...]:
    reader = csv.DictReader(io.StringIO(text))
    expected = ["draft_id", "final_ids", "relation", "note", "confidence"]
    if reader.fieldnames != expected:
        raise CatalogError(f"expected the columns {','.join(expected)}", path=origin, line=1)
    links = []
    for row in reader:
        relation = row["relation"]
        if relation not in RELATIONS:
            raise CatalogError(f"unknown relation {relation!r}", path=origin, line=reader.line_num)
        finals = tuple(row["final_ids"].split())
        if (relation == "removed") != (not finals) or (relation == "new") != (not row["draft_id"]):
            raise CatalogError(
                f"relation {relation} does not fit draft id {row['draft_id']!r} and final ids {finals}",
                path=origin,
                line=reader.line_num,
            )
        links.append(
            Link(row["draft_id"] or None, finals, relation, row["note"], row["confidence"], reader.line_num)
        )
    return tuple(links)


@lru_cache(maxsize=1)
def load_crosswalk() -> tuple[Link, ...]:
    resource = resources.files("aicop.catalog") / "data" / "crosswalk" / "draft-to-final.csv"
    return parse_crosswalk(resource.read_text(encoding="utf-8"))


def links_from(draft_id: str) -> Link | None:
    return next((link for link in load_crosswalk() if link.draft_id == draft_id), None)


def etsi_ids(final: Catalog) -> dict[str, str]:
    """{final id: ETSI id} from the final catalog's counterparts."""
    return {v.id: v.counterparts[ETSI] for v in final.provisions() if ETSI in v.counterparts}


@dataclass(frozen=True)
class Change:
    """One line of ``aicop catalog diff``: the ids on each side, what happened and why."""

    relation: str
    old_ids: tuple[str, ...]
    new_ids: tuple[str, ...]
    note: str
    confidence: str


def diff(old: Catalog, new: Catalog) -> list[Change]:
    """What changed from ``old`` to ``new``. Supported: the draft to the final Code or to ETSI (through
    the crosswalk), the final Code to ETSI and back (renumbering only), and a catalog to itself."""
    pair = (old.id, new.id)
    if old.id == new.id:
        return [Change("same", (v.id,), (v.id,), "same catalog", "high") for v in old.provisions()]
    if pair in ((FINAL, ETSI), (ETSI, FINAL)):
        final = old if old.id == FINAL else new
        renumbered = etsi_ids(final)
        return [
            Change("moved", (f,), (e,), "renumbered (the same provision)", "high")
            if old.id == FINAL
            else Change("moved", (e,), (f,), "renumbered (the same provision)", "high")
            for f, e in renumbered.items()
        ]
    if old.id == DRAFT and new.id in (FINAL, ETSI):
        rename = etsi_ids(_final()) if new.id == ETSI else {}
        return [
            Change(
                link.relation,
                (link.draft_id,) if link.draft_id else (),
                tuple(rename.get(f, f) for f in link.final_ids),
                link.note,
                link.confidence,
            )
            for link in load_crosswalk()
        ]
    raise CatalogError(
        f"no crosswalk between {old.id} and {new.id}; known: {DRAFT} → {FINAL}, {DRAFT} → {ETSI}, "
        f"{FINAL} ↔ {ETSI}"
    )


def _final() -> Catalog:
    from aicop.catalog.loader import load_catalog

    return load_catalog(FINAL)
