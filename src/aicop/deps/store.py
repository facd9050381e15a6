"""The advisory database: OSV exports imported into SQLite, with the date and digest of each import.

Kept with the standard library's ``sqlite3`` rather than SQLAlchemy: the database is one file with
three tables that only this module reads and writes, the import is a bulk ``executemany`` inside one
transaction (tens of thousands of rows in well under a second), and SQLAlchemy is not a runtime
dependency of aicop (only the gateway's PostgreSQL sink, an extra, uses it). When the dashboard's store
lands, this module is the one place to move.

Where it lives: ``--db PATH``, else ``$AICOP_ADVISORY_DB``, else ``advisories.sqlite3`` in the user's
data directory (platformdirs: ``~/.local/share/aicop`` on Linux). Nothing is downloaded: the user
brings OSV's per-ecosystem export (``PyPI/all.zip``) in.

An import is all or nothing: a zip that cannot be read (corrupt, truncated, a member whose CRC fails)
imports nothing; a record that is not JSON or breaks the OSV schema is skipped, counted and named, and
the rest goes in. Each import replaces the advisories of the ecosystems it covers (OSV's export of an
ecosystem is complete), and says what changed since the last one: added, modified, withdrawn, removed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aicop.deps.osv import Advisory, Affected, digest, from_record
from aicop.errors import AicopError, InputError
from aicop.severity import Severity

ENV_DB = "AICOP_ADVISORY_DB"
MAX_MEMBER_BYTES = 20 * 1024 * 1024  # OSV's largest records are a few hundred KB
MAX_MEMBERS = 500_000
SCHEMA_VERSION = 1

_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    scope TEXT NOT NULL,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    data_date TEXT NOT NULL,
    records INTEGER NOT NULL,
    skipped INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS advisories (
    scope TEXT NOT NULL,
    id TEXT NOT NULL,
    modified TEXT NOT NULL,
    digest TEXT NOT NULL,
    summary TEXT NOT NULL,
    aliases TEXT NOT NULL,
    severity INTEGER,
    refs TEXT NOT NULL,
    withdrawn TEXT,
    PRIMARY KEY (scope, id)
);
CREATE TABLE IF NOT EXISTS affected (
    scope TEXT NOT NULL,
    advisory_id TEXT NOT NULL,
    ecosystem TEXT NOT NULL,
    package TEXT NOT NULL,
    ranges TEXT NOT NULL,
    versions TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS affected_package ON affected (package, ecosystem);
CREATE INDEX IF NOT EXISTS affected_scope ON affected (scope);
"""


_BY_PACKAGES = (
    "SELECT f.package, a.id, a.modified, a.digest, a.summary, a.aliases, a.severity, a.refs, a.withdrawn, "
    "f.ecosystem, f.ranges, f.versions FROM affected f JOIN advisories a "
    "ON a.scope = f.scope AND a.id = f.advisory_id WHERE f.package IN "
)


class AdvisoryDBError(AicopError):
    """The advisory database or an export given to it cannot be used."""


@dataclass(frozen=True)
class Skipped:
    member: str
    record: str | None
    reason: str


@dataclass(frozen=True)
class Snapshot:
    scope: str
    source: str
    sha256: str
    imported_at: str
    data_date: str
    records: int
    skipped: int

    @property
    def ecosystems(self) -> list[str]:
        return self.scope.split(",")

    def age_days(self, today: dt.date) -> int:
        return (today - dt.date.fromisoformat(self.data_date[:10])).days


@dataclass
class ImportReport:
    snapshot: Snapshot
    added: list[str] = field(default_factory=list)
    modified: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    first: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.snapshot.source,
            "sha256": self.snapshot.sha256,
            "scope": self.snapshot.ecosystems,
            "imported_at": self.snapshot.imported_at,
            "data_date": self.snapshot.data_date,
            "records": self.snapshot.records,
            "first_import": self.first,
            "added": self.added,
            "modified": self.modified,
            "withdrawn": self.withdrawn,
            "removed": self.removed,
            "skipped": [{"member": s.member, "record": s.record, "reason": s.reason} for s in self.skipped],
        }


def default_path() -> Path:
    env = os.environ.get(ENV_DB)
    if env:
        return Path(env)
    from platformdirs import user_data_path

    return user_data_path("aicop", appauthor=False) / "advisories.sqlite3"


class AdvisoryDB:
    """One SQLite file; open with ``AdvisoryDB.open(path, create=...)``."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path

    @classmethod
    def open(cls, path: Path, *, create: bool) -> AdvisoryDB:
        if not create and not path.is_file():
            raise AdvisoryDBError(
                "no advisory database here; import OSV's PyPI export first: "
                "'aicop advisories import all.zip'",
                path=path,
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            connection = sqlite3.connect(path)
            connection.executescript(_DDL)
            row = connection.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            if row is None:
                connection.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
                connection.commit()
            elif row[0] != str(SCHEMA_VERSION):
                raise AdvisoryDBError(
                    f"advisory database of schema {row[0]}, not {SCHEMA_VERSION}", path=path
                )
        except sqlite3.DatabaseError as err:
            raise AdvisoryDBError(f"not an aicop advisory database: {err}", path=path) from err
        return cls(connection, path)

    def close(self) -> None:
        self._db.close()

    def snapshots(self) -> list[Snapshot]:
        """The latest import of each scope, newest first."""
        rows = self._db.execute(
            "SELECT scope, source, sha256, imported_at, data_date, records, skipped FROM imports "
            "WHERE id IN (SELECT MAX(id) FROM imports GROUP BY scope) ORDER BY id DESC"
        ).fetchall()
        return [Snapshot(*row) for row in rows]

    def covering(self, ecosystem: str) -> Snapshot | None:
        base = ecosystem.split(":", 1)[0]
        found = [s for s in self.snapshots() if base in s.ecosystems]
        return max(found, key=lambda s: s.data_date) if found else None

    def advisories_for(self, ecosystem: str, package: str) -> list[Advisory]:
        return self.advisories_for_many(ecosystem, [package]).get(package, [])

    def advisories_for_many(self, ecosystem: str, packages: Iterable[str]) -> dict[str, list[Advisory]]:
        """The advisories of each package (by package_key), fetched in a few queries."""
        wanted = sorted(set(packages))
        merged: dict[str, dict[str, Advisory]] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            placeholders = ",".join("?" * len(chunk))  # only '?'s: the names are bound, never spliced
            rows = self._db.execute(
                _BY_PACKAGES + f"({placeholders})",
                chunk,
            ).fetchall()
            for (
                package,
                ident,
                modified,
                dig,
                summary,
                aliases,
                sev,
                refs,
                withdrawn,
                eco,
                ranges,
                versions,
            ) in rows:
                if eco != ecosystem and not eco.startswith(ecosystem + ":"):
                    continue
                entry = Affected(eco, package, json.loads(ranges), json.loads(versions))
                mine = merged.setdefault(package, {})
                known = mine.get(ident)
                if known is not None and known.modified > modified:
                    continue
                if known is not None and known.modified == modified:
                    known.affected.append(entry)
                    continue
                mine[ident] = Advisory(
                    id=ident,
                    modified=modified,
                    digest=dig,
                    summary=summary,
                    aliases=json.loads(aliases),
                    severity=None if sev is None else Severity(sev),
                    references=json.loads(refs),
                    withdrawn=withdrawn,
                    affected=[entry],
                )
        return {package: list(found.values()) for package, found in merged.items()}

    def import_zip(self, path: Path, now: dt.datetime) -> ImportReport:
        raw = _read(path)
        members = _members(path, raw)
        parsed = _parse_all(members)
        advisories = [p for p in parsed if isinstance(p, Advisory)]
        skipped = [p for p in parsed if isinstance(p, Skipped)]
        if not advisories:
            reasons = f"; first: {skipped[0].member}: {skipped[0].reason}" if skipped else ""
            raise AdvisoryDBError(
                f"no valid OSV record in the export ({len(skipped)} skipped{reasons}); nothing imported",
                path=path,
            )
        scope = ",".join(sorted(set().union(*(a.ecosystems() for a in advisories)) or {"unknown"}))
        snapshot = Snapshot(
            scope=scope,
            source=str(path),
            sha256=digest(raw),
            imported_at=now.isoformat(timespec="seconds"),
            data_date=max(a.modified for a in advisories),
            records=len(advisories),
            skipped=len(skipped),
        )
        report = self._replace(scope, advisories, snapshot)
        report.skipped = skipped
        return report

    def _replace(self, scope: str, advisories: Sequence[Advisory], snapshot: Snapshot) -> ImportReport:
        before = dict(
            self._db.execute("SELECT id, digest FROM advisories WHERE scope = ?", (scope,)).fetchall()
        )
        was_withdrawn = {
            row[0]
            for row in self._db.execute(
                "SELECT id FROM advisories WHERE scope = ? AND withdrawn IS NOT NULL", (scope,)
            )
        }
        report = ImportReport(snapshot, first=not before)
        seen: set[str] = set()
        unique: list[Advisory] = []
        for adv in sorted(advisories, key=lambda a: (a.id, a.modified), reverse=True):
            if adv.id not in seen:  # the same id twice in one export: the newer record wins
                seen.add(adv.id)
                unique.append(adv)
        for adv in unique:
            if adv.id not in before:
                report.added.append(adv.id)
            elif before[adv.id] != adv.digest:
                report.modified.append(adv.id)
            if adv.withdrawn and adv.id not in was_withdrawn and adv.id in before:
                report.withdrawn.append(adv.id)
        report.removed = sorted(set(before) - seen)
        for bucket in (report.added, report.modified, report.withdrawn):
            bucket.sort()
        try:
            with self._db:
                self._db.execute("DELETE FROM affected WHERE scope = ?", (scope,))
                self._db.execute("DELETE FROM advisories WHERE scope = ?", (scope,))
                self._db.executemany(
                    "INSERT INTO advisories VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        (
                            scope,
                            a.id,
                            a.modified,
                            a.digest,
                            a.summary,
                            json.dumps(a.aliases),
                            None if a.severity is None else int(a.severity),
                            json.dumps(a.references),
                            a.withdrawn,
                        )
                        for a in unique
                    ),
                )
                self._db.executemany(
                    "INSERT INTO affected VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        (scope, a.id, f.ecosystem, f.package, json.dumps(f.ranges), json.dumps(f.versions))
                        for a in unique
                        for f in a.affected
                    ),
                )
                self._db.execute(
                    "INSERT INTO imports (scope, source, sha256, imported_at, data_date, records, skipped) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        scope,
                        snapshot.source,
                        snapshot.sha256,
                        snapshot.imported_at,
                        snapshot.data_date,
                        len(unique),
                        snapshot.skipped,
                    ),
                )
        except sqlite3.DatabaseError as err:
            raise AdvisoryDBError(f"cannot write the advisory database: {err}", path=self.path) from err
        return report


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror or err}", path=path) from err


def _members(path: Path, raw: bytes) -> list[tuple[str, bytes]]:
    """Every .json member's bytes; a zip that cannot be read whole is an error (nothing imported)."""
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir() and i.filename.endswith(".json")]
            if len(infos) > MAX_MEMBERS:
                raise AdvisoryDBError(
                    f"{len(infos)} members; more than {MAX_MEMBERS} is not an OSV export", path=path
                )
            out = []
            for info in infos:
                if info.file_size > MAX_MEMBER_BYTES:
                    raise AdvisoryDBError(
                        f"member {info.filename} is {info.file_size} bytes (limit {MAX_MEMBER_BYTES})",
                        path=path,
                    )
                out.append((info.filename, archive.read(info)))
            return out
    except zipfile.BadZipFile as err:
        raise AdvisoryDBError(
            f"not a readable zip (corrupt or truncated): {err}; nothing imported", path=path
        ) from err
    except (EOFError, zipfile.LargeZipFile, NotImplementedError, OSError, zlib.error) as err:
        raise AdvisoryDBError(f"cannot read the zip: {err}; nothing imported", path=path) from err


def parse_member(name: str, raw: bytes) -> Advisory | Skipped:
    """One member of an export: an Advisory, or why it was skipped."""
    from aicop.advisory.schemas import osv_errors

    try:
        record = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        return Skipped(name, None, f"not JSON: {err}")
    ident = record.get("id") if isinstance(record, dict) else None
    problems = osv_errors(record)
    if problems:
        return Skipped(
            name, ident if isinstance(ident, str) else None, f"breaks the OSV schema: {problems[0]}"
        )
    return from_record(record, raw)


def _parse_all(members: list[tuple[str, bytes]]) -> list[Advisory | Skipped]:
    return [parse_member(name, raw) for name, raw in members]


def with_curated(found: Iterable[Advisory], curated: Iterable[Advisory]) -> list[Advisory]:
    """Imported advisories and aicop's curated ones, one per id (the imported record wins: it is newer
    or the same fact in the upstream database's own words)."""
    merged = {a.id: a for a in curated}
    merged.update({a.id: a for a in found})
    return list(merged.values())
