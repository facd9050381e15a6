"""The pattern tier of ``aicop data check``: personal data, secrets and planted instructions in text.

One compiled alternation finds every candidate in a single pass over a line (the regex engine runs in
C; one pass per kind would read the data a dozen times), and a validator per kind then rejects
look-alikes: check digits for NHS numbers, the Luhn sum for payment cards, ISO 7064 mod 97 for IBANs,
the prefix rules for National Insurance numbers, ``ipaddress`` for IP addresses. Written here because
the libraries that do this (Presidio's recognizers, detect-secrets) were measured at 0.1 and 0.3 MB/s,
and Presidio's default engine downloads a spaCy model.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

# IBAN lengths by country (ISO 13616 registry, the countries a UK organisation meets most).
IBAN_LENGTHS = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20,
    "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26,
    "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28,
    "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27,
}  # fmt: skip

PATTERNS = {
    "email": r"[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24}\b",
    "uk-nino": r"\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b",
    "uk-phone": r"(?:\+44[ -]?(?:\(0\)[ -]?)?|\b0)\d{2,4}[ -]?\d{3,4}[ -]?\d{3,4}\b",
    "nhs-number": r"\b\d{3}[ -]?\d{3}[ -]?\d{4}\b",
    "payment-card": r"\b(?:\d[ -]?){12,18}\d\b",
    "iban": r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b",
    "ip-address": r"\b(?:\d{1,3}\.){3}\d{1,3}\b",
    "uk-postcode": r"\b(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?) ?\d[ABD-HJLNP-UW-Z]{2}\b",
    "private-key": r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY(?: BLOCK)?-----",
    "url-password": r"\b[a-z][a-z0-9+.-]{1,15}://[^\s:/@]{1,64}:[^\s/@]{3,128}@[\w.-]+",
    "secret": (
        r"\b(?:sk-(?:proj-|ant-(?:api\d\d-)?)?[A-Za-z0-9_-]{20,}|hf_[A-Za-z0-9]{30,}|gh[pousr]_[A-Za-z0-9]{36,}"
        r"|github_pat_[A-Za-z0-9_]{60,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{35}|xox[baprs]-[A-Za-z0-9-]{10,}"
        r"|gsk_[A-Za-z0-9]{40,}|r8_[A-Za-z0-9]{30,}|glpat-[A-Za-z0-9_-]{20,})"
    ),
    "injection": (
        r"(?i:\b(?:ignore|disregard|forget|override)\b[^.\n]{0,40}\b(?:previous|prior|above|earlier|all|"
        r"system|your)\b[^.\n]{0,20}\b(?:instructions?|prompts?|rules|guidelines|directives)\b"
        r"|\byou are now\b[^.\n]{0,40}|\bnew (?:system )?instructions?\s*:"
        r"|<\|?(?:im_start|system|endoftext)\|?>|\[/?INST\]|\bBEGIN SYSTEM PROMPT\b"
        r"|\b(?:reveal|print|output|repeat)\b[^.\n]{0,30}\b(?:system prompt|hidden instructions)\b)"
    ),
}
# Kinds whose matches are personal data, secrets or instructions (for grouping in reports).
CATEGORY = {
    "email": "personal-data", "uk-nino": "personal-data", "nhs-number": "personal-data",
    "payment-card": "personal-data", "iban": "personal-data", "uk-phone": "personal-data",
    "ip-address": "personal-data", "uk-postcode": "personal-data",
    "person": "personal-data", "location": "personal-data",  # names.py, with a local NER model
    "private-key": "secret", "url-password": "secret", "secret": "secret", "injection": "injection",
}  # fmt: skip


def compile_re2(pattern: str) -> Any:
    """RE2, a DFA: 186 MB/s on this machine where Python's re ran this alternation at 4 MB/s. The
    patterns stay within the syntax both accept (no look-behind), so re could stand in if RE2 ever had
    to go."""
    import re2  # type: ignore[import-untyped]

    options = re2.Options()
    options.max_mem = 256 << 20
    return re2.compile(pattern, options)


_COMBINED = compile_re2("|".join(f"(?P<{k.replace('-', '_')}>{p})" for k, p in PATTERNS.items()))
_KIND = {k.replace("-", "_"): k for k in PATTERNS}
# The same class as INVISIBLE (below) for the scan: RE2 finds it ~10x faster than re on clean text.
_INVISIBLE_RE2 = compile_re2(
    r"[\x{200b}-\x{200f}\x{202a}-\x{202e}\x{2060}-\x{2064}\x{feff}\x{e0000}-\x{e007f}]"
)
# Characters that hide instructions from a human reader but not from a model; a match on them carries
# HIDDEN as its text.
HIDDEN = "invisible characters"
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\U000e0000-\U000e007f]")


@dataclass(frozen=True, slots=True)
class Match:
    kind: str
    start: int
    end: int
    text: str


def luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def nhs_valid(digits: str) -> bool:
    """The NHS number's mod 11 check digit (a remainder of 10 makes the number invalid)."""
    if len(digits) != 10 or len(set(digits)) == 1:
        return False
    check = 11 - sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    return (0 if check == 11 else check) == int(digits[9]) and check != 10


def iban_valid(text: str) -> bool:
    compact = text.replace(" ", "")
    if IBAN_LENGTHS.get(compact[:2]) != len(compact):
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def nino_valid(text: str) -> bool:
    compact = text.replace(" ", "")
    return compact[:2] not in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def ip_valid(text: str) -> bool:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    # Not personal data: loopback, unspecified, reserved, and dotted version strings ("1.2.3.4").
    if all(len(part) == 1 for part in text.split(".")):
        return False
    return not (address.is_loopback or address.is_unspecified or address.is_reserved or text.startswith("0."))


def phone_valid(text: str) -> bool:
    """Ten national digits after 0 or +44, starting as UK geographic (1, 2, 3) or mobile (7) numbers."""
    digits = _digits(text.replace("(0)", ""))
    national = digits[2:] if text.startswith("+44") else digits[1:]
    return len(national) == 10 and national[0] in "1237"


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


VALIDATORS: dict[str, Callable[[str], bool]] = {
    "nhs-number": lambda t: nhs_valid(_digits(t)),
    "payment-card": lambda t: 13 <= len(_digits(t)) <= 19 and luhn(_digits(t)) and len(set(_digits(t))) > 1,
    "iban": iban_valid,
    "uk-nino": nino_valid,
    "ip-address": ip_valid,
    "uk-phone": phone_valid,
}


# Kinds made of digits and capitals, which also occur inside numbers and encoded strings. RE2 has no
# look-behind, so what surrounds a match is judged after it is found (``_embedded``).
TOKEN_KINDS = {"payment-card", "nhs-number", "uk-phone", "ip-address", "iban", "uk-nino", "uk-postcode"}
_BASE64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-")
MIN_BASE64_RUN = 20


def _embedded(text: str, start: int, end: int) -> bool:
    """Whether a match is part of a larger token rather than a token of its own: digits, a sign or a
    decimal point beside it (``2.240893199201458``, ``-2147483648``, ``1e-05``), or a run of base64
    around it (an integrity hash such as ``sha512-…SW1A1AA…``)."""
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    if before.isdigit() or after.isdigit():
        return True
    if before in ("-", "+") and not text[start].isalpha():
        return True
    if before == "." and start >= 2 and text[start - 2].isdigit():
        return True
    if after in (".", ",") and text[end + 1 : end + 2].isdigit():
        return True
    left = start
    while left > 0 and text[left - 1] in _BASE64:
        left -= 1
    right = end
    while right < len(text) and text[right] in _BASE64:
        right += 1
    run = text[left:right]
    return (
        right - left >= MIN_BASE64_RUN
        and (left, right) != (start, end)
        and any(c.islower() for c in run)
        and any(c.isupper() or c.isdigit() for c in run)
    )


def _hidden(text: str) -> Match | None:
    """The first invisible character that is not a byte-order mark: U+FEFF at the start of a text or a
    line is how concatenated UTF-8 files and spreadsheet exports begin, not an attack."""
    for found in _INVISIBLE_RE2.finditer(text):
        start = found.start()
        if found.group() == "\ufeff" and (start == 0 or text[start - 1] == "\n"):
            continue
        return Match("injection", start, found.end(), HIDDEN)
    return None


def scan_text(text: str) -> Iterator[Match]:
    """Every validated match in one line or field of text."""
    for found in _COMBINED.finditer(text):
        kind = _KIND[str(found.lastgroup)]
        value = found.group()
        validator = VALIDATORS.get(kind)
        if validator is not None and not validator(value):
            continue
        start, end = found.start(), found.end()
        if kind in TOKEN_KINDS and _embedded(text, start, end):
            continue
        yield Match(kind, start, end, value)
    hidden = _hidden(text)
    if hidden is not None:
        yield hidden


def replace(text: str, matches: Iterable[Match], categories: set[str]) -> tuple[str, list[str]]:
    """``text`` with each match of one of ``categories`` replaced by [KIND] (overlaps and the hidden-
    character marker skipped); and the kinds replaced, in order."""
    out: list[str] = []
    kinds: list[str] = []
    last = 0
    for match in matches:
        if match.text == HIDDEN or CATEGORY.get(match.kind) not in categories or match.start < last:
            continue
        out.append(text[last : match.start])
        out.append(f"[{match.kind.upper()}]")
        kinds.append(match.kind)
        last = match.end
    if not kinds:
        return text, []
    out.append(text[last:])
    return "".join(out), kinds


def redact(kind: str, text: str) -> str:
    """An example that shows the shape of a match without disclosing it."""
    if kind == "injection":
        return text[:80]
    if kind == "email":
        local, _, domain = text.partition("@")
        return f"{local[:1]}***@{domain}"
    if kind == "private-key":
        return text
    if len(text) <= 6:
        return "*" * len(text)
    return f"{text[:2]}{'*' * (len(text) - 4)}{text[-2:]}"
