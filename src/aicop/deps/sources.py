"""Where dependencies come from: lock files, requirements, pyproject.toml, an installed environment and
the ML-BOM, each read as data (TOML, JSON, pip's requirement syntax, dist-info headers).

Nothing is resolved, installed or imported: an installed environment is read from its
``*.dist-info/METADATA`` headers next to the interpreter named, without starting that interpreter. A
requirement that is not pinned to one version is kept, with no version, so the report can say it was not
checked rather than leave it out.

A file that pins one package to two versions under the same markers is contradictory: aicop cannot know
which one runs, so it refuses the file (exit 2) rather than check one and call the project clean.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from aicop.errors import InputError

MAX_FILE_BYTES = 64 * 1024 * 1024
LOCK_NAMES = ("uv.lock", "poetry.lock", "Pipfile.lock")
BOM_NAMES = ("bom.json", "bom.cdx.json", "aicop.cdx.json")


@dataclass(frozen=True)
class Dependency:
    name: str
    version: str | None  # None: not pinned to one version
    source: str  # the file it was read from
    line: int | None = None
    ecosystem: str = "PyPI"
    extras: tuple[str, ...] = ()
    marker: str | None = None
    origin: str | None = None  # a URL, VCS or path it is installed from instead of an index

    @property
    def key(self) -> str:
        return str(canonicalize_name(self.name)) if self.ecosystem == "PyPI" else self.name

    @property
    def where(self) -> str:
        return self.source if self.line is None else f"{self.source}:{self.line}"


class DependencyError(InputError):
    """A dependency file that cannot be read or contradicts itself."""


def _text(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise DependencyError(f"larger than {MAX_FILE_BYTES} bytes; not a dependency file", path=path)
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise DependencyError(f"cannot read: {err}", path=path) from err


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(_text(path))
    except tomllib.TOMLDecodeError as err:
        raise DependencyError(f"invalid TOML: {err}", path=path) from err


def _json(path: Path) -> Any:
    try:
        return json.loads(_text(path))
    except json.JSONDecodeError as err:
        raise DependencyError(f"invalid JSON: {err.msg}", path=path, line=err.lineno) from err


def read_requirements(path: Path, shown: str | None = None) -> list[Dependency]:
    from aicop.bom.requirements import parse_requirements

    name = shown or path.name
    out = []
    for line in parse_requirements(_text(path)):
        if line.problem is not None:
            raise DependencyError(line.problem, path=name, line=line.line)
        if line.name is None:
            out.append(Dependency(line.text, None, name, line.line, origin=line.text))
            continue
        req = Requirement(line.text)
        out.append(
            Dependency(
                req.name,
                _pinned(req),
                name,
                line.line,
                extras=tuple(sorted(req.extras)),
                marker=str(req.marker) if req.marker else None,
                origin=req.url,
            )
        )
    return _no_conflicts(out)


def _pinned(req: Requirement) -> str | None:
    specs = list(req.specifier)
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        return specs[0].version
    return None


def read_pyproject(path: Path, shown: str | None = None) -> list[Dependency]:
    name = shown or path.name
    project = _toml(path).get("project") or {}
    strings: list[str] = list(project.get("dependencies") or [])
    for group in (project.get("optional-dependencies") or {}).values():
        strings.extend(group or [])
    out = []
    for text in strings:
        try:
            req = Requirement(str(text))
        except InvalidRequirement as err:
            raise DependencyError(f"[project] dependency {text!r} is not valid: {err}", path=name) from err
        out.append(
            Dependency(
                req.name,
                _pinned(req),
                name,
                extras=tuple(sorted(req.extras)),
                marker=str(req.marker) if req.marker else None,
                origin=req.url,
            )
        )
    return out


def read_uv_lock(path: Path, shown: str | None = None) -> list[Dependency]:
    name = shown or path.name
    out = []
    for package in _toml(path).get("package") or []:
        if not isinstance(package, dict) or "name" not in package:
            continue
        source = package.get("source") or {}
        if "virtual" in source or "editable" in source:
            continue  # the project itself or a workspace member: not a third-party release
        origin = next((str(source[k]) for k in ("git", "url", "path", "directory") if k in source), None)
        markers = package.get("resolution-markers")
        out.append(
            Dependency(
                str(package["name"]),
                _version(package.get("version")),
                name,
                origin=origin,
                marker=" or ".join(markers) if markers else None,
            )
        )
    return _no_conflicts(out)


def read_poetry_lock(path: Path, shown: str | None = None) -> list[Dependency]:
    name = shown or path.name
    out = []
    for package in _toml(path).get("package") or []:
        if not isinstance(package, dict) or "name" not in package:
            continue
        source = package.get("source") or {}
        origin = str(source.get("url")) if source.get("type") in ("git", "url", "file", "directory") else None
        out.append(Dependency(str(package["name"]), _version(package.get("version")), name, origin=origin))
    return _no_conflicts(out)


def read_pipfile_lock(path: Path, shown: str | None = None) -> list[Dependency]:
    name = shown or path.name
    data = _json(path)
    if not isinstance(data, dict):
        raise DependencyError("not a Pipfile.lock (no 'default' section)", path=name)
    out = []
    for section in ("default", "develop"):
        entries = data.get(section) or {}
        if not isinstance(entries, dict):
            raise DependencyError(f"'{section}' is not a table of packages", path=name)
        for package, spec in entries.items():
            spec = spec if isinstance(spec, dict) else {}
            version = str(spec.get("version", ""))
            origin = next((str(spec[k]) for k in ("git", "path", "file") if k in spec), None)
            pinned = version[2:] if version.startswith("==") else None
            out.append(
                Dependency(
                    package,
                    pinned,
                    f"{name} [{section}]",
                    extras=tuple(sorted(spec.get("extras") or [])),
                    marker=spec.get("markers"),
                    origin=origin,
                )
            )
    _no_conflicts([d for d in out if d.source.endswith("[default]")])
    _no_conflicts([d for d in out if d.source.endswith("[develop]")])
    return out


def read_environment(python: Path) -> list[Dependency]:
    """Distributions installed beside an interpreter, read from their dist-info headers."""
    if not python.exists():
        raise DependencyError("no such interpreter", path=python)
    venv = python.absolute().parent.parent
    config = venv / "pyvenv.cfg"
    prefixes = [venv]
    # a venv sees its base interpreter's packages only when created with --system-site-packages
    if not config.is_file() or re.search(r"include-system-site-packages\s*=\s*true", _text(config), re.I):
        prefixes.append(python.resolve().parent.parent)
    sites = sorted(
        {
            p
            for base in prefixes
            for lib in ("lib", "lib64")
            for p in (base / lib).glob("python3*/site-packages")
        }
    )
    if not sites:
        raise DependencyError(
            "no site-packages beside this interpreter (lib/python3*/site-packages)", path=python
        )
    parser = BytesHeaderParser()
    out = []
    for site in sites:
        for meta in sorted(site.glob("*.dist-info/METADATA")):
            try:
                headers = parser.parsebytes(meta.read_bytes()[:65536])
            except OSError as err:
                raise DependencyError(f"cannot read: {err}", path=meta) from err
            if headers.get("Name") and headers.get("Version"):
                out.append(Dependency(str(headers["Name"]), str(headers["Version"]), str(meta.parent)))
    return _no_conflicts(out, what="installed")


def read_bom(path: Path, shown: str | None = None) -> list[Dependency]:
    """PyPI components of a CycloneDX JSON BOM (aicop bom writes one), by their package URL."""
    from packageurl import PackageURL

    name = shown or path.name
    data = _json(path)
    if not isinstance(data, dict) or data.get("bomFormat") != "CycloneDX":
        raise DependencyError("not a CycloneDX JSON BOM (bomFormat is not 'CycloneDX')", path=name)
    out = []
    for component in _components(data.get("components") or []):
        purl = component.get("purl")
        if not isinstance(purl, str):
            continue
        try:
            parsed = PackageURL.from_string(purl)
        except ValueError as err:
            raise DependencyError(
                f"component {component.get('name')!r}: bad purl {purl!r}: {err}", path=name
            ) from err
        if parsed.type == "pypi":
            out.append(Dependency(parsed.name, parsed.version, name))
    return out


def _components(items: Iterable[Any]) -> Iterator[dict[str, Any]]:
    for item in items:
        if isinstance(item, dict):
            yield item
            yield from _components(item.get("components") or [])


def _version(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def _no_conflicts(deps: list[Dependency], what: str = "pinned") -> list[Dependency]:
    seen: dict[tuple[str, str | None], Dependency] = {}
    for dep in deps:
        if dep.version is None:
            continue
        slot = (dep.key, dep.marker)
        other = seen.get(slot)
        if other is not None and other.version != dep.version:
            raise DependencyError(
                f"{dep.name} is {what} twice, to {other.version} ({other.where}) and {dep.version}; "
                "aicop cannot tell which one is used, so nothing was checked",
                path=dep.source,
                line=dep.line,
            )
        seen[slot] = dep
    return deps


READERS = {
    "uv.lock": read_uv_lock,
    "poetry.lock": read_poetry_lock,
    "Pipfile.lock": read_pipfile_lock,
    "pyproject.toml": read_pyproject,
}


def reader_for(path: Path) -> Any:
    if path.name in READERS:
        return READERS[path.name]
    if re.fullmatch(r"(requirements|constraints).*\.(txt|in)", path.name):
        return read_requirements
    if path.name in BOM_NAMES or path.name.endswith(".cdx.json"):
        return read_bom
    if path.suffix == ".txt":
        return read_requirements
    return None


def discover(root: Path) -> list[Path]:
    """The dependency files at the top of a project: lock files first; pyproject.toml only when there is
    no lock file or requirements file (its ranges add nothing a lock does not pin)."""
    found = [root / n for n in LOCK_NAMES if (root / n).is_file()]
    found += sorted(p for p in root.glob("requirements*.txt") if p.is_file())
    found += sorted(p for p in root.glob("*.cdx.json") if p.is_file())
    found += [root / n for n in ("bom.json",) if (root / n).is_file()]
    if not found and (root / "pyproject.toml").is_file():
        found.append(root / "pyproject.toml")
    return found


def read_path(path: Path, root: Path | None = None) -> list[Dependency]:
    """Dependencies of one file, or of every dependency file at the top of a directory."""
    if path.is_dir():
        files = discover(path)
        if not files:
            raise DependencyError(
                "no dependency file here (uv.lock, poetry.lock, Pipfile.lock, requirements*.txt, "
                "pyproject.toml, a CycloneDX *.cdx.json)",
                path=path,
            )
        return [d for f in files for d in read_path(f, path)]
    if not path.is_file():
        raise DependencyError("no such file or directory", path=path)
    reader = reader_for(path)
    if reader is None:
        raise DependencyError(
            "not a dependency file aicop reads (uv.lock, poetry.lock, Pipfile.lock, requirements*.txt, "
            "pyproject.toml, CycloneDX JSON)",
            path=path,
        )
    shown = str(path.relative_to(root)) if root is not None else str(path)
    deps: list[Dependency] = reader(path, shown)
    return deps
