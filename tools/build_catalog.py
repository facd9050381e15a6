"""Build the catalog data file for the draft Code (dsit-2024-05) from the seed text.

The catalog is data that the package ships; this script is how that data was made, kept so that anyone
can re-derive it and check that nothing was typed in by hand. It reads chapter 3 (the Code), Annex C
(glossary) and Annex F (bibliography) of the Call for Views and writes
``src/aicop/catalog/data/dsit-2024-05.json``.

Decisions it encodes, each visible in the output:

* Provision text is verbatim, with footnote markers (superscript digits) moved to a ``footnotes`` list.
* Modality is the strongest modal verb in the provision (shall > should > can/could/may).
* Stakeholders are those the provision names *before* its modal verb (its subject: "Developers shall …
  notify System Operators" binds Developers only). A provision that names none inherits its parent's;
  a top-level one that names none ("Organisations shall", "All responsible stakeholders") takes the
  principle's. ``stakeholders_basis`` says which rule applied.
* The seed's own inconsistencies are recorded in ``inconsistencies``, never repaired.

Usage: python tools/build_catalog.py [SEED] [OUT]
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from aicop.catalog.wording import modality_of, roles_bound, roles_named  # noqa: E402

DEFAULT_SEED = ROOT.parent / "shared" / "seed" / "call-for-views-cyber-security-of-ai.txt"
DEFAULT_OUT = ROOT / "src" / "aicop" / "catalog" / "data" / "dsit-2024-05.json"

SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹"
SUP_TO_DIGIT = str.maketrans(SUPERSCRIPT, "0123456789")
SUP_RUN = re.compile(f"[{SUPERSCRIPT}]+")

SECTIONS = {
    "Secure Design": "secure-design",
    "Secure Development": "secure-development",
    "Secure Deployment": "secure-deployment",
    "Secure Maintenance": "secure-maintenance",
}
PRINCIPLE_RE = re.compile(r"^Principle (\d+): (.+)$")
PROVISION_RE = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){1,2})\.?\s+(.+)$")
# "can't" is a negation, not a modality of the provision ("where updates can't be provided, … shall").
REF_RE = re.compile(r"(?<![\d.])(\d{1,2}\.\d{1,2}(?:\.\d{1,2})?)(?![\d.]*\d)")
PRINCIPLE_REF_RE = re.compile(r"\bprinciple (\d{1,2})\b", re.IGNORECASE)
QUOTED_RE = re.compile(r"[“\"]([^”\"]+)[”\"]")


def _split_runs(text: str) -> list[int]:
    """Footnote markers are superscript runs; a run like ²⁹ ³⁰ is separated by a space in the seed."""
    return [int(run.translate(SUP_TO_DIGIT)) for run in SUP_RUN.findall(text)]


def strip_markers(text: str) -> str:
    return SUP_RUN.sub("", text).rstrip()


def _modality(text: str) -> str:
    modality = modality_of(text)
    if modality is None:
        raise SystemExit(f"no modal verb in provision text: {text!r}")
    return modality.value


def ncsc_guidelines(note: str) -> list[str]:
    """Guideline names quoted before "in [Guidelines for secure AI system development]"; the quotes
    after it name Software Code principles."""
    head, sep, _ = note.partition(" in [Guidelines for secure AI system development]")
    return QUOTED_RE.findall(head) if sep else []


def parse_footnotes(lines: list[str]) -> dict[int, str]:
    notes: dict[int, str] = {}
    for line in lines:
        match = re.match(f"^([{SUPERSCRIPT}]+) (.+)$", line)
        if match:
            notes[int(match.group(1).translate(SUP_TO_DIGIT))] = match.group(2).strip()
    return notes


def tab_table(lines: list[str], start: int, header: str) -> list[list[str]]:
    """Rows of a tab-separated table whose header line starts with ``header``."""
    idx = next(i for i in range(start, len(lines)) if lines[i].startswith(header))
    first = next(i for i in range(idx + 1, len(lines)) if "\t" in lines[i])
    rows = []
    for line in lines[first:]:
        if not line.strip():
            if rows:
                break
            continue
        if "\t" not in line:
            break
        rows.append([cell.strip() for cell in line.split("\t")])
    return rows


def parse_code(lines: list[str], footnotes: dict[int, str]) -> list[dict[str, Any]]:
    start = lines.index("Code of Practice Principles")
    end = lines.index("Monitoring and Evaluation", start)
    principles: list[dict[str, Any]] = []
    section = None
    current: dict[str, Any] | None = None  # the provision that guidance paragraphs attach to
    for raw in lines[start + 1 : end]:
        line = raw.strip()
        if not line or re.match(f"^[{SUPERSCRIPT}]+ ", line):
            continue
        if line in SECTIONS:
            section = SECTIONS[line]
            continue
        pmatch = PRINCIPLE_RE.match(line)
        if pmatch:
            notes = _split_runs(pmatch.group(2))
            principles.append(
                {
                    "id": pmatch.group(1),
                    "title": strip_markers(pmatch.group(2)),
                    "section": section,
                    "stakeholders": [],
                    "applies_to": None,
                    "bibliography": [],
                    "ncsc_guidelines": [q for n in notes for q in ncsc_guidelines(footnotes[n])],
                    "footnotes": [{"number": n, "text": footnotes[n]} for n in notes],
                    "provisions": [],
                }
            )
            current = None
            continue
        principle = principles[-1]
        if line.startswith("Primarily applies to:"):
            phrase = line.split(":", 1)[1].strip()
            principle["applies_to"] = phrase
            principle["stakeholders"] = [r.value for r in roles_named(phrase)]
            continue
        if line.startswith("[") and line.endswith("]") and current is None:
            principle["bibliography"] = [k.strip() for k in line[1:-1].split(",")]
            continue
        vmatch = PROVISION_RE.match(line)
        if vmatch and vmatch.group(1).split(".")[0] == principle["id"]:
            pid, body = vmatch.group(1), vmatch.group(2)
            parts = pid.split(".")
            current = {
                "id": pid,
                "parent": ".".join(parts[:-1]) if len(parts) > 2 else None,
                "text": strip_markers(body),
                "modality": _modality(strip_markers(body)),
                "footnotes": [{"number": n, "text": footnotes[n]} for n in _split_runs(body)],
                "guidance": [],
            }
            principle["provisions"].append(current)
            continue
        if current is None:
            raise SystemExit(f"unplaced line in principle {principle['id']}: {line!r}")
        current["guidance"].append(line)
    return principles


def assign_stakeholders(principle: dict[str, Any]) -> None:
    by_id = {p["id"]: p for p in principle["provisions"]}
    for provision in principle["provisions"]:
        named = [r.value for r in roles_bound(provision["text"])]
        if named:
            provision["stakeholders"], provision["stakeholders_basis"] = named, "named"
        elif provision["parent"]:
            provision["stakeholders"] = list(by_id[provision["parent"]]["stakeholders"])
            provision["stakeholders_basis"] = "parent"
        else:
            provision["stakeholders"] = list(principle["stakeholders"])
            provision["stakeholders_basis"] = "principle"


def add_references(principle: dict[str, Any]) -> None:
    for provision in principle["provisions"]:
        text = " ".join([provision["text"], *provision["guidance"]])
        refs = [r for r in REF_RE.findall(text) if r != provision["id"]]
        refs += [f"principle {n}" for n in PRINCIPLE_REF_RE.findall(text)]
        provision["references"] = list(dict.fromkeys(refs))


def parse_glossary(lines: list[str]) -> list[dict[str, str]]:
    start = lines.index("Annex C: Glossary of terms")
    end = lines.index("Annex D: Call for Views Survey Questionnaire", start)
    entries = []
    for line in lines[start + 1 : end]:
        if ":" in line and line.strip():
            term, definition = line.split(":", 1)
            entries.append({"term": term.strip(), "definition": definition.strip()})
    return entries


def parse_bibliography(lines: list[str]) -> list[dict[str, str]]:
    start = lines.index("Annex F: Bibliography of relevant publications mapped to principles by Mindgard")
    entries = []
    for line in lines[start + 1 :]:
        match = re.match(r"^- \[([^\]]+)\] (.+)$", line)
        if match:
            entries.append({"key": match.group(1).replace(",", ""), "citation": match.group(2).strip()})
    return entries


def find_inconsistencies(
    principles: list[dict[str, Any]], bibliography: list[dict[str, str]]
) -> list[dict[str, str]]:
    ids = {v["id"] for p in principles for v in p["provisions"]}
    keys = {b["key"] for b in bibliography}
    found = []
    for principle in principles:
        for key in principle["bibliography"]:
            if key not in keys:
                found.append(
                    {
                        "where": f"principle {principle['id']}",
                        "what": f"cites bibliography key {key!r}, which Annex F does not list",
                    }
                )
        for provision in principle["provisions"]:
            for ref in provision["references"]:
                if not ref.startswith("principle") and ref not in ids:
                    found.append(
                        {
                            "where": provision["id"],
                            "what": f"refers to provision {ref}, which the Code does not contain",
                        }
                    )
    return found


def build(seed: Path) -> dict[str, Any]:
    lines = seed.read_text(encoding="utf-8").splitlines()
    footnotes = parse_footnotes(lines)
    principles = parse_code(lines, footnotes)
    for principle in principles:
        assign_stakeholders(principle)
        add_references(principle)
    audience = lines.index("Audience")
    definitions = tab_table(lines, audience, "Stakeholder\tDefinitions")
    examples = tab_table(lines, audience, "Stakeholder Groups\tGuidance")
    terminology = tab_table(lines, audience, "What does the terminology mean")
    if terminology and terminology[0][0] == "Stakeholder Groups":
        raise SystemExit("terminology table not found")
    bibliography = parse_bibliography(lines)
    stakeholder_ids = {
        "Developers": "developer",
        "System Operators": "system-operator",
        "Data controllers": "data-controller",
        "End-users": "end-user",
    }
    return {
        "schema_version": 1,
        "id": "dsit-2024-05",
        "title": "AI Cyber Security Code of Practice",
        "status": "draft for the Call for Views",
        "publisher": "Department for Science, Innovation and Technology",
        "published": "2024-05-15",
        "source": f"{seed.name}, chapter 3 (the Code), Annex C (glossary), Annex F (bibliography)",
        "stakeholders": [
            {
                "id": stakeholder_ids[name],
                "name": name,
                "definition": definition,
                "implements_code": stakeholder_ids[name] != "end-user",
            }
            for name, definition in definitions
        ],
        "stakeholder_examples": [{"group": g, "guidance": t} for g, t in examples],
        "terminology": [{"term": t, "meaning": m} for t, m in terminology],
        "sections": [{"id": sid, "title": title} for title, sid in SECTIONS.items()],
        "principles": principles,
        "glossary": parse_glossary(lines),
        "bibliography": bibliography,
        "inconsistencies": find_inconsistencies(principles, bibliography),
    }


def main(argv: list[str]) -> int:
    seed = Path(argv[1]) if len(argv) > 1 else DEFAULT_SEED
    out = Path(argv[2]) if len(argv) > 2 else DEFAULT_OUT
    catalog = build(seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(catalog, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    count = sum(len(p["provisions"]) for p in catalog["principles"])
    print(f"wrote {out}: {len(catalog['principles'])} principles, {count} provisions")
    for item in catalog["inconsistencies"]:
        print(f"  recorded inconsistency at {item['where']}: {item['what']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
