"""Selecting and describing catalog entries for the CLI and the dashboard."""

from __future__ import annotations

import textwrap

from aicop.catalog.model import Catalog, Principle, Provision, Role


def select(
    catalog: Catalog,
    *,
    role: str | None = None,
    modality: str | None = None,
    principle: str | None = None,
    section: str | None = None,
) -> list[Provision]:
    out = []
    for p in catalog.principles:
        if (principle is not None and p.id != principle) or (
            section is not None and p.section.value != section
        ):
            continue
        for v in p.provisions:
            if role is not None and not v.binds((catalog.role_for(Role(role)),)):
                continue
            if modality is not None and v.modality.value != modality:
                continue
            out.append(v)
    return out


def restrict(catalog: Catalog, ids: set[str]) -> Catalog:
    """The catalog with only the provisions in ``ids`` (and the principles that hold them)."""
    principles = [
        p.model_copy(update={"provisions": tuple(v for v in p.provisions if v.id in ids)})
        for p in catalog.principles
        if any(v.id in ids for v in p.provisions)
    ]
    return catalog.model_copy(update={"principles": tuple(principles)})


def describe(catalog: Catalog, item: Principle | Provision) -> str:
    wrap = textwrap.TextWrapper(width=100)
    if isinstance(item, Principle):
        lines = [
            f"Principle {item.id}: {item.title}",
            f"Section: {item.section.value}",
            f"Primarily applies to: {item.applies_to}",
        ]
        if item.bibliography:
            lines.append(f"Bibliography: {', '.join(item.bibliography)}")
        if item.ncsc_guidelines:
            lines.append(f"NCSC guideline: {'; '.join(item.ncsc_guidelines)}")
        lines.append("")
        lines += [f"  {v.id:<7} {v.modality.value:<6} {v.text}" for v in item.provisions]
        return "\n".join(lines) + "\n"
    lines = [
        f"Provision {item.id} ({item.modality.value}) — principle {item.principle_id}: "
        f"{catalog.principle(item.principle_id).title}",
        f"Binds: {', '.join(s.value for s in item.stakeholders)} ({item.stakeholders_basis})",
    ]
    if item.parent:
        lines.append(f"Parent: {item.parent}")
    lines += ["", *wrap.wrap(item.text)]
    for paragraph in item.guidance:
        lines += ["", *wrap.wrap(paragraph)]
    for note in item.footnotes:
        lines += ["", *wrap.wrap(f"[{note.number}] {note.text}")]
    if item.references:
        lines += ["", f"Refers to: {', '.join(item.references)}"]
    if item.named and set(item.named) != set(item.stakeholders):
        lines.append(f"Names: {', '.join(s.value for s in item.named)}")
    lines += [f"In {other}: {pid}" for other, pid in item.counterparts.items()]
    if catalog.wording == "summary":
        lines.append(f"(The text above is aicop's summary, not the publisher's words; see {catalog.source})")
    issues = [i.what for i in catalog.inconsistencies if i.where == item.id]
    lines += [f"Note on the source text: {what}" for what in issues]
    return "\n".join(lines) + "\n"
