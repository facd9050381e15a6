"""Is this version affected? OSV's evaluation algorithm over PyPI (PEP 440) and SemVer versions.

The algorithm is the one in the OSV schema's "Evaluation" section, kept literally so that a reader can
hold the two side by side: a version is affected when it equals an entry of ``versions`` or lies in a
range; within a range the events are sorted by version and walked, ``introduced`` switching the state
on, ``fixed`` (at or above) and ``last_affected`` (strictly above) switching it off; ``limit`` events
bound the range from above. Where two events share a version, ``introduced`` sorts first, so a version
both introduced and fixed is not affected (the spec leaves ties open; this is the reading that never
invents a vulnerable release out of a zero-width range).

PyPI versions are compared by ``packaging`` (PEP 440: epochs, pre-, post- and dev-releases, local
versions); SEMVER ranges by SemVer 2.0.0 precedence, which ``packaging`` does not implement and which is
short enough to write here (build metadata ignored, pre-release identifiers compared field by field).
``GIT`` ranges need the repository's commit graph, which aicop does not have offline. Databases give
them beside an ECOSYSTEM range or a ``versions`` list that says the same in release numbers, which then
decides; an entry with nothing but GIT ranges leaves the version unknown (not checked), never
unaffected.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

from packaging.utils import canonicalize_version
from packaging.version import InvalidVersion, Version


class VersionError(ValueError):
    """A version string that the range's ordering cannot parse."""


class Outcome(StrEnum):
    AFFECTED = "affected"
    UNAFFECTED = "unaffected"
    UNKNOWN = "unknown"  # a range aicop cannot evaluate (GIT), or a version it cannot parse


_SEMVER = re.compile(
    r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)


@dataclass(frozen=True, order=True)
class SemVer:
    """SemVer 2.0.0 precedence as a sortable key: a release sorts after its pre-releases."""

    core: tuple[int, int, int]
    release: bool
    pre: tuple[tuple[int, int | str], ...]

    @classmethod
    def parse(cls, text: str) -> SemVer:
        m = _SEMVER.match(text.strip())
        if m is None:
            raise VersionError(f"{text!r} is not a SemVer version")
        major, minor, patch, pre, _build = m.groups()
        # numeric identifiers sort before alphanumeric ones; (0, n) < (1, "x")
        fields = tuple((0, int(p)) if p.isdigit() else (1, p) for p in pre.split(".")) if pre else ()
        return cls((int(major), int(minor), int(patch)), pre is None, fields)


Key = Any  # a Version or a SemVer: comparable with its own kind


@lru_cache(maxsize=1 << 16)
def pypi_key(text: str) -> Version:
    """The PEP 440 ordering key; cached, since the same bounds recur across thousands of records."""
    try:
        return Version(text)
    except InvalidVersion as err:
        raise VersionError(f"{text!r} is not a PEP 440 version") from err


@lru_cache(maxsize=1 << 16)
def _canonical(text: str) -> str | None:
    """PEP 440 equality as a string (1.0 and 1.0.0 are the same release), None if not a version."""
    try:
        return canonicalize_version(Version(text), strip_trailing_zero=True)
    except InvalidVersion:
        return None


def parser_for(range_type: str, ecosystem: str) -> Callable[[str], Key] | None:
    """The ordering of a range: PEP 440 for PyPI ECOSYSTEM ranges, SemVer for SEMVER, None for GIT."""
    if range_type == "SEMVER":
        return SemVer.parse
    if range_type == "ECOSYSTEM" and ecosystem.split(":", 1)[0] == "PyPI":
        return pypi_key
    return None


_EVENT_ORDER = {"introduced": 0, "fixed": 1, "last_affected": 2, "limit": 3}


def in_range(version: str, events: Sequence[Mapping[str, str]], parse: Callable[[str], Key]) -> bool:
    """OSV's IncludedInRanges for one range (BeforeLimits, then the walk over sorted events)."""
    v = parse(version)
    limits = [e["limit"] for e in events if "limit" in e]
    if limits and not any(lim == "*" or v < parse(lim) for lim in limits):
        return False
    keyed: list[tuple[int, Key, int, str]] = []
    for event in events:
        for kind, value in event.items():
            if kind in ("introduced", "fixed", "last_affected"):
                zero = kind == "introduced" and value == "0"
                keyed.append((0 if zero else 1, None if zero else parse(value), _EVENT_ORDER[kind], kind))
    keyed.sort(key=_sort_key)
    vulnerable = False
    for is_bounded, at, _, kind in keyed:
        if kind == "introduced" and (not is_bounded or v >= at):
            vulnerable = True
        elif (kind == "fixed" and v >= at) or (kind == "last_affected" and v > at):
            vulnerable = False
    return vulnerable


def _sort_key(item: tuple[int, Key, int, str]) -> tuple[int, _Cmp, int]:
    return (item[0], _Cmp(item[1]), item[2])


class _Cmp:
    """Wraps a key so that the "0" sentinel (None) never has to be compared with a version."""

    __slots__ = ("key",)

    def __init__(self, key: Key) -> None:
        self.key = key

    def __lt__(self, other: _Cmp) -> bool:
        if self.key is None or other.key is None:
            return self.key is None and other.key is not None
        return bool(self.key < other.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Cmp) and (self.key == other.key)

    __hash__ = None  # type: ignore[assignment]


def is_affected(
    version: str, ecosystem: str, ranges: Iterable[Mapping[str, Any]], versions: Iterable[str]
) -> Outcome:
    """OSV's IsVulnerable for one ``affected`` entry of one package.

    AFFECTED when the version is listed or lies in an evaluable range; UNKNOWN when it does not but a
    range could not be evaluated (GIT, an unparseable bound) or the version itself is not a version of
    the ecosystem; UNAFFECTED otherwise."""
    pypi = ecosystem.split(":", 1)[0] == "PyPI"
    canonical = _canonical(version) if pypi else None
    if pypi and canonical is None:
        return Outcome.AFFECTED if any(version == listed for listed in versions) else Outcome.UNKNOWN
    for listed in versions:
        if version == listed or (canonical is not None and _canonical(listed) == canonical):
            return Outcome.AFFECTED
    unknown = False
    evaluable = bool(versions)
    for rng in ranges:
        parse = parser_for(str(rng.get("type", "")), ecosystem)
        if parse is None:
            continue
        evaluable = True
        try:
            if in_range(version, rng.get("events", []), parse):
                return Outcome.AFFECTED
        except VersionError:
            unknown = True
    return Outcome.UNKNOWN if unknown or not evaluable else Outcome.UNAFFECTED
