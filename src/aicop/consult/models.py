"""The survey's tables. Answers and identities are separate tables: a draft or a response holds only
answers; the identity a respondent chose to give is in ``consult_identities``, which no page shows and
which only an admin's export joins back."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from aicop.store.models import Base

Id = BigInteger().with_variant(Integer(), "sqlite")


class Draft(Base):
    """Answers in progress; the resume link names it by a signed, expiring token."""

    __tablename__ = "consult_drafts"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(43), unique=True)  # random; the token signs it
    questionnaire: Mapped[str] = mapped_column(String(64))
    answers: Mapped[dict[str, Any]] = mapped_column()
    identity: Mapped[dict[str, Any]] = mapped_column()  # kept until submission, then moved apart
    created_at: Mapped[dt.datetime] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column()
    submitted_as: Mapped[str | None] = mapped_column(String(20), nullable=True)  # the reference, once sent


class SurveyResponse(Base):
    __tablename__ = "consult_responses"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    draft_key: Mapped[str] = mapped_column(String(43), unique=True)  # one response per draft, ever
    questionnaire: Mapped[str] = mapped_column(String(64))
    answers: Mapped[dict[str, Any]] = mapped_column()
    submitted_at: Mapped[dt.datetime] = mapped_column()


class Identity(Base):
    __tablename__ = "consult_identities"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("consult_responses.id"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    organisation: Mapped[str] = mapped_column(String(200))
