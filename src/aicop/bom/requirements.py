"""Read pip requirements files: which requirements are pinned to one version, and which carry hashes.

PEP 508 requirement strings are parsed by ``packaging``; this module handles the file layer pip adds
on top (line continuations, ``--hash`` options, ``-r``/``-c`` includes, comments, URLs), which no
maintained library exposes without importing pip's internals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement

_HASH = re.compile(r"--hash[= ](sha256|sha384|sha512):[0-9a-fA-F]+")
_OPTION = re.compile(r"^-{1,2}[A-Za-z]")


@dataclass(frozen=True)
class RequirementLine:
    line: int
    text: str
    name: str | None
    pinned: bool
    hashed: bool
    problem: str | None = None


def parse_requirements(text: str) -> list[RequirementLine]:
    """One entry per requirement in the file (options and includes are skipped)."""
    out: list[RequirementLine] = []
    for line, logical in _logical_lines(text):
        body = re.sub(r"(^|\s)#.*$", "", logical).strip()
        if not body or _OPTION.match(body):
            continue
        hashed = bool(_HASH.search(body))
        spec = _HASH.sub("", body).split(" --", 1)[0].strip()
        if "://" in spec or spec.startswith((".", "/")):
            pinned = "@" in spec and bool(re.search(r"@[0-9a-f]{40}\b|#sha256=", spec))
            out.append(RequirementLine(line, spec, None, pinned, hashed))
            continue
        try:
            req = Requirement(spec)
        except InvalidRequirement as err:
            out.append(RequirementLine(line, spec, None, False, hashed, f"not a valid requirement: {err}"))
            continue
        pinned = req.url is not None or (
            len(req.specifier) == 1
            and next(iter(req.specifier)).operator in ("==", "===")
            and "*" not in str(req.specifier)
        )
        out.append(RequirementLine(line, spec, req.name, pinned, hashed))
    return out


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Join backslash continuations, keeping the number of the first physical line."""
    out: list[tuple[int, str]] = []
    buffer: list[str] = []
    start = 0
    for number, physical in enumerate(text.splitlines(), start=1):
        if not buffer:
            start = number
        stripped = physical.rstrip()
        if stripped.endswith("\\"):
            buffer.append(stripped[:-1])
            continue
        buffer.append(stripped)
        out.append((start, " ".join(buffer)))
        buffer = []
    if buffer:
        out.append((start, " ".join(buffer)))
    return out
