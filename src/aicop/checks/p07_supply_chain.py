"""Principle 7: secure your supply chain."""

from __future__ import annotations

from collections.abc import Iterator

from aicop.assess.context import Context
from aicop.assess.registry import check
from aicop.assess.results import Evidence, Finding, Status
from aicop.bom.requirements import parse_requirements
from aicop.system.walk import FileKind

LOCK_FILES = frozenset(
    {
        "poetry.lock",
        "uv.lock",
        "pipfile.lock",
        "pdm.lock",
        "conda-lock.yml",
        "package-lock.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "cargo.lock",
        "go.sum",
        "gemfile.lock",
    }
)
DECLARATIONS = frozenset(
    {
        "pyproject.toml",
        "setup.py",
        "setup.cfg",
        "pipfile",
        "package.json",
        "cargo.toml",
        "go.mod",
        "environment.yml",
        "environment.yaml",
    }
)
SHOWN = 5


@check(
    "supply.dependencies-pinned",
    provisions=["7.2"],
    title="Software dependencies are pinned (a lock file, or == pins with hashes)",
    remediation="Commit a lock file (uv.lock, poetry.lock, package-lock.json) or generate requirements with "
    "exact pins and hashes: 'pip-compile --generate-hashes' or 'uv pip compile --generate-hashes'.",
)
def dependencies_pinned(ctx: Context) -> Iterator[Finding]:
    files = ctx.of_kind(FileKind.DEPENDENCIES)
    locks = [e for e in files if e.name.lower() in LOCK_FILES]
    requirements = [
        e for e in files if e.name.lower().startswith("requirements") or e.name.lower() == "constraints.txt"
    ]
    for lock in locks:
        yield Finding(
            provision="7.2",
            status=Status.MET,
            message=f"dependencies are locked in {lock.path}",
            evidence=[Evidence(path=lock.path, detail="lock file")],
        )
    for entry in requirements:
        yield _requirements_file(ctx, entry.path)
    declared = [e for e in files if e.name.lower() in DECLARATIONS]
    if declared and not locks and not requirements:
        paths = ", ".join(e.path for e in declared[:SHOWN])
        yield Finding(
            provision="7.2",
            status=Status.NOT_MET,
            message=f"dependencies are declared ({paths}) but no lock file pins them",
            evidence=[Evidence(path=e.path, detail="dependency declaration") for e in declared[:SHOWN]],
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
