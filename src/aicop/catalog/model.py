"""Pydantic models of a catalog file: the one declaration of its shape (its JSON Schema comes from here)."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

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
    """The stakeholders a catalog names. The draft has three that implement the Code; the final Code
    (January 2025) renamed Data Controllers to Data Custodians, added Affected Entities, and addresses
    some provisions to End-users or to organisations in general. Which of them an organisation can
    declare it plays is ``IMPLEMENTING_ROLES``; which a given catalog uses is ``Catalog.roles``."""

    DEVELOPER = "developer"
    SYSTEM_OPERATOR = "system-operator"
    DATA_CONTROLLER = "data-controller"
    DATA_CUSTODIAN = "data-custodian"
    END_USER = "end-user"
    AFFECTED_ENTITY = "affected-entity"
    ORGANISATION = "organisation"


IMPLEMENTING_ROLES = (Role.DEVELOPER, Role.SYSTEM_OPERATOR, Role.DATA_CONTROLLER, Role.DATA_CUSTODIAN)
"""The roles a manifest or ``--roles`` can name: those an organisation plays when it implements a Code."""
# The final Code renamed the role; its definition (controls data permissions and integrity) kept its
# substance.
ROLE_RENAMES = {Role.DATA_CONTROLLER: Role.DATA_CUSTODIAN, Role.DATA_CUSTODIAN: Role.DATA_CONTROLLER}


class Section(StrEnum):
    SECURE_DESIGN = "secure-design"
    SECURE_DEVELOPMENT = "secure-development"
    SECURE_DEPLOYMENT = "secure-deployment"
    SECURE_MAINTENANCE = "secure-maintenance"
    SECURE_END_OF_LIFE = "secure-end-of-life"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Footnote(_Frozen):
    number: int
    text: str


# DSIT numbers provisions p.n and p.n.m; ETSI EN 304 223 numbers them <clause>-n and <clause>-n.m.
PROVISION_ID = r"^(\d{1,2}(\.\d{1,2}){1,2}|\d\.\d\.\d-\d{1,2}(\.\d{1,2})?)$"
PRINCIPLE_ID = r"^(\d{1,2}|\d\.\d\.\d)$"


def principle_of(provision_id: str) -> str:
    """The principle (DSIT) or clause (ETSI) a provision id belongs to: 5.4.1 → 5, 5.2.1-4.1 → 5.2.1."""
    if "-" in provision_id:
        return provision_id.split("-", 1)[0]
    return provision_id.split(".", 1)[0]


def depth_of(provision_id: str) -> int:
    """1 for a provision (5.4, 5.2.1-4), 2 for a sub-provision (5.4.1, 5.2.1-4.1)."""
    local = provision_id.split("-", 1)[1] if "-" in provision_id else provision_id.split(".", 1)[1]
    return local.count(".") + 1


class Provision(_Frozen):
    id: str = Field(pattern=PROVISION_ID)
    parent: str | None
    text: str = Field(min_length=1, description="Verbatim (draft) or our own summary (see Catalog.wording).")
    modality: Modality
    stakeholders: tuple[Role, ...] = Field(min_length=1, description="Who the provision binds.")
    stakeholders_basis: str = Field(pattern=r"^(named|parent|principle|obliged)$")
    footnotes: tuple[Footnote, ...] = ()
    guidance: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    named: tuple[Role, ...] = Field(
        (), description="Every stakeholder the provision names, recipients included (final Code)."
    )
    modal_verbs: tuple[str, ...] = Field((), description="Every normative modal verb, strongest first.")
    counterparts: dict[str, str] = Field(
        default_factory=dict, description="The same provision's id in other catalogs: {catalog id: id}."
    )

    @property
    def principle_id(self) -> str:
        return principle_of(self.id)

    def binds(self, roles: tuple[Role, ...] | list[Role]) -> bool:
        """Does this provision bind an organisation playing ``roles``? One addressed to organisations in
        general binds every one."""
        return Role.ORGANISATION in self.stakeholders or bool(set(self.stakeholders) & set(roles))


class Principle(_Frozen):
    id: str = Field(pattern=PRINCIPLE_ID)
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
    status: str = Field(description="Draft or final, as the publisher calls it; every report names it.")
    stage: Literal["draft", "final"] = "draft"
    wording: Literal["verbatim", "summary"] = Field(
        "verbatim",
        description="verbatim: provision text is the publisher's (checked against modality and "
        "stakeholders); "
        "summary: our own words, and modality comes from the recorded modal verbs.",
    )
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

    @property
    def roles(self) -> tuple[Role, ...]:
        """The roles that implement this catalog, as an organisation declares them."""
        return tuple(Role(s.id) for s in self.stakeholders if s.implements_code)

    def role_for(self, role: Role) -> Role:
        """``role`` in this catalog's vocabulary: data-controller in the draft is data-custodian in the
        final Code, and the other way round."""
        if role not in self.roles and ROLE_RENAMES.get(role) in self.roles:
            return ROLE_RENAMES[role]
        return role
