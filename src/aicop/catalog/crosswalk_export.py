"""The crosswalk draft Code → final Code → ETSI EN 304 223 for other tools, as CSV and as JSON with a
JSON Schema generated from one pydantic model.

Not an OSCAL mapping: the mapping model arrived after OSCAL 1.1.3, the version compliance-trestle (which
validates every OSCAL document aicop writes) reads, so such a document could not be validated here. The
catalogs themselves are exported as OSCAL catalogs (``aicop catalog export --format oscal``).
"""

from __future__ import annotations

import csv
import io
import json

from pydantic import BaseModel, ConfigDict, Field

from aicop.catalog.crosswalk import DRAFT, ETSI, FINAL, etsi_ids, load_crosswalk
from aicop.catalog.loader import load_catalog

CROSSWALK_SCHEMA_VERSION = "1"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CrosswalkEntry(_Model):
    draft_id: str | None = Field(description=f"Provision id in {DRAFT}; null for a provision new in {FINAL}.")
    final_ids: list[str] = Field(description=f"Provision ids in {FINAL}; empty when removed.")
    etsi_ids: list[str] = Field(description=f"The same provisions' clause ids in {ETSI}.")
    relation: str = Field(
        pattern=r"^(same|reworded|moved|strengthened|weakened|split|merged|removed|new)$",
        description="What happened to the draft provision.",
    )
    note: str = Field(description="What changed, in aicop's own words.")
    confidence: str = Field(pattern=r"^(high|medium|low)$", description="Confidence in the mapping.")


class Crosswalk(_Model):
    schema_version: str = CROSSWALK_SCHEMA_VERSION
    source: str = DRAFT
    target: str = FINAL
    standard: str = ETSI
    entries: list[CrosswalkEntry]


def crosswalk() -> Crosswalk:
    to_etsi = etsi_ids(load_catalog(FINAL))
    return Crosswalk(
        entries=[
            CrosswalkEntry(
                draft_id=link.draft_id,
                final_ids=list(link.final_ids),
                etsi_ids=[to_etsi[f] for f in link.final_ids],
                relation=link.relation,
                note=link.note,
                confidence=link.confidence,
            )
            for link in load_crosswalk()
        ]
    )


def export_crosswalk(format_name: str) -> str:
    if format_name == "schema":
        return json.dumps(Crosswalk.model_json_schema(), indent=2) + "\n"
    data = crosswalk()
    if format_name == "json":
        return data.model_dump_json(indent=2) + "\n"
    if format_name == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([DRAFT, FINAL, ETSI, "relation", "note", "confidence"])
        for e in data.entries:
            writer.writerow(
                [
                    e.draft_id or "",
                    " ".join(e.final_ids),
                    " ".join(e.etsi_ids),
                    e.relation,
                    e.note,
                    e.confidence,
                ]
            )
        return buffer.getvalue()
    raise ValueError(f"unknown crosswalk format {format_name!r}")
