"""Users, their passwords, browser sessions, API tokens, and the event log they write to.

- Passwords: argon2id through argon2-cffi (its defaults follow RFC 9106's second recommendation); a
  hash made with older parameters is re-hashed at the next successful sign-in.
- Session cookies and API tokens are 32 random bytes; the database keeps only their sha256, so a copy
  of the database does not let anyone sign in or push. A fast hash is right for them: unlike a
  password, the input cannot be guessed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import unicodedata
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aicop.store.db import StoreError
from aicop.store.models import ApiToken, Event, Role, User, WebSession, utcnow

_HASHER = PasswordHasher()
_DUMMY_HASH: str | None = None  # verified against for an unknown user name, so both take as long

MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # argon2 takes any length; a megabyte "password" would only burn CPU
SESSION_HOURS = 12
_USERNAME = re.compile(r"[\w.@-]+")
TOKEN_PREFIX = "aicop_"  # noqa: S105 - a prefix that makes a leaked token recognisable, not a secret


class AccountError(StoreError):
    """A user, password or token that cannot be used as asked."""


def record(
    db: Session, actor: str, action: str, subject_type: str, subject_id: object, **detail: Any
) -> None:
    """Append one event to the log (in the caller's transaction: the change and its record commit
    together or not at all)."""
    db.add(
        Event(
            actor=actor, action=action, subject_type=subject_type, subject_id=str(subject_id), detail=detail
        )
    )


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored``; ``None`` (no such user) is checked against a dummy."""
    global _DUMMY_HASH
    if stored is None:
        _DUMMY_HASH = _DUMMY_HASH or _HASHER.hash(secrets.token_urlsafe(16))
    try:
        return _HASHER.verify(stored or _DUMMY_HASH or "", password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < MIN_PASSWORD:
        return f"a password needs at least {MIN_PASSWORD} characters"
    if len(password) > MAX_PASSWORD:
        return f"a password has at most {MAX_PASSWORD} characters"
    return None


def username_problem(name: str) -> str | None:
    """User names are shown everywhere and compared as typed: letters, digits and ``._@-``, at most 100
    (no spaces, markup, or direction and formatting marks that make two names look alike)."""
    if not name or len(name) > 100:
        return "a user name has 1 to 100 characters"
    if not _USERNAME.fullmatch(name) or any(unicodedata.category(c)[0] in "CZ" for c in name):
        return "a user name has only letters, digits and . _ @ -"
    return None


def new_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_user(db: Session, username: str, role: Role, password: str, *, actor: str) -> User:
    for problem in (username_problem(username), password_problem(password)):
        if problem:
            raise AccountError(problem)
    user = User(username=username, role=role.value, password_hash=hash_password(password))
    db.add(user)
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        raise AccountError(f"a user named {username!r} already exists") from None
    record(db, actor, "user.create", "user", user.id, username=username, role=role.value)
    return user


def init_admin(db: Session, username: str = "admin") -> str:
    """Create the first admin, or give the existing one a new one-time password; returns the password,
    which must be changed at the first sign-in."""
    password = secrets.token_urlsafe(18)
    user = db.scalar(select(User).where(User.username == username))
    if user is None:
        user = create_user(db, username, Role.ADMIN, password, actor="aicop serve --init-admin")
    else:
        user.password_hash = hash_password(password)
        user.role = Role.ADMIN.value
        user.disabled = False
        db.execute(delete(WebSession).where(WebSession.user_id == user.id))
        record(db, "aicop serve --init-admin", "user.reset-password", "user", user.id, username=username)
    user.must_change_password = True
    return password


def authenticate(db: Session, username: str, password: str) -> User | None:
    user = db.scalar(select(User).where(User.username == username))
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or user.disabled:
        return None
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def change_password(db: Session, user: User, new: str) -> None:
    problem = password_problem(new)
    if problem:
        raise AccountError(problem)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    record(db, user.username, "user.change-password", "user", user.id)


def start_session(db: Session, user: User) -> str:
    """A new browser session for ``user``; returns the cookie value (stored only as its hash)."""
    token = new_token()
    now = utcnow()
    db.execute(delete(WebSession).where(WebSession.expires_at < now))  # expired ones go on the way
    db.add(
        WebSession(
            token_hash=token_hash(token), user_id=user.id, expires_at=now + dt.timedelta(hours=SESSION_HOURS)
        )
    )
    return token


def session_user(db: Session, token: str | None) -> User | None:
    if not token or len(token) > 200:
        return None
    found = db.scalar(select(WebSession).where(WebSession.token_hash == token_hash(token)))
    if found is None or _aware(found.expires_at) < utcnow() or found.user.disabled:
        return None
    return found.user


def end_session(db: Session, token: str | None) -> None:
    if token:
        db.execute(delete(WebSession).where(WebSession.token_hash == token_hash(token)))


def create_api_token(db: Session, name: str, *, actor: str) -> tuple[ApiToken, str]:
    """A push token; returns the row and the token itself, which is shown once and never stored."""
    if not name.strip() or len(name) > 100:
        raise AccountError("a token needs a name of 1 to 100 characters")
    token = new_token(TOKEN_PREFIX)
    row = ApiToken(name=name, token_hash=token_hash(token), prefix=token[:10], scope="push", created_by=actor)
    db.add(row)
    db.flush()
    record(db, actor, "token.create", "api_token", row.id, name=name, scope="push")
    return row, token


def api_token(db: Session, token: str | None, scope: str = "push") -> ApiToken | None:
    """The live token of ``scope`` that ``token`` is, or None."""
    if not token or len(token) > 200:
        return None
    row = db.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
    if row is None or row.revoked_at is not None or row.scope != scope:
        return None
    row.last_used_at = utcnow()
    return row


def revoke_api_token(db: Session, token_id: int, *, actor: str) -> None:
    row = db.get(ApiToken, token_id)
    if row is None:
        raise AccountError(f"no API token {token_id}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        record(db, actor, "token.revoke", "api_token", row.id, name=row.name)


def _aware(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes for what was stored in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
