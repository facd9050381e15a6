"""The Context: everything checks may read, built once per run.

It holds the manifest, one classified walk of the repository and caches of file text and git dates.
Checks read the Context and never walk the tree themselves, so adding a check does not add a walk;
what several checks derive from the same input (a parsed register, another check's findings) is
computed once per run through ``Context.once``.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar, cast

from aicop.catalog.model import Catalog, Role
from aicop.system.documents import DOCUMENT_STEMS
from aicop.system.manifest import DocumentKind, Manifest
from aicop.system.walk import FileEntry, FileKind, walk

MAX_TEXT_BYTES = 2 * 1024 * 1024  # documents and manifests larger than this are not text we should parse
# What assess reads of the declared datasets in one run (the data check, which reads every byte, is
# 'aicop data check'): at the data check's speed here, ~1.5 s. None reads everything.
DATA_BUDGET = 4 * 1024 * 1024

T = TypeVar("T")


def normalise_stem(name: str) -> str:
    """``Threat_Model.md`` and ``threat-model.rst`` both become ``threatmodel``."""
    stem = name.rsplit(".", 1)[0] if "." in name[1:] else name
    return re.sub(r"[\s_.\-]+", "", stem.lower())


@dataclass
class Context:
    root: Path
    catalog: Catalog
    manifest: Manifest | None
    manifest_path: Path | None
    roles: tuple[Role, ...]
    files: list[FileEntry]
    today: dt.date
    data_budget: int | None = DATA_BUDGET  # bytes of declared datasets the data checks read
    _by_stem: dict[str, list[FileEntry]] = field(default_factory=dict, repr=False)
    _by_kind: dict[FileKind, list[FileEntry]] = field(default_factory=dict, repr=False)
    _by_path: dict[str, FileEntry] = field(default_factory=dict, repr=False)
    _text: dict[str, str | None] = field(default_factory=dict, repr=False)
    _git_dates: dict[str, dt.date | None] = field(default_factory=dict, repr=False)
    _once: dict[Hashable, tuple[object, Exception | None]] = field(default_factory=dict, repr=False)

    @classmethod
    def build(
        cls,
        root: Path,
        catalog: Catalog,
        manifest: Manifest | None,
        manifest_path: Path | None,
        roles: tuple[Role, ...],
        today: dt.date,
        data_budget: int | None = DATA_BUDGET,
    ) -> Context:
        files = walk(root, manifest.exclude if manifest else ())
        ctx = cls(root, catalog, manifest, manifest_path, roles, files, today, data_budget)
        by_stem: dict[str, list[FileEntry]] = defaultdict(list)
        by_kind: dict[FileKind, list[FileEntry]] = defaultdict(list)
        for entry in files:
            by_kind[entry.kind].append(entry)
            by_stem[normalise_stem(entry.name)].append(entry)
            ctx._by_path[entry.path] = entry
        ctx._by_stem, ctx._by_kind = dict(by_stem), dict(by_kind)
        return ctx

    def of_kind(self, kind: FileKind) -> list[FileEntry]:
        return self._by_kind.get(kind, [])

    def entry(self, path: str) -> FileEntry | None:
        return self._by_path.get(path)

    def named(self, *stems: str, kinds: frozenset[FileKind] | None = None) -> list[FileEntry]:
        """Files whose normalised stem is one of ``stems``, shallowest first."""
        found = [e for s in stems for e in self._by_stem.get(normalise_stem(s), [])]
        if kinds is not None:
            found = [e for e in found if e.kind in kinds]
        return sorted(dict.fromkeys(found), key=lambda e: (e.path.count("/"), e.path))

    def documents(self, kind: DocumentKind) -> list[str]:
        """The document the manifest declares for ``kind``, or else the ones found by name."""
        if self.manifest is not None and kind in self.manifest.documents:
            return [self.manifest.documents[kind]]
        text_kinds = frozenset({FileKind.DOCUMENT, FileKind.CONFIG, FileKind.OTHER})
        return [e.path for e in self.named(*DOCUMENT_STEMS[kind], kinds=text_kinds)]

    def exists(self, path: str) -> bool:
        return path in self._by_path or (self.root / path).is_file()

    def read_text(self, path: str) -> str | None:
        """The file's text (UTF-8, undecodable bytes replaced); None if missing, a symlink or too big."""
        if path not in self._text:
            self._text[path] = self._load_text(path)
        return self._text[path]

    def _load_text(self, path: str) -> str | None:
        entry = self._by_path.get(path)
        if entry is not None and entry.is_symlink:
            return None
        full = self.root / path
        try:
            if full.stat().st_size > MAX_TEXT_BYTES:
                return None
            return full.read_bytes().decode("utf-8", errors="replace")
        except OSError:
            return None

    def last_commit_date(self, path: str) -> dt.date | None:
        """The date of the last commit that touched ``path``, if the repository is a git checkout."""
        if path not in self._git_dates:
            self._git_dates[path] = self._git_date(path)
        return self._git_dates[path]

    def _git_date(self, path: str) -> dt.date | None:
        try:
            out = subprocess.run(
                ["git", "-C", str(self.root), "log", "-1", "--format=%cs", "--", path],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        try:
            return (
                dt.date.fromisoformat(out.stdout.strip())
                if out.returncode == 0 and out.stdout.strip()
                else None
            )
        except ValueError:
            return None

    def once(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` the first time ``key`` is asked for in this run, its result after; an
        exception it raised is raised again to every later caller (a broken input is reported by each
        check that reads it, but parsed once)."""
        if key not in self._once:
            try:
                self._once[key] = (compute(), None)
            except Exception as err:  # kept for the next caller; raised below
                self._once[key] = (None, err)
        value, failed = self._once[key]
        if failed is not None:
            raise failed
        return cast(T, value)

    def plays(self, *roles: Role) -> bool:
        return any(role in self.roles for role in roles)
