"""Your own security bulletins (provision 11.2): one YAML source per fix you ship, published as an OSV
record, a CSAF 2.0 security advisory and an entry of a JSON Feed that System Operators can follow.

The source is small on purpose (what is affected, which version fixes it, what to do, how bad it is)
and both documents are derived from it, then validated against their schemas (shipped in this package,
pinned by digest) before anything is written. The escalation contact (11.2.1) comes from the
repository's security.txt or SECURITY.md, so the bulletin and the disclosure policy cannot disagree.

OSV ids must begin with a registered database prefix (CVE-, GHSA-, PYSEC-, ...): a bulletin whose own
id has none is published in OSV under its CVE or GHSA alias, and is refused without one, rather than
written as an OSV record that its schema rejects.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from aicop.errors import InputError

SEVERITY_LABELS = {"low": "LOW", "medium": "MODERATE", "high": "HIGH", "critical": "CRITICAL"}
_OSV_PREFIX = re.compile(
    r"^(ASB-A|PUB-A|ALSA|ALBA|ALEA|BIT|CGA|CURL|CVE|DSA|DLA|ELA|DTSA|GHSA|GO|GSD|HSEC|LBSEC|MAL|OSV|"
    r"openSUSE-SU|PHSA|PSF|PYSEC|RHBA|RHEA|RHSA|RLSA|RXSA|RSEC|RUSTSEC|SUSE-[SRFO]U|UBUNTU|USN)-"
)
_CONTACT = re.compile(r"(mailto:[^\s>)\]]+|https://[^\s>)\]]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)")


class BulletinError(InputError):
    """A bulletin that is incomplete or whose documents break their schemas."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AffectedRange(_Strict):
    package: str = Field(min_length=1, description="The system, model or package, as operators know it.")
    ecosystem: str = Field("PyPI", description="OSV ecosystem (PyPI, npm, ...).")
    introduced: str = Field("0", description="First affected version; 0 for every earlier one.")
    fixed: str = Field(min_length=1, description="The version that contains the fix.")


class Publisher(_Strict):
    name: str = Field(min_length=1)
    namespace: str = Field(pattern=r"^https?://", description="A URL that identifies the publisher.")


class Bulletin(_Strict):
    """One security bulletin's source."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$", description="Your id, e.g. ACME-2026-001.")
    title: str = Field(min_length=1)
    summary: str = Field(min_length=1, description="One line: what is wrong.")
    details: str = Field(min_length=1, description="What is affected, the impact, how it was fixed.")
    severity: Literal["low", "medium", "high", "critical"]
    published: dt.date
    modified: dt.date | None = None
    affected: list[AffectedRange] = Field(min_length=1)
    update: str = Field(min_length=1, description="What operators and users must do: the update.")
    aliases: list[str] = Field(default_factory=list, description="CVE or GHSA ids of the same issue.")
    references: list[str] = Field(default_factory=list)
    publisher: Publisher


def new_bulletin(
    ident: str, package: str, ecosystem: str, introduced: str, fixed: str, summary: str, severity: str
) -> str:
    today = dt.date.today().isoformat()
    return (
        f"# A security bulletin for a fix you ship (aicop advisory validate / publish).\n"
        f"id: {json.dumps(ident)}\n"
        f"title: {json.dumps(summary)}\n"
        f"summary: {json.dumps(summary)}\n"
        "details: |\n  TODO: what is affected, the impact, and how it was fixed.\n"
        f"severity: {severity}\n"
        f"published: {today}\n"
        "affected:\n"
        f"  - package: {json.dumps(package)}\n"
        f"    ecosystem: {json.dumps(ecosystem)}\n"
        f"    introduced: {json.dumps(introduced)}\n"
        f"    fixed: {json.dumps(fixed)}\n"
        f"update: {json.dumps(f'Upgrade {package} to {fixed} or later.')}\n"
        "aliases: []  # a CVE or GHSA id: the OSV record is published under it\n"
        "references: []\n"
        "publisher:\n  name: TODO\n  namespace: https://example.com\n"
    )


def load_bulletin(path: Path) -> Bulletin:
    from aicop.system.yamlsource import load_model

    try:
        bulletin = load_model(path, Bulletin, "a bulletin")
    except InputError as err:
        raise BulletinError(err.problem, path=err.path, line=err.line) from err
    if "TODO" in bulletin.details or bulletin.publisher.name == "TODO":
        raise BulletinError("still has TODO placeholders (details or publisher)", path=path)
    return bulletin


def escalation_contact(root: Path) -> tuple[str, int, str] | None:
    """(file, line, contact) from .well-known/security.txt's Contact, else SECURITY.md's first address."""
    for rel in (".well-known/security.txt", "security.txt"):
        path = root / rel
        if path.is_file():
            for number, line in enumerate(_read(path).splitlines(), start=1):
                if line.lower().startswith("contact:"):
                    return rel, number, line.split(":", 1)[1].strip()
    for rel in ("SECURITY.md", ".github/SECURITY.md", "docs/SECURITY.md"):
        path = root / rel
        if path.is_file():
            for number, line in enumerate(_read(path).splitlines(), start=1):
                match = _CONTACT.search(line)
                if match:
                    return rel, number, match.group(1).rstrip(".,;")
    return None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror}", path=path) from err


def _osv_id(b: Bulletin) -> str | None:
    return next((i for i in [b.id, *b.aliases] if _OSV_PREFIX.match(i)), None)


def _stamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def to_osv(b: Bulletin, osv_id: str) -> dict[str, Any]:
    return {
        "schema_version": "1.6.0",
        "id": osv_id,
        "modified": _stamp(b.modified or b.published),
        "published": _stamp(b.published),
        "aliases": [a for a in [b.id, *b.aliases] if a != osv_id],
        "summary": b.summary,
        "details": f"{b.details.strip()}\n\nUpdate: {b.update}",
        "affected": [
            {
                "package": {"ecosystem": r.ecosystem, "name": r.package},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": r.introduced}, {"fixed": r.fixed}]}
                ],
            }
            for r in b.affected
        ],
        "references": [{"type": "ADVISORY", "url": u} for u in b.references],
        "database_specific": {"severity": SEVERITY_LABELS[b.severity], "publisher": b.publisher.name},
    }


def _vers(r: AffectedRange) -> str:
    scheme = r.ecosystem.lower().split(":", 1)[0]
    low = "" if r.introduced == "0" else f">={r.introduced}|"
    return f"vers:{scheme}/{low}<{r.fixed}"


def to_csaf(b: Bulletin, contact: str | None) -> dict[str, Any]:
    branches = []
    affected_ids: list[str] = []
    fixed_ids: list[str] = []
    for n, r in enumerate(b.affected, start=1):
        bad, good = f"CSAFPID-{2 * n - 1:04d}", f"CSAFPID-{2 * n:04d}"
        affected_ids.append(bad)
        fixed_ids.append(good)
        branches.append(
            {
                "category": "product_name",
                "name": r.package,
                "branches": [
                    {
                        "category": "product_version_range",
                        "name": _vers(r),
                        "product": {"name": f"{r.package} {_vers(r)}", "product_id": bad},
                    },
                    {
                        "category": "product_version",
                        "name": r.fixed,
                        "product": {"name": f"{r.package} {r.fixed}", "product_id": good},
                    },
                ],
            }
        )
    current = b.modified or b.published
    publisher: dict[str, Any] = {
        "category": "vendor",
        "name": b.publisher.name,
        "namespace": b.publisher.namespace,
    }
    if contact:
        publisher["contact_details"] = contact
    vulnerability: dict[str, Any] = {
        "notes": [{"category": "description", "text": b.details.strip(), "title": "Details"}],
        "product_status": {"known_affected": affected_ids, "fixed": fixed_ids},
        "remediations": [{"category": "vendor_fix", "details": b.update, "product_ids": affected_ids}],
        "title": b.title,
    }
    cve = next((a for a in b.aliases if a.startswith("CVE-")), None)
    if cve:
        vulnerability["cve"] = cve
    ids = [{"system_name": "aicop bulletin", "text": b.id}] + [
        {"system_name": a.split("-", 1)[0], "text": a} for a in b.aliases if not a.startswith("CVE-")
    ]
    vulnerability["ids"] = ids
    document: dict[str, Any] = {
        "category": "csaf_security_advisory",
        "csaf_version": "2.0",
        "title": b.title,
        "publisher": publisher,
        "aggregate_severity": {"text": b.severity},
        "notes": [{"category": "summary", "text": b.summary, "title": "Summary"}],
        "tracking": {
            "id": b.id,
            "status": "final",
            "version": "1",
            "initial_release_date": _stamp(b.published),
            "current_release_date": _stamp(current),
            "revision_history": [{"date": _stamp(current), "number": "1", "summary": "Published."}],
            "generator": {"engine": {"name": "aicop"}},
        },
    }
    if b.references:
        document["references"] = [{"url": u, "summary": u, "category": "external"} for u in b.references]
    return {
        "document": document,
        "product_tree": {
            "branches": [{"category": "vendor", "name": b.publisher.name, "branches": branches}]
        },
        "vulnerabilities": [vulnerability],
    }


def render(b: Bulletin, root: Path, source: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(OSV record, CSAF document) of a bulletin, both valid against their schemas, or BulletinError."""
    from aicop.advisory.schemas import csaf_errors, osv_full_errors

    osv_id = _osv_id(b)
    if osv_id is None:
        raise BulletinError(
            f"{b.id!r} has no OSV database prefix (CVE-, GHSA-, PYSEC-, ...) and no such alias: add the CVE "
            "or GHSA id of the fix under 'aliases' (a GitHub repository advisory gives one)",
            path=source,
        )
    for r in b.affected:
        if r.introduced == r.fixed:
            raise BulletinError(f"{r.package}: introduced and fixed are both {r.fixed}", path=source)
    contact = escalation_contact(root)
    osv = to_osv(b, osv_id)
    csaf = to_csaf(b, contact[2] if contact else None)
    problems = [f"OSV {e}" for e in osv_full_errors(osv)] + [f"CSAF {e}" for e in csaf_errors(csaf)]
    if problems:
        raise BulletinError("; ".join(problems[:5]), path=source)
    return osv, csaf


def feed(
    items: Sequence[tuple[Bulletin, str, str]], base_url: str | None, contact: str | None
) -> dict[str, Any]:
    """A JSON Feed 1.1 of the bulletins, newest first; ``items`` are (bulletin, osv file, csaf file)."""

    def link(name: str) -> str:
        return f"{base_url.rstrip('/')}/{name}" if base_url else name

    ordered = sorted(items, key=lambda i: (i[0].modified or i[0].published, i[0].id), reverse=True)
    document: dict[str, Any] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": f"Security bulletins of {ordered[0][0].publisher.name}" if ordered else "Security bulletins",
        "items": [
            {
                "id": b.id,
                "url": link(csaf_name),
                "title": f"[{b.severity}] {b.title}",
                "content_text": f"{b.summary}\n\nUpdate: {b.update}",
                "date_published": _stamp(b.published),
                "date_modified": _stamp(b.modified or b.published),
                "tags": [b.severity, *(r.package for r in b.affected)],
                "attachments": [
                    {"url": link(osv_name), "mime_type": "application/json", "title": "OSV"},
                    {"url": link(csaf_name), "mime_type": "application/json", "title": "CSAF 2.0"},
                ],
            }
            for b, osv_name, csaf_name in ordered
        ],
    }
    if base_url:
        document["feed_url"] = link("feed.json")
    if contact:
        document["authors"] = [{"name": "security contact", "url": contact}]
    return document


def publish(sources: Sequence[Path], out: Path, root: Path, base_url: str | None) -> list[Path]:
    """Render and validate every bulletin first; then write them and the feed (atomically, each)."""
    from aicop.fsutil import write_all_atomic

    files: dict[Path, str] = {}
    entries = []
    seen: dict[str, Path] = {}
    for source in sources:
        b = load_bulletin(source)
        if b.id in seen:
            raise BulletinError(f"bulletin id {b.id} is also used by {seen[b.id]}", path=source)
        seen[b.id] = source
        osv, csaf = render(b, root, source)
        osv_name, csaf_name = f"{b.id}.osv.json", f"{b.id}.csaf.json"
        files[out / osv_name] = json.dumps(osv, indent=2) + "\n"
        files[out / csaf_name] = json.dumps(csaf, indent=2) + "\n"
        entries.append((b, osv_name, csaf_name))
    contact = escalation_contact(root)
    files[out / "feed.json"] = (
        json.dumps(feed(entries, base_url, contact[2] if contact else None), indent=2) + "\n"
    )
    write_all_atomic(files)
    return list(files)
