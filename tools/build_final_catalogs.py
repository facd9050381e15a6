"""Build the catalogs of the final Code (``dsit-2025-01``) and of ETSI EN 304 223 (``etsi-en-304-223``)
from the crosswalk facts in ``../shared/crosswalk/``.

No text of the final Code or of ETSI enters the project: the crosswalk holds ids, principle titles,
modal verbs and stakeholder names (facts) and a summary of each provision in our own words. This script
copies the two crosswalk CSV files into the package (``aicop catalog diff`` and ``aicop manifest
migrate`` read them) and writes the two catalog files, so that anyone can re-derive them and see that
nothing was typed in by hand.

Decisions it encodes, each visible in the output:

* ``text`` is our summary, and the catalog says so (``wording: summary``); modality is the strongest of
  the provision's recorded modal verbs (DSIT's "may" is the draft's "can").
* ``stakeholders`` are those the modal verb binds (the crosswalk's ``obliged``); ``named`` is everyone
  the provision names, recipients included, which is where Affected Entities appear.
* Principle titles in ETSI are DSIT's with "your" replaced by "the" (the crosswalk's README records
  this as the only change in titles); its principles are the clauses 5.1.1 … 5.5.1.
* The definitions of the stakeholders and of the terms are ours.

Usage: python tools/build_final_catalogs.py [CROSSWALK_DIR]
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# shared/ sits beside the repository (CI) or beside the work trees (a developer's machine).
DEFAULT_CROSSWALK = next(
    (
        b / "shared" / "crosswalk"
        for b in (ROOT.parent, ROOT.parent.parent)
        if (b / "shared" / "crosswalk").is_dir()
    ),
    ROOT.parent / "shared" / "crosswalk",
)
DATA = ROOT / "src" / "aicop" / "catalog" / "data"
PACKAGED_CROSSWALK = DATA / "crosswalk"
FILES = ("final-2025-provisions.csv", "draft-to-final.csv")

FINAL_ID, ETSI_ID = "dsit-2025-01", "etsi-en-304-223"
SOURCE = (
    "https://www.gov.uk/government/publications/ai-cyber-security-code-of-practice/"
    "code-of-practice-for-the-cyber-security-of-ai"
)
ETSI_SOURCE = "https://www.etsi.org/deliver/etsi_en/304200_304299/304223/02.01.01_60/en_304223v020101p.pdf"

# "Primarily applies to", per principle: a fact recorded in the crosswalk's README. Principle 10 has no
# such line; we name the roles its provisions bind and say so.
APPLIES_TO = {
    "1": "System Operators, Developers, and Data Custodians",
    "2": "System Operators and Developers",
    "3": "Developers and System Operators",
    "4": "Developers and System Operators",
    "5": "Developers, System Operators and Data Custodians",
    "6": "Developers and System Operators",
    "7": "Developers, System Operators and Data Custodians",
    "8": "Developers",
    "9": "Developers and System Operators",
    "10": "Not stated in the Code; its provisions bind System Operators and Developers",
    "11": "Developers and System Operators",
    "12": "Developers and System Operators",
    "13": "Developers and System Operators",
}
SECTION_TITLES = {
    "secure-design": "Secure Design",
    "secure-development": "Secure Development",
    "secure-deployment": "Secure Deployment",
    "secure-maintenance": "Secure Maintenance",
    "secure-end-of-life": "Secure End of Life",
}
ETSI_CLAUSE = {
    "1": "5.1.1", "2": "5.1.2", "3": "5.1.3", "4": "5.1.4", "5": "5.2.1", "6": "5.2.2", "7": "5.2.3",
    "8": "5.2.4", "9": "5.2.5", "10": "5.3.1", "11": "5.4.1", "12": "5.4.2", "13": "5.5.1",
}  # fmt: skip
STAKEHOLDERS = [
    (
        "developer",
        "Developers",
        "Organisations or individuals that create or adapt an AI model or system.",
        True,
    ),
    (
        "system-operator",
        "System Operators",
        "Organisations that embed or deploy an AI model or system in their infrastructure, or do so for "
        "others "
        "as a service.",
        True,
    ),
    (
        "data-custodian",
        "Data Custodians",
        "Whoever controls the permissions on, and the integrity of, the data an AI model or system uses (the "
        "draft's Data Controllers).",
        True,
    ),
    ("end-user", "End-users", "Staff or consumers who use an AI model or system.", False),
    (
        "affected-entity",
        "Affected Entities",
        "People and systems that an AI system's decisions reach without their using it.",
        False,
    ),
    (
        "organisation",
        "Organisations",
        "Organisations in general, whatever role they play (not one of the defined roles): a provision "
        "addressed to them binds every organisation.",
        False,
    ),
]
TERMS = [
    ("shall", "a requirement"),
    ("should", "a recommendation"),
    ("may", "a permission or possibility (aicop records it as the modality 'can')"),
]


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def parent_of(pid: str) -> str | None:
    if "-" in pid:
        clause, local = pid.split("-", 1)
        return f"{clause}-{local.rsplit('.', 1)[0]}" if "." in local else None
    return pid.rsplit(".", 1)[0] if pid.count(".") == 2 else None


def modality(verbs: list[str]) -> str:
    rank = {"shall": 3, "should": 2}
    best = max(verbs, key=lambda v: rank.get(v, 1))
    return best if best in rank else "can"


def tokens(value: str) -> list[str]:
    return [t for t in value.split(";") if t]


def build(rows: list[dict[str, str]], *, etsi: bool) -> dict[str, Any]:
    principles: dict[str, dict[str, Any]] = {}
    for row in rows:
        number = row["principle"]
        if number not in principles:
            title = row["principle_title"]
            applies_to = APPLIES_TO[number]
            principles[number] = {
                "id": ETSI_CLAUSE[number] if etsi else number,
                "title": re.sub(r"\byour\b", "the", title) if etsi else title,
                "section": row["section"],
                "stakeholders": roles_in(applies_to),
                "applies_to": applies_to,
                "provisions": [],
            }
        pid = row["etsi_id"] if etsi else row["id"]
        verbs = tokens(row["modal_verbs"])
        if etsi:
            verbs = ["can" if v == "may" else v for v in verbs]
        principles[number]["provisions"].append(
            {
                "id": pid,
                "parent": parent_of(pid),
                "text": row["summary"],
                "modality": modality(verbs),
                "stakeholders": tokens(row["obliged"]),
                "stakeholders_basis": "obliged",
                "named": tokens(row["stakeholders"]),
                "modal_verbs": verbs,
                "counterparts": {FINAL_ID: row["id"]} if etsi else {ETSI_ID: row["etsi_id"]},
            }
        )
    return {
        "schema_version": 1,
        "id": ETSI_ID if etsi else FINAL_ID,
        "title": "ETSI EN 304 223: baseline cyber security requirements for AI models and systems"
        if etsi
        else "Code of Practice for the Cyber Security of AI",
        "status": "European Standard V2.1.1 (2025-12), ids and structure only; summaries in aicop's own words"
        if etsi
        else "published 31 January 2025; summaries in aicop's own words",
        "stage": "final",
        "wording": "summary",
        "publisher": "ETSI" if etsi else "Department for Science, Innovation and Technology",
        "published": "2025-12-01" if etsi else "2025-01-31",
        "source": ETSI_SOURCE if etsi else SOURCE,
        "stakeholders": [
            {"id": i, "name": n, "definition": d, "implements_code": imp} for i, n, d, imp in STAKEHOLDERS
        ],
        "terminology": [{"term": t, "meaning": m} for t, m in TERMS],
        "sections": [{"id": k, "title": v} for k, v in SECTION_TITLES.items()],
        "principles": list(principles.values()),
    }


def roles_in(phrase: str) -> list[str]:
    found = [
        (r"\bDevelopers?\b", "developer"),
        (r"\bSystems? Operators?\b", "system-operator"),
        (r"\bData Custodians?\b", "data-custodian"),
    ]
    return [role for pattern, role in found if re.search(pattern, phrase, re.IGNORECASE)]


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_CROSSWALK
    PACKAGED_CROSSWALK.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        shutil.copyfile(source / name, PACKAGED_CROSSWALK / name)
    rows = read(PACKAGED_CROSSWALK / "final-2025-provisions.csv")
    for catalog_id, etsi in ((FINAL_ID, False), (ETSI_ID, True)):
        out = DATA / f"{catalog_id}.json"
        out.write_text(
            json.dumps(build(rows, etsi=etsi), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
