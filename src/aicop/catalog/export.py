"""Catalog exports: JSON (the catalog file's own shape), YAML, CSV (one row per provision) and an
OSCAL 1.1.3 catalog whose controls are the provisions, nested as the Code nests them."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from aicop.catalog.model import Catalog, Principle, Provision
from aicop.catalog.oscal import NAMESPACE, OSCAL_VERSION, control_id, group_id, stable_uuid, statement_id

EXPORT_FORMATS = ("json", "yaml", "csv", "oscal")


def export(catalog: Catalog, format_name: str) -> str:
    if format_name == "json":
        return json.dumps(catalog.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
    if format_name == "yaml":
        import yaml

        return str(
            yaml.safe_dump(catalog.model_dump(mode="json"), sort_keys=False, allow_unicode=True, width=100)
        )
    if format_name == "csv":
        return to_csv(catalog)
    if format_name == "oscal":
        return json.dumps(to_oscal(catalog), indent=2, ensure_ascii=False) + "\n"
    raise ValueError(f"unknown export format {format_name!r}")


CSV_COLUMNS = [
    "catalog",
    "principle",
    "principle_title",
    "section",
    "id",
    "parent",
    "modality",
    "stakeholders",
    "stakeholders_basis",
    "text",
    "guidance",
    "references",
]


def to_csv(catalog: Catalog) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for principle in catalog.principles:
        for v in principle.provisions:
            writer.writerow(
                [
                    catalog.id,
                    principle.id,
                    principle.title,
                    principle.section.value,
                    v.id,
                    v.parent or "",
                    v.modality.value,
                    ";".join(s.value for s in v.stakeholders),
                    v.stakeholders_basis,
                    v.text,
                    "\n".join(v.guidance),
                    ";".join(v.references),
                ]
            )
    return buffer.getvalue()


def to_oscal(catalog: Catalog) -> dict[str, Any]:
    stamp = f"{catalog.published}T00:00:00+00:00"
    resources = [
        {"uuid": stable_uuid(catalog.id, "bib", b.key), "title": b.key, "citation": {"text": b.citation}}
        for b in catalog.bibliography
    ]
    return {
        "catalog": {
            "uuid": stable_uuid(catalog.id),
            "metadata": {
                "title": f"{catalog.title} ({catalog.status})",
                "published": stamp,
                "last-modified": stamp,
                "version": catalog.id,
                "oscal-version": OSCAL_VERSION,
                "props": [{"name": "source", "ns": NAMESPACE, "value": catalog.source}]
                + (
                    [{"name": "wording", "ns": NAMESPACE, "value": "summary"}]
                    if catalog.wording == "summary"
                    else []
                ),
                "remarks": f"Published by {catalog.publisher}. Exported by aicop from catalog {catalog.id}.",
            },
            "groups": [_group(p) for p in catalog.principles],
            "back-matter": {"resources": resources},
        }
    }


def _prop(name: str, value: str, *, ns: bool = True) -> dict[str, str]:
    return {"name": name, "ns": NAMESPACE, "value": value} if ns else {"name": name, "value": value}


def _group(principle: Principle) -> dict[str, Any]:
    children: dict[str | None, list[Provision]] = {}
    for v in principle.provisions:
        children.setdefault(v.parent, []).append(v)
    props = [_prop("label", principle.id, ns=False), _prop("section", principle.section.value)]
    props += [_prop("stakeholder", s.value) for s in principle.stakeholders]
    props += [_prop("bibliography", key) for key in principle.bibliography]
    props += [_prop("ncsc-guideline", g) for g in principle.ncsc_guidelines]
    return {
        "id": group_id(principle.id),
        "class": "principle",
        "title": principle.title,
        "props": props,
        "parts": [
            {
                "id": f"{group_id(principle.id)}_ovw",
                "name": "overview",
                "prose": f"Primarily applies to: {principle.applies_to}",
            }
        ],
        "controls": [_control(v, children) for v in children.get(None, [])],
    }


def _control(v: Provision, children: dict[str | None, list[Provision]]) -> dict[str, Any]:
    props = [_prop("label", v.id, ns=False), _prop("modality", v.modality.value)]
    props += [_prop("stakeholder", s.value) for s in v.stakeholders]
    props += [_prop("id-in", f"{other}:{pid}") for other, pid in v.counterparts.items()]
    parts: list[dict[str, Any]] = [{"id": statement_id(v.id), "name": "statement", "prose": v.text}]
    if v.guidance:
        parts.append({"id": f"{control_id(v.id)}_gdn", "name": "guidance", "prose": "\n\n".join(v.guidance)})
    for note in v.footnotes:
        parts.append(
            {
                "id": f"{control_id(v.id)}_fn{note.number}",
                "name": "footnote",
                "ns": NAMESPACE,
                "prose": note.text,
            }
        )
    control: dict[str, Any] = {
        "id": control_id(v.id),
        "class": "provision",
        "title": f"Provision {v.id}",
        "props": props,
        "parts": parts,
    }
    nested = children.get(v.id, [])
    if nested:
        control["controls"] = [_control(c, children) for c in nested]
    return control
