"""How the Code's wording maps to modality and stakeholders.

Used twice: by ``tools/build_catalog.py`` to derive the catalog from the seed text, and by the loader
to refuse a catalog whose recorded modality or stakeholders disagree with its own text.
"""

from __future__ import annotations

import re

from aicop.catalog.model import Modality, Role

# "can't" is a negation inside a condition ("where updates can't be provided, … shall"), not a modality.
MODAL_RE = re.compile(r"\b(shall|should|could|can|may)\b(?!')", re.IGNORECASE)
_MODALITY = {"shall": Modality.SHALL, "should": Modality.SHOULD}
ROLE_PATTERNS = {
    Role.DEVELOPER: re.compile(r"\bDevelopers?\b", re.IGNORECASE),
    Role.SYSTEM_OPERATOR: re.compile(r"\bSystems? Operators?\b", re.IGNORECASE),
    Role.DATA_CONTROLLER: re.compile(r"\bData controllers?\b", re.IGNORECASE),
    Role.DATA_CUSTODIAN: re.compile(r"\bData custodians?\b", re.IGNORECASE),
}


def strongest(verbs: tuple[str, ...] | list[str]) -> Modality | None:
    """The modality of a list of modal verbs (the final Code's "may" is the draft's "can")."""
    found = [_MODALITY.get(v.lower(), Modality.CAN) for v in verbs]
    return max(found, key=lambda m: m.rank) if found else None


def modality_of(text: str) -> Modality | None:
    """The strongest modal verb in ``text``: shall > should > can/could/may; None if it has none."""
    found = [_MODALITY.get(m.lower(), Modality.CAN) for m in MODAL_RE.findall(text)]
    return max(found, key=lambda m: m.rank) if found else None


def subject_clause(text: str) -> str:
    """The text before the first modal verb: who the provision binds."""
    match = MODAL_RE.search(text)
    return text[: match.start()] if match else text


def roles_named(phrase: str) -> list[Role]:
    return [role for role, pattern in ROLE_PATTERNS.items() if pattern.search(phrase)]


def roles_bound(text: str) -> list[Role]:
    """The stakeholders a provision names as its subject ("Developers shall … notify System Operators"
    binds Developers only)."""
    return roles_named(subject_clause(text))
