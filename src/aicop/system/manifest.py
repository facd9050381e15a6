"""The ``aicop.yaml`` schema: one pydantic model, from which ``aicop manifest schema`` is generated.

Every model forbids unknown fields, so a misspelt key is an error with its line rather than a silently
ignored setting. Paths are kept as written (relative to the repository); the loader checks they stay
inside it.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from aicop.catalog.model import IMPLEMENTING_ROLES, PROVISION_ID, Role

MANIFEST_NAME = "aicop.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DocumentKind(StrEnum):
    THREAT_MODEL = "threat-model"
    INCIDENT_PLAN = "incident-plan"
    DISCLOSURE_POLICY = "disclosure-policy"
    MODEL_CARD = "model-card"
    USER_NOTICE = "user-notice"
    AWARENESS_PROGRAMME = "awareness-programme"
    REQUIREMENTS = "requirements"
    DISPOSAL_PROCEDURE = "disposal-procedure"  # final Code principle 13: decommissioning and data disposal


class SystemInfo(_Strict):
    name: str = Field(min_length=1)
    version: str | None = None
    description: str | None = None


class Model(_Strict):
    """A model the system uses: a local file or directory, or a remote reference with a pinned revision."""

    name: str = Field(min_length=1)
    path: str | None = Field(None, description="Local file or directory, relative to the repository.")
    uri: str | None = Field(None, description="Remote reference, e.g. hf://org/name or an API model id.")
    revision: str | None = Field(None, description="Pinned revision (a commit hash) of a remote model.")
    source: str | None = Field(None, description="Where it came from: in-house, a vendor, a hub.")
    licence: str | None = None
    format: str | None = None
    card: str | None = Field(None, description="Path of this model's model card.")

    @model_validator(mode="after")
    def _one_location(self) -> Model:
        if (self.path is None) == (self.uri is None):
            raise ValueError("give exactly one of 'path' (local) or 'uri' (remote)")
        return self


Sensitivity = Literal["public", "internal", "confidential", "personal", "special-category"]


class Dataset(_Strict):
    name: str = Field(min_length=1)
    path: str | None = None
    url: str | None = None
    revision: str | None = None
    public: bool = False
    sensitivity: Sensitivity = "internal"
    licence: str | None = None
    source: str | None = None

    @model_validator(mode="after")
    def _one_location(self) -> Dataset:
        if (self.path is None) == (self.url is None):
            raise ValueError("give exactly one of 'path' or 'url'")
        return self


class Prompt(_Strict):
    name: str = Field(min_length=1)
    path: str


class ExternalAPI(_Strict):
    """A service outside the organisation's control that the system sends data to (provision 2.3)."""

    name: str = Field(min_length=1)
    provider: str | None = None
    url: str | None = None
    data_sent: list[str] = Field(default_factory=list)
    controls: list[str] = Field(default_factory=list)


class Endpoint(_Strict):
    name: str = Field(min_length=1)
    url: str | None = None
    public: bool = False
    gateway_config: str | None = None


class Attestation(_Strict):
    """A person's statement about a process provision that no file in the repository can show."""

    status: Literal["met", "partial", "not_met"]
    owner: str = Field(min_length=1)
    evidence: str = Field(min_length=1, description="A link or path a reviewer can open.")
    date: dt.date
    expires: dt.date | None = None
    note: str | None = None

    def valid_on(self, day: dt.date) -> bool:
        return self.expires is None or day <= self.expires


class Exclusion(_Strict):
    """A provision the organisation has decided does not apply to this system, and why."""

    reason: str = Field(min_length=10, description="Why it does not apply; shown in every report.")
    owner: str | None = None
    expires: dt.date | None = None

    def valid_on(self, day: dt.date) -> bool:
        return self.expires is None or day <= self.expires


class Signing(_Strict):
    """How the system's models are signed (with 'aicop sign' or OpenSSF model_signing)."""

    public_key: str = Field(
        description="Path of the PEM public key that model signatures and .aicop/inventory.sig verify with."
    )


class Justification(_Strict):
    """Why a component that is not well documented or secured is used anyway (provision 7.2.1)."""

    component: str = Field(
        min_length=1, description="The package, model or dataset, named as aicop names it."
    )
    reason: str = Field(min_length=10, description="Why, e.g. no other supplier; shown in every report.")
    owner: str = Field(min_length=1)
    review: dt.date = Field(description="When it is reviewed again; after this date it is a gap again.")
    shared_with_operators: bool = Field(
        description="Whether the explanation is shared with System Operators and end-users when they ask."
    )

    def valid_on(self, day: dt.date) -> bool:
        return day <= self.review


class AdvisoryPolicy(_Strict):
    """How 'aicop assess' judges known vulnerabilities and model sources (provisions 7.2, 7.2.1)."""

    db: str | None = Field(None, description="The advisory database (default: as 'aicop deps').")
    max_age_days: int = Field(7, ge=0, description="An older snapshot is a gap.")
    fail_severity: Literal["low", "medium", "high", "critical"] = "high"
    blocked_model_sources: list[str] = Field(
        default_factory=list, description="Patterns (fnmatch) of model URIs the organisation does not allow."
    )
    bad_model_revisions: dict[str, list[str]] = Field(
        default_factory=dict, description="Model URI -> revisions known to be bad (withdrawn, compromised)."
    )


ProvisionId = Annotated[str, Field(pattern=PROVISION_ID)]
# Every manifest written before catalogs were named used the draft's ids.
IMPLIED_CATALOG = "dsit-2024-05"


class Manifest(_Strict):
    """``aicop.yaml``: what the system is, the roles the organisation plays, and what it attests."""

    version: Literal[1] = 1
    catalog: str | None = Field(
        None,
        description="The catalog whose provision ids the attestations and exclusions use, and which "
        "'aicop assess' assesses against unless --catalog says otherwise: dsit-2024-05 (the draft, "
        "implied when absent), dsit-2025-01 (the final Code) or etsi-en-304-223.",
    )
    system: SystemInfo
    roles: list[Role] = Field(
        min_length=1,
        description="developer, system-operator, and data-controller (draft) or data-custodian (final Code)",
    )
    models: list[Model] = Field(default_factory=list)
    datasets: list[Dataset] = Field(default_factory=list)
    prompts: list[Prompt] = Field(default_factory=list)
    external_apis: list[ExternalAPI] = Field(default_factory=list)
    endpoints: list[Endpoint] = Field(default_factory=list)
    documents: dict[DocumentKind, str] = Field(default_factory=dict)
    signing: Signing | None = None
    attestations: dict[ProvisionId, Attestation] = Field(default_factory=dict)
    exclusions: dict[ProvisionId, Exclusion] = Field(default_factory=dict)
    exclude: list[str] = Field(default_factory=list, description="gitignore-style patterns aicop skips")
    justifications: list[Justification] = Field(
        default_factory=list, description="Components kept although not well documented or secured (7.2.1)."
    )
    advisories: AdvisoryPolicy | None = None

    @field_validator("roles")
    @classmethod
    def _implementing(cls, roles: list[Role]) -> list[Role]:
        wrong = [r.value for r in roles if r not in IMPLEMENTING_ROLES]
        if wrong:
            allowed = ", ".join(r.value for r in IMPLEMENTING_ROLES)
            raise ValueError(f"{wrong[0]} is not a role an organisation implements the Code in ({allowed})")
        return roles

    @property
    def ids_catalog(self) -> str:
        """The catalog the attestation and exclusion ids are numbered in."""
        return self.catalog or IMPLIED_CATALOG

    def local_paths(self) -> list[tuple[tuple[str | int, ...], str]]:
        """Every repository path the manifest names, with its location in the file."""
        found: list[tuple[tuple[str | int, ...], str]] = []
        for field in ("models", "datasets", "prompts"):
            for i, item in enumerate(getattr(self, field)):
                for key in ("path", "card"):
                    value = getattr(item, key, None)
                    if value is not None:
                        found.append(((field, i, key), value))
        for i, endpoint in enumerate(self.endpoints):
            if endpoint.gateway_config:
                found.append((("endpoints", i, "gateway_config"), endpoint.gateway_config))
        for kind, path in self.documents.items():
            found.append((("documents", kind.value), path))
        if self.signing is not None:
            found.append((("signing", "public_key"), self.signing.public_key))
        return found
