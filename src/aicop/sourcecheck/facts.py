"""What one file contributes to ``aicop code``, independent of every other file, and a cache of it.

A module's findings, its functions' calls, its routes and its provider evidence depend only on its own
text (the calls are joined across modules afterwards, suppressions and the manifest are applied
afterwards). So they can be kept between runs, keyed by the file's path and the SHA-256 of its bytes:
on a project of 850 modules, parsing and walking every module again was most of ``aicop assess``'s
time (3.5 of 4.5 s CPU), and a second run of an unchanged tree needs none of it.

The cache is one JSON file per repository under the user's cache directory (``AICOP_CACHE_DIR``, else
``$XDG_CACHE_HOME/aicop`` or ``~/.cache/aicop``; ``AICOP_CACHE_DIR=off`` turns it off). It is data, read
with ``json`` and validated field by field; a file that does not read as what this version wrote,
or that an older aicop (or other rules) wrote, is ignored and rewritten. Everything in it can be
rebuilt from the repository, so losing it costs time, never results. Its protection is the user's
own: whoever can write to it could hide findings, as whoever can write to the repository could.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aicop.fsutil import user_cache
from aicop.severity import Severity
from aicop.sourcecheck import services
from aicop.sourcecheck.model import CodeFinding
from aicop.sourcecheck.rules import RULES


@dataclass
class ModuleFacts:
    """What the analysis of one module (or one notebook cell) found."""

    path: str
    module: str
    cell: int | None
    findings: list[CodeFinding]
    calls_model: set[str]
    calls: dict[str, set[str]]  # top-level function → qualified names it calls
    defined: set[str]  # top-level functions of this module
    routes: list[tuple[str, int, int, bool]]  # (function, line, column, limited)
    global_limiter: bool
    services: list[services.ServiceUse]

    def qualify_local(self, name: str) -> str:
        """A call of a function defined in this module, by its module-qualified name."""
        return f"{self.module}.{name}" if name in self.defined and "." not in name else name

    def route_findings(self, model_functions: set[str]) -> list[tuple[CodeFinding, bool]]:
        """(finding, limited) for each route that reaches a model; limited routes are evidence for 4.3."""
        out = []
        for name, line, column, limited in self.routes:
            if f"{self.module}.{name}" not in model_functions and name not in self.calls_model:
                continue
            covered = limited or self.global_limiter
            message = f"route {name}() calls a model " + (
                "behind a rate limit" if covered else "with no rate limit"
            )
            out.append((CodeFinding("AIC701", self.path, line, column, message), covered))
        return out


@dataclass
class FileRecord:
    """Everything one file gives ``check_tree``, in the order the report takes it."""

    skipped: list[str] = field(default_factory=list)  # reasons, in order
    counted: int = 0  # files checked (0 or 1)
    modules: list[ModuleFacts] = field(default_factory=list)
    secrets: list[CodeFinding] = field(default_factory=list)
    secrets_read: bool = False  # whether the secrets rule read the file (its suppressions apply then)


class Cache:
    """Records by (path, SHA-256 of the bytes); ``save`` keeps only the files of this run."""

    def __init__(self, location: Path | None) -> None:
        self.location = location
        self._old: dict[str, Any] = _load(location) if location is not None else {}
        self._new: dict[str, Any] = {}
        self.hits = self.misses = 0

    def get(self, rel: str, digest: str) -> FileRecord | None:
        entry = self._old.get(rel)
        if not isinstance(entry, dict) or entry.get("sha256") != digest:
            self.misses += 1
            return None
        try:
            record = _record(entry["record"])
        except (KeyError, TypeError, ValueError):
            self.misses += 1
            return None
        self._new[rel] = entry
        self.hits += 1
        return record

    def put(self, rel: str, digest: str, record: FileRecord) -> None:
        self._new[rel] = {"sha256": digest, "record": _plain(record)}

    def save(self) -> None:
        """Write the cache if this run changed it; a cache that cannot be written is only slower."""
        if self.location is None or (self.misses == 0 and len(self._new) == len(self._old)):
            return
        from aicop.fsutil import write_atomic

        text = json.dumps({"fingerprint": fingerprint(), "files": self._new}, separators=(",", ":"))
        try:
            self.location.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.location, text)
        except OSError:
            pass  # read-only home, full disk: the next run analyses again


def location_for(root: Path) -> Path | None:
    """Where the cache of the repository at ``root`` lives; None when caching is off."""
    return user_cache(root, "code/{key}.json")


@functools.cache
def fingerprint() -> str:
    """The rules that wrote a record: aicop's version, detect-secrets' and the source of this package.
    A cache written by anything else is not read."""
    from importlib.metadata import PackageNotFoundError, version

    from aicop import __version__

    digest = hashlib.sha256(__version__.encode())
    try:
        digest.update(version("detect-secrets").encode())
    except PackageNotFoundError:
        digest.update(b"no detect-secrets")
    here = Path(__file__).parent
    for module in sorted(here.glob("*.py")):
        digest.update(module.name.encode() + b"\0" + module.read_bytes())
    return digest.hexdigest()


def _load(location: Path) -> dict[str, Any]:
    try:
        data = json.loads(location.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("fingerprint") != fingerprint():
        return {}
    files = data.get("files")
    return files if isinstance(files, dict) else {}


def _plain(record: FileRecord) -> dict[str, Any]:
    return {
        "skipped": record.skipped,
        "counted": record.counted,
        "modules": [
            {
                "path": m.path,
                "module": m.module,
                "cell": m.cell,
                "findings": [_finding(f) for f in m.findings],
                "calls_model": sorted(m.calls_model),
                "calls": {k: sorted(v) for k, v in m.calls.items()},
                "defined": sorted(m.defined),
                "routes": [list(r) for r in m.routes],
                "global_limiter": m.global_limiter,
                "services": [_use(u) for u in m.services],
            }
            for m in record.modules
        ],
        "secrets": [_finding(f) for f in record.secrets],
        "secrets_read": record.secrets_read,
    }


def _finding(f: CodeFinding) -> list[Any]:
    return [f.rule, f.path, f.line, f.column, f.message, f.level.name, f.cell]


def _use(u: services.ServiceUse) -> list[Any]:
    p = u.provider
    known = services.BY_NAME.get(p.name) == p
    provider: str | dict[str, Any] = p.name if known else {"name": p.name, "kind": p.kind, "where": p.where}
    if not known:
        provider |= {"hosts": list(p.hosts), "endpoint": p.endpoint}  # type: ignore[operator]
    return [provider, u.path, u.line, u.how, int(u.strength)]


def _record(data: dict[str, Any]) -> FileRecord:
    return FileRecord(
        skipped=[str(s) for s in data["skipped"]],
        counted=int(data["counted"]),
        modules=[
            ModuleFacts(
                path=str(m["path"]),
                module=str(m["module"]),
                cell=None if m["cell"] is None else int(m["cell"]),
                findings=[_to_finding(f) for f in m["findings"]],
                calls_model={str(x) for x in m["calls_model"]},
                calls={str(k): {str(x) for x in v} for k, v in m["calls"].items()},
                defined={str(x) for x in m["defined"]},
                routes=[(str(n), int(line), int(col), bool(lim)) for n, line, col, lim in m["routes"]],
                global_limiter=bool(m["global_limiter"]),
                services=[_to_use(u) for u in m["services"]],
            )
            for m in data["modules"]
        ],
        secrets=[_to_finding(f) for f in data["secrets"]],
        secrets_read=bool(data["secrets_read"]),
    )


def _to_finding(f: list[Any]) -> CodeFinding:
    rule, path, line, column, message, level, cell = f
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}")
    return CodeFinding(
        str(rule),
        str(path),
        int(line),
        int(column),
        str(message),
        Severity[str(level)],
        None if cell is None else int(cell),
    )


def _to_use(u: list[Any]) -> services.ServiceUse:
    provider, path, line, how, strength = u
    if isinstance(provider, str):
        found = services.BY_NAME[provider]
    else:
        found = services.Provider(
            str(provider["name"]),
            str(provider["kind"]),
            str(provider["where"]),
            hosts=tuple(str(h) for h in provider["hosts"]),
            endpoint=None if provider["endpoint"] is None else str(provider["endpoint"]),
        )
    return services.ServiceUse(found, str(path), int(line), str(how), services.Strength(int(strength)))
