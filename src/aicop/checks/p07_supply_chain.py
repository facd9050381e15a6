"""Principle 7: secure your supply chain."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass

from aicop.assess.context import Context
from aicop.assess.registry import check
from aicop.assess.results import Evidence, Finding, Status
from aicop.bom.requirements import parse_requirements
from aicop.sourcecheck.services import is_test_path
from aicop.system.walk import FileKind


@dataclass(frozen=True)
class Ecosystem:
    """A package ecosystem: the files that declare its dependencies and the lock files that pin them."""

    name: str
    declarations: frozenset[str]
    locks: frozenset[str]


ECOSYSTEMS = (
    Ecosystem(
        "Python",
        frozenset(
            {"pyproject.toml", "setup.py", "setup.cfg", "pipfile", "environment.yml", "environment.yaml"}
        ),
        frozenset({"poetry.lock", "uv.lock", "pipfile.lock", "pdm.lock", "conda-lock.yml", "pylock.toml"}),
    ),
    Ecosystem(
        "npm",
        frozenset({"package.json"}),
        frozenset(
            {
                "package-lock.json",
                "yarn.lock",
                "pnpm-lock.yaml",
                "bun.lockb",
                "bun.lock",
                "npm-shrinkwrap.json",
            }
        ),
    ),
    Ecosystem("Rust", frozenset({"cargo.toml"}), frozenset({"cargo.lock"})),
    Ecosystem("Go", frozenset({"go.mod"}), frozenset({"go.sum"})),
    Ecosystem("Ruby", frozenset({"gemfile"}), frozenset({"gemfile.lock"})),
)
LOCK_FILES = frozenset().union(*(e.locks for e in ECOSYSTEMS))
SHOWN = 5


@check(
    "supply.dependencies-pinned",
    provisions=["7.2"],
    title="Software dependencies are pinned in every ecosystem the system uses (a lock file, or == pins "
    "with hashes)",
    remediation="Commit a lock file (uv.lock, poetry.lock, package-lock.json) or generate requirements with "
    "exact pins and hashes: 'pip-compile --generate-hashes' or 'uv pip compile --generate-hashes'.",
)
def dependencies_pinned(ctx: Context) -> Iterator[Finding]:
    """Each ecosystem is judged on its own: a frontend's package-lock.json says nothing about the Python
    dependencies beside it. A declaration is covered by a lock of its ecosystem in its directory or one
    above it (workspaces lock at the root)."""
    files = [e for e in ctx.of_kind(FileKind.DEPENDENCIES) if not is_test_path(e.path)]
    requirements = [
        e for e in files if e.name.lower().startswith("requirements") or e.name.lower() == "constraints.txt"
    ]
    for ecosystem in ECOSYSTEMS:
        locks = [e for e in files if e.name.lower() in ecosystem.locks]
        pinned_dirs = {_directory(e.path) for e in locks}
        if ecosystem.name == "Python":
            pinned_dirs |= {_directory(e.path) for e in requirements}
        if locks:
            yield Finding(
                provision="7.2",
                status=Status.MET,
                message=f"{ecosystem.name}: dependencies are locked in "
                + ", ".join(e.path for e in locks[:SHOWN]),
                evidence=[Evidence(path=e.path, detail=f"{ecosystem.name} lock file") for e in locks[:SHOWN]],
            )
        declared = [
            e
            for e in files
            if e.name.lower() in ecosystem.declarations and _declares_dependencies(ctx, e.path)
        ]
        loose = [e for e in declared if not _covered(_directory(e.path), pinned_dirs)]
        if loose:
            paths = ", ".join(e.path for e in loose[:SHOWN])
            others = [
                e.name
                for e in ECOSYSTEMS
                if e is not ecosystem and any(x.name.lower() in e.locks for x in files)
            ]
            aside = f" (a lock for {', '.join(others)} does not pin them)" if others else ""
            yield Finding(
                provision="7.2",
                status=Status.NOT_MET,
                message=f"{ecosystem.name}: dependencies are declared in {paths} but no "
                f"{ecosystem.name} lock file pins them{aside}",
                evidence=[
                    Evidence(path=e.path, detail=f"{ecosystem.name} dependency declaration")
                    for e in loose[:SHOWN]
                ],
            )
    for entry in requirements:
        yield _requirements_file(ctx, entry.path)


def _directory(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def _covered(directory: str, pinned: set[str]) -> bool:
    return any(directory == d or d == "" or directory.startswith(d + "/") for d in pinned)


def _declares_dependencies(ctx: Context, path: str) -> bool:
    """pyproject.toml and package.json often hold only tool settings or scripts; only those that list
    dependencies need a lock. Other declaration files are read as declaring them."""
    name = path.rsplit("/", 1)[-1].lower()
    if name not in ("pyproject.toml", "package.json"):
        return True
    text = ctx.read_text(path)
    if text is None:
        return True
    try:
        data = tomllib.loads(text) if name == "pyproject.toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, ValueError):
        return True  # unreadable: assume it declares, so the gap is shown rather than hidden
    if not isinstance(data, dict):
        return True
    if name == "package.json":
        return any(data.get(k) for k in ("dependencies", "devDependencies", "optionalDependencies"))
    project = data.get("project", {})
    poetry = data.get("tool", {}).get("poetry", {})
    poetry_deps = [k for k in poetry.get("dependencies", {}) if k != "python"]
    return bool(
        project.get("dependencies")
        or project.get("optional-dependencies")
        or "dependencies" in project.get("dynamic", [])
        or poetry_deps
        or poetry.get("group")
        or data.get("dependency-groups")
    )


def _requirements_file(ctx: Context, path: str) -> Finding:
    text = ctx.read_text(path)
    if text is None:
        return Finding(
            provision="7.2",
            status=Status.ERROR,
            message=f"cannot read {path}",
            evidence=[Evidence(path=path)],
            remediation=f"Make {path} readable UTF-8 text, so its pins can be checked.",
        )
    reqs = parse_requirements(text)
    if not reqs:
        return Finding(
            provision="7.2",
            status=Status.MET,
            message=f"{path} lists no requirements",
            evidence=[Evidence(path=path, detail="empty requirements file")],
        )
    loose = [r for r in reqs if not r.pinned]
    if loose:
        names = ", ".join(f"{r.text} (line {r.line})" for r in loose[:SHOWN])
        more = f" and {len(loose) - SHOWN} more" if len(loose) > SHOWN else ""
        return Finding(
            provision="7.2",
            status=Status.NOT_MET,
            message=f"{len(loose)} of {len(reqs)} requirements in {path} are not pinned: {names}{more}",
            evidence=[
                Evidence(path=path, line=r.line, detail=r.problem or f"unpinned: {r.text}")
                for r in loose[:SHOWN]
            ],
        )
    unhashed = [r for r in reqs if not r.hashed]
    if unhashed:
        return Finding(
            provision="7.2",
            status=Status.PARTIAL,
            message=f"{path} pins every requirement with == but {len(unhashed)} have no --hash, "
            "so a replaced file on the index would be installed",
            evidence=[
                Evidence(path=path, line=r.line, detail=f"no hash: {r.text}") for r in unhashed[:SHOWN]
            ],
        )
    return Finding(
        provision="7.2",
        status=Status.MET,
        message=f"{path} pins all {len(reqs)} requirements with == and hashes",
        evidence=[Evidence(path=path, line=reqs[0].line, detail="pinned with hashes")],
    )
