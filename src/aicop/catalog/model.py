"""Pydantic models of a catalog file: the one declaration of its shape (its JSON Schema comes from here)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Modality(StrEnum):
    """The Code's terminology table: shall is a requirement, should a recommendation, can/could a
    possibility."""

    SHALL = "shall"
    SHOULD = "should"
    CAN = "can"

    @property
    def rank(self) -> int:
        return {"shall": 3, "should": 2, "can": 1}[self.value]


class Role(StrEnum):
    """The stakeholders that implement the Code (end-users do not)."""

    DEVELOPER = "developer"
    SYSTEM_OPERATOR = "system-operator"
    DATA_CONTROLLER = "data-controller"


class Section(StrEnum):
    SECURE_DESIGN = "secure-design"
    SECURE_DEVELOPMENT = "secure-development"
    SECURE_DEPLOYMENT = "secure-deployment"
    SECURE_MAINTENANCE = "secure-maintenance"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Footnote(_Frozen):
    number: int
    text: str


class Provision(_Frozen):
    id: str = Field(pattern=r"^\d{1,2}(\.\d{1,2}){1,2}$")
    parent: str | None
    text: str = Field(min_length=1)
    modality: Modality
    stakeholders: tuple[Role, ...] = Field(min_length=1)
    stakeholders_basis: str = Field(pattern=r"^(named|parent|principle)$")
    footnotes: tuple[Footnote, ...] = ()
    guidance: tuple[str, ...] = ()
    references: tuple[str, ...] = ()

    @property
    def principle_id(self) -> str:
        return self.id.split(".", 1)[0]


class Principle(_Frozen):
    id: str = Field(pattern=r"^\d{1,2}$")
    title: str
    section: Section
    stakeholders: tuple[Role, ...] = Field(min_length=1)
    applies_to: str
    bibliography: tuple[str, ...] = ()
    ncsc_guidelines: tuple[str, ...] = ()
    footnotes: tuple[Footnote, ...] = ()
    provisions: tuple[Provision, ...] = Field(min_length=1)


class Stakeholder(_Frozen):
    id: str
    name: str
    definition: str
    implements_code: bool


class StakeholderExample(_Frozen):
    group: str
    guidance: str


class Term(_Frozen):
    term: str
    meaning: str


class SectionInfo(_Frozen):
    id: Section
    title: str


class GlossaryEntry(_Frozen):
    term: str
    definition: str


class BibliographyEntry(_Frozen):
    key: str
    citation: str


class Inconsistency(_Frozen):
    """Something in the source text that does not add up, recorded as found."""

    where: str
    what: str


class Catalog(_Frozen):
    schema_version: int = 1
    id: str
    title: str
    status: str
    publisher: str
    published: str
    source: str
    stakeholders: tuple[Stakeholder, ...]
    stakeholder_examples: tuple[StakeholderExample, ...] = ()
    terminology: tuple[Term, ...] = ()
    sections: tuple[SectionInfo, ...]
    principles: tuple[Principle, ...]
    glossary: tuple[GlossaryEntry, ...] = ()
    bibliography: tuple[BibliographyEntry, ...] = ()
    inconsistencies: tuple[Inconsistency, ...] = ()

    def provisions(self) -> list[Provision]:
        return [v for p in self.principles for v in p.provisions]

    def provision(self, provision_id: str) -> Provision:
        for provision in self.provisions():
            if provision.id == provision_id:
                return provision
        raise KeyError(provision_id)

    def principle(self, principle_id: str) -> Principle:
        for principle in self.principles:
            if principle.id == principle_id:
                return principle
        raise KeyError(principle_id)

    def has_provision(self, provision_id: str) -> bool:
        return any(v.id == provision_id for v in self.provisions())
