"""The OSCAL names aicop uses, shared by the catalog export and the assessment-results report so that
a control id in one resolves in the other."""

from __future__ import annotations

import uuid

OSCAL_VERSION = "1.1.3"
NAMESPACE = "https://aicop.dev/ns/oscal"
_UUID_NS = uuid.UUID("8f0f6a52-53a3-4c53-9a5a-6b8d1d1f0c11")


def control_id(provision_id: str) -> str:
    """OSCAL tokens must start with a letter: provision 5.4.1 is control ``cop-5.4.1``."""
    return f"cop-{provision_id}"


def statement_id(provision_id: str) -> str:
    return f"{control_id(provision_id)}_smt"


def group_id(principle_id: str) -> str:
    return f"principle-{principle_id}"


def stable_uuid(*parts: str) -> str:
    """The same input gives the same UUID, so re-exporting a catalog does not churn its diff."""
    return str(uuid.uuid5(_UUID_NS, "/".join(parts)))
