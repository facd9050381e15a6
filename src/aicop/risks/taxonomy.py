"""The identifiers a register may cite: MITRE ATLAS techniques and mitigations, and the OWASP Top 10
for LLM Applications (2025), each with its title.

Shipped as data (``data/atlas.json``, ``data/owasp-llm-2025.json``) taken from the publishers' own
sources, so that an id a person mistypes or invents is an error instead of a silent dead link.
Titles only: the descriptions belong to their publishers and are one click away.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

ATLAS_URL = "https://atlas.mitre.org/techniques/{}"
ATLAS_MITIGATION_URL = "https://atlas.mitre.org/mitigations/{}"
OWASP_URL = "https://genai.owasp.org/llm-top-10/"


@cache
def _table(name: str) -> dict[str, str]:
    data = json.loads(resources.files("aicop.risks").joinpath("data", name).read_text(encoding="utf-8"))
    return dict(data["ids"])


def atlas() -> dict[str, str]:
    """ATLAS technique (``AML.T0051``, ``AML.T0051.001``) and mitigation (``AML.M0015``) ids → titles."""
    return _table("atlas.json")


def owasp_llm() -> dict[str, str]:
    """OWASP LLM Top 10 (2025) ids (``LLM01:2025``) → titles."""
    return _table("owasp-llm-2025.json")


def atlas_title(ident: str) -> str | None:
    return atlas().get(ident)


def owasp_title(ident: str) -> str | None:
    return owasp_llm().get(ident)


def url(ident: str) -> str:
    if ident.startswith("AML.M"):
        return ATLAS_MITIGATION_URL.format(ident)
    if ident.startswith("AML."):
        return ATLAS_URL.format(ident)
    return OWASP_URL
