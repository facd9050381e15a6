"""The gateway's API keys (provision 6.1, 4.6): stored as SHA-256 digests, never in clear.

A key is 32 random bytes (``aicop-`` and URL-safe base64), shown once when created. Its digest, a
short prefix for telling keys apart, its scopes (the models it may call, ``*`` for all), whether it
may see logprobs, and when it was created or revoked are kept in a JSON file written atomically with
mode 0600. A salted slow hash would add nothing for keys of this entropy and would cost every request
a millisecond. The gateway re-reads the file when it changes, so a revoked key stops working within
a second without a restart.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path

from aicop.errors import InputError
from aicop.fsutil import write_atomic

PREFIX = "aicop-"


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


@dataclass
class Key:
    id: str
    name: str
    sha256: str
    prefix: str
    scopes: list[str] = field(default_factory=lambda: ["*"])
    logprobs: bool = False
    created: str = ""
    revoked: str | None = None

    def allows(self, model: str | None) -> bool:
        return "*" in self.scopes or (model is not None and model in self.scopes)


class KeyStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._keys: dict[str, Key] = {}  # by digest
        self._stamp: tuple[int, int] | None = None

    def load(self) -> list[Key]:
        """Every key in the file (none when there is no file yet)."""
        self._current()
        return list(self._keys.values())

    def _current(self) -> None:
        """Read the file again if it changed (one ``stat`` a request: a key revoked is refused at once)."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            self._keys, self._stamp = {}, None
            return
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                keys = [Key(**entry) for entry in data["keys"]]
            except (OSError, ValueError, KeyError, TypeError) as err:
                raise InputError(f"the key file is damaged: {err}", path=self.path) from err
            self._keys, self._stamp = {k.sha256: k for k in keys}, stamp

    def authenticate(self, presented: str) -> Key | None:
        """The live key whose digest matches, or None."""
        self._current()
        key = self._keys.get(digest(presented))  # a lookup by digest leaks nothing about the key
        return None if key is None or key.revoked else key

    def _save(self, keys: list[Key]) -> None:
        text = json.dumps({"version": 1, "keys": [asdict(k) for k in keys]}, indent=2) + "\n"
        write_atomic(self.path, text, mode=0o600)
        self._stamp = None

    def create(self, name: str, scopes: list[str], logprobs: bool = False) -> tuple[str, Key]:
        """(the new key, its record); the key itself is not stored."""
        keys = self.load()
        if any(k.name == name and not k.revoked for k in keys):
            raise InputError(f"a live key named {name!r} exists; revoke it first or choose another name")
        secret = PREFIX + secrets.token_urlsafe(32)
        key = Key(
            id=secrets.token_hex(4),
            name=name,
            sha256=digest(secret),
            prefix=secret[: len(PREFIX) + 4],
            scopes=scopes or ["*"],
            logprobs=logprobs,
            created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        )
        self._save([*keys, key])
        return secret, key

    def revoke(self, which: str) -> Key:
        """Revoke the key with this id or name."""
        keys = self.load()
        matches = [k for k in keys if which in (k.id, k.name) and not k.revoked]
        if not matches:
            raise InputError(f"no live key with id or name {which!r}", path=self.path)
        for key in matches:
            key.revoked = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self._save(keys)
        return matches[0]
