"""jsonschema without rfc3987-syntax's start-up cost, and with the same format checks.

jsonschema checks the ``iri`` and ``iri-reference`` formats (which CycloneDX 1.6 gives every URL in
a BOM) with rfc3987-syntax, when it is installed, and aicop's dependency on cyclonedx-python-lib's
JSON validation installs it. That package compiles three Earley parsers of RFC 3987's grammar when it
is imported: about a second of CPU time in every ``aicop bom`` (1.05 s measured with
``time.process_time``), before anything is validated, and an Earley parse of each URL after. RFC
3987's grammar has no recursion, so it is a regular language: here it is one regular expression,
written rule by rule from the grammar rfc3987-syntax ships (its quirks included: only the Basic
Multilingual Plane's characters, and the nine IPv6 forms it lists).
``tests/test_schemaformat.py`` checks that both agree on generated IRIs and near-misses.

``jsonschema_module()`` imports jsonschema with rfc3987-syntax out of sight, then registers these
checks for the drafts that know the formats, as jsonschema itself would have: every validator in the
process (cyclonedx-python-lib's too) checks IRIs the same way, whichever was imported first. It does
not change what a schema means, or which other formats are checked.
"""

from __future__ import annotations

import re
import sys
from functools import cache
from types import ModuleType

_ALPHA = "A-Za-z"
_UCS = "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef"
_IUNRESERVED = f"{_ALPHA}0-9\\-._~{_UCS}"
_SUB_DELIMS = "!$&'()*+,;="
_PCT = "%[0-9A-Fa-f]{2}"
_IPCHAR = f"(?:[{_IUNRESERVED}{_SUB_DELIMS}:@]|{_PCT})"
_ISEGMENT = f"{_IPCHAR}*"
_ISEGMENT_NZ = f"{_IPCHAR}+"
_ISEGMENT_NZ_NC = f"(?:[{_IUNRESERVED}{_SUB_DELIMS}@]|{_PCT})+"
_IQUERY = f"(?:[{_IUNRESERVED}{_SUB_DELIMS}:@/?\ue000-\uf8ff]|{_PCT})*"
_IFRAGMENT = f"(?:[{_IUNRESERVED}{_SUB_DELIMS}:@/?]|{_PCT})*"
_SCHEME = f"[{_ALPHA}][{_ALPHA}0-9+\\-.]*"
_DEC_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
_IPV4 = f"{_DEC_OCTET}\\.{_DEC_OCTET}\\.{_DEC_OCTET}\\.{_DEC_OCTET}"
_H16 = "[0-9A-Fa-f]{1,4}"
_LS32 = f"(?:{_H16}:{_H16}|{_IPV4})"


def _h16s(n: int) -> str:
    """``n`` times ``h16 ":"``."""
    return f"(?:{_H16}:){{{n}}}" if n else ""


def _h16_list(n: int) -> str:
    """``n`` h16 joined by ":" (what stands before a "::")."""
    return ":".join([_H16] * n)


# The grammar's nine forms, as it lists them (RFC 3986's own rule allows more, e.g. '::1').
_IPV6 = (
    "(?:"
    + "|".join(
        [
            f"{_h16s(6)}{_LS32}",
            f"::{_h16s(5)}{_LS32}",
            *(f"{_h16_list(k)}::{_h16s(5 - k)}{_LS32}" for k in range(1, 6)),
            f"{_h16_list(6)}::{_H16}",
            f"{_h16_list(7)}::",
        ]
    )
    + ")"
)
_IPVFUTURE = f"v[0-9A-Fa-f]+\\.[{_ALPHA}0-9\\-._~{_SUB_DELIMS}:]+"
_IHOST = f"(?:\\[(?:{_IPV6}|{_IPVFUTURE})\\]|{_IPV4}|(?:[{_IUNRESERVED}{_SUB_DELIMS}]|{_PCT})*)"
_IUSERINFO = f"(?:[{_IUNRESERVED}{_SUB_DELIMS}:]|{_PCT})*"
_IAUTHORITY = f"(?:{_IUSERINFO}@)?{_IHOST}(?::[0-9]*)?"
_IPATH_ABEMPTY = f"(?:/{_ISEGMENT})*"
_IPATH_ABSOLUTE = f"/(?:{_ISEGMENT_NZ}(?:/{_ISEGMENT})*)?"
_IPATH_ROOTLESS = f"{_ISEGMENT_NZ}(?:/{_ISEGMENT})*"
_IPATH_NOSCHEME = f"{_ISEGMENT_NZ_NC}(?:/{_ISEGMENT})*"
_TAIL = f"(?:\\?{_IQUERY})?(?:#{_IFRAGMENT})?"
_IHIER_PART = f"(?://{_IAUTHORITY}{_IPATH_ABEMPTY}|{_IPATH_ABSOLUTE}|{_IPATH_ROOTLESS}|)"
_IRELATIVE_PART = f"(?://{_IAUTHORITY}{_IPATH_ABEMPTY}|{_IPATH_ABSOLUTE}|{_IPATH_NOSCHEME}|)"
_IRI = f"{_SCHEME}:{_IHIER_PART}{_TAIL}"

IRI = re.compile(_IRI)
IRI_REFERENCE = re.compile(f"{_IRI}|{_IRELATIVE_PART}{_TAIL}")


def is_iri(instance: object) -> bool:
    """RFC 3987 ``IRI``; anything but a string is not this format's business (as in jsonschema)."""
    return not isinstance(instance, str) or IRI.fullmatch(instance) is not None


def is_iri_reference(instance: object) -> bool:
    """RFC 3987 ``IRI-reference``: an IRI or a relative reference."""
    return not isinstance(instance, str) or IRI_REFERENCE.fullmatch(instance) is not None


@cache
def jsonschema_module() -> ModuleType:
    """jsonschema, imported without rfc3987-syntax (unless something imported either already), with
    ``is_iri`` and ``is_iri_reference`` as its checks of 'iri' and 'iri-reference'."""
    hidden = "jsonschema" not in sys.modules and "rfc3987_syntax" not in sys.modules
    if hidden:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # 'import' raises ImportError
    try:
        import jsonschema
    finally:
        if hidden:
            del sys.modules["rfc3987_syntax"]
    for validator in (
        jsonschema.Draft7Validator,
        jsonschema.Draft201909Validator,
        jsonschema.Draft202012Validator,
    ):
        validator.FORMAT_CHECKER.checks("iri", raises=ValueError)(is_iri)
        validator.FORMAT_CHECKER.checks("iri-reference", raises=ValueError)(is_iri_reference)
    # what FormatChecker() with no formats starts from (jsonschema registers every check there too)
    jsonschema.FormatChecker.checkers["iri"] = (is_iri, ValueError)
    jsonschema.FormatChecker.checkers["iri-reference"] = (is_iri_reference, ValueError)
    return jsonschema
