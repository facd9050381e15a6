"""Parse a ``security.txt`` file (RFC 9116) and say what is wrong with it.

Written here rather than taken from a library: the PyPI parsers for security.txt fetch the file over
the network, and we read a local file. Only the rules that decide whether a disclosure policy is
usable are enforced: at least one Contact, exactly one Expires in the future in RFC 3339 form, URIs
for Contact/Policy/Encryption that a person can follow. A cleartext-signed file is read through its
signature armour.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

_FIELD = re.compile(r"^([A-Za-z][A-Za-z0-9-]*):\s*(.*?)\s*$")
_URI_FIELDS = {"contact", "policy", "encryption", "acknowledgments", "hiring", "canonical", "csaf"}
_URI = re.compile(r"^(https://|mailto:|tel:|dns:|openpgp4fpr:)\S+$", re.IGNORECASE)


@dataclass
class SecurityTxt:
    fields: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    problems: list[tuple[int, str]] = field(default_factory=list)
    expires: dt.datetime | None = None

    def first(self, name: str) -> tuple[int, str] | None:
        values = self.fields.get(name.lower())
        return values[0] if values else None


def parse_security_txt(text: str, now: dt.datetime) -> SecurityTxt:
    result = SecurityTxt()
    in_signature = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("-----BEGIN PGP SIGNATURE"):
            in_signature = True
        if in_signature or not line or line.startswith(("#", "-----", "Hash:")):
            if line.startswith("-----END PGP SIGNATURE"):
                in_signature = False
            continue
        match = _FIELD.match(line)
        if not match:
            result.problems.append((number, f"not a 'Field: value' line: {line[:60]!r}"))
            continue
        name, value = match.group(1).lower(), match.group(2)
        result.fields.setdefault(name, []).append((number, value))
        if name in _URI_FIELDS and not _URI.match(value):
            result.problems.append(
                (number, f"{match.group(1)} must be a URI (https:, mailto:, tel:), got {value!r}")
            )
    _check_contact(result)
    _check_expires(result, now)
    return result


def _check_contact(result: SecurityTxt) -> None:
    if "contact" not in result.fields:
        result.problems.append((1, "no Contact field (RFC 9116 requires at least one)"))


def _check_expires(result: SecurityTxt, now: dt.datetime) -> None:
    values = result.fields.get("expires", [])
    if not values:
        result.problems.append((1, "no Expires field (RFC 9116 requires exactly one)"))
        return
    if len(values) > 1:
        result.problems.append((values[1][0], "Expires appears more than once"))
    number, value = values[0]
    try:
        expires = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        result.problems.append((number, f"Expires is not an RFC 3339 date-time: {value!r}"))
        return
    if expires.tzinfo is None:
        result.problems.append((number, "Expires has no time zone (use e.g. 2027-01-31T23:59:59Z)"))
        return
    result.expires = expires
    if expires <= now:
        result.problems.append((number, f"expired on {expires.date().isoformat()}"))
