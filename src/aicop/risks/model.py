"""The ``risks.yaml`` schema: one pydantic model, the JSON Schema generated from it.

A register records, per risk: the threat (ATLAS and OWASP LLM ids), what it touches, how likely and
how bad, the controls that treat it, its owner, the treatment decision (mitigate, accept with a reason
and an approver, transfer to a named party with the assurance obtained, avoid), the residual risk, the
next review and whether Operators or End-users were told. Rules that need more than one field
(references between controls, ids in the ATLAS table, the system the register is for) are checked by
the loader, which knows the lines.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

REGISTER_NAME = "risks.yaml"

Level = Literal["low", "medium", "high", "critical"]
LEVELS: tuple[Level, ...] = ("low", "medium", "high", "critical")
Ident = str


def level_index(level: Level) -> int:
    return LEVELS.index(level)


def rating(likelihood: Level, impact: Level) -> Level:
    """The inherent risk on a 4×4 matrix: likelihood × impact (1–16) banded into four levels."""
    score = (level_index(likelihood) + 1) * (level_index(impact) + 1)
    return "low" if score <= 2 else "medium" if score <= 4 else "high" if score <= 8 else "critical"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Treatment(StrEnum):
    MITIGATE = "mitigate"
    ACCEPT = "accept"
    TRANSFER = "transfer"
    AVOID = "avoid"


class Acceptance(_Strict):
    """Why a risk is accepted and who approved it (provision 3.6)."""

    reason: str = Field(min_length=10)
    approver: str = Field(min_length=1, description="The person or role who accepted the risk.")
    date: dt.date | None = None


class Transfer(_Strict):
    """A third party that holds the risk, and the assurance obtained that it can address it (3.4)."""

    party: str = Field(min_length=1)
    assurance: str = Field(
        min_length=1, description="What shows the party can address the risk: a contract clause, a report."
    )
    reviewed: dt.date | None = Field(None, description="When the assurance was last checked.")


class Communication(_Strict):
    """Who was told about a risk the Developer cannot resolve, and where (3.3)."""

    operators: bool = False
    end_users: bool = False
    where: str | None = Field(None, description="The document that tells them, relative to the repository.")


class Control(_Strict):
    id: Ident = Field(min_length=1)
    title: str = Field(min_length=1)
    check: str | None = Field(
        None,
        description="The aicop check that evidences the control; when it fails, the risks it treats rise.",
    )
    atlas_mitigations: list[str] = Field(default_factory=list, description="ATLAS mitigation ids (AML.M…).")
    status: Literal["implemented", "planned"] = "implemented"
    cost: Level | None = Field(
        None, description="Cost of implementation, weighed against risk tolerance (3.5)."
    )
    depends_on: list[Ident] = Field(default_factory=list, description="Controls this one relies on.")


class Risk(_Strict):
    id: Ident = Field(min_length=1)
    title: str = Field(min_length=1)
    atlas: list[str] = Field(default_factory=list, description="ATLAS technique ids (AML.T…).")
    owasp: list[str] = Field(default_factory=list, description="OWASP LLM Top 10 ids (LLM01:2025).")
    assets: list[str] = Field(default_factory=list, description="Models, datasets, prompts it touches.")
    components: list[str] = Field(default_factory=list)
    likelihood: Level
    impact: Level
    controls: list[Ident] = Field(default_factory=list)
    owner: str = Field(min_length=1)
    treatment: Treatment
    acceptance: Acceptance | None = None
    transfer: Transfer | None = None
    residual: Level
    review: dt.date = Field(description="When this risk is next reviewed.")
    communicated: Communication = Field(default_factory=Communication)

    @property
    def inherent(self) -> Level:
        return rating(self.likelihood, self.impact)


class Capability(_Strict):
    """A model that can do more than the system uses it for (3.1.3), and how the surplus is managed."""

    model: str = Field(min_length=1, description="A model named in aicop.yaml.")
    offers: list[str] = Field(min_length=1, description="What the model can do: text, vision, tools, code…")
    uses: list[str] = Field(min_length=1, description="What the system uses of it.")
    managed_by: Ident | None = Field(None, description="The risk that manages the unused capabilities.")


class Dpia(_Strict):
    """The data protection impact assessment (3.2)."""

    reference: str = Field(min_length=1, description="Where the DPIA is kept: a path or URL.")
    date: dt.date


class Register(_Strict):
    """``risks.yaml``: the system's risk register."""

    version: Literal[1] = 1
    system: str = Field(min_length=1, description="The system's name, as in aicop.yaml.")
    owner: str = Field(min_length=1)
    last_reviewed: dt.date
    risk_appetite: Level = Field(description="The highest residual risk accepted without an approval.")
    dpia: Dpia | None = None
    capabilities: list[Capability] = Field(default_factory=list)
    controls: list[Control] = Field(default_factory=list)
    risks: list[Risk] = Field(default_factory=list)

    def control(self, ident: str) -> Control | None:
        return next((c for c in self.controls if c.id == ident), None)

    def risk(self, ident: str) -> Risk | None:
        return next((r for r in self.risks if r.id == ident), None)
