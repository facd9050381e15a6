"""RFC 9116: at least one Contact, exactly one Expires in the future, URIs where URIs are due."""

from __future__ import annotations

import datetime as dt

import pytest

from aicop.docs.securitytxt import parse_security_txt

NOW = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)


def test_valid_file() -> None:
    parsed = parse_security_txt(
        "# our policy\nContact: mailto:security@example.com\nContact: https://example.com/report\n"
        "Expires: 2027-06-30T23:59:59Z\nPolicy: https://example.com/policy\n",
        NOW,
    )
    assert parsed.problems == []
    assert parsed.first("contact") == (2, "mailto:security@example.com")
    assert parsed.expires == dt.datetime(2027, 6, 30, 23, 59, 59, tzinfo=dt.UTC)


def test_signed_file_is_read_through_the_armour() -> None:
    text = (
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nContact: mailto:s@example.com\n"
        "Expires: 2027-01-01T00:00:00+00:00\n"
        "-----BEGIN PGP SIGNATURE-----\nabc==\n-----END PGP SIGNATURE-----\n"
    )
    assert parse_security_txt(text, NOW).problems == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Expires: 2027-01-01T00:00:00Z\n", "no Contact"),
        ("Contact: mailto:a@b.c\n", "no Expires"),
        ("Contact: mailto:a@b.c\nExpires: 2025-01-01T00:00:00Z\n", "expired on 2025-01-01"),
        ("Contact: mailto:a@b.c\nExpires: next year\n", "not an RFC 3339"),
        ("Contact: mailto:a@b.c\nExpires: 2027-01-01T00:00:00\n", "no time zone"),
        (
            "Contact: mailto:a@b.c\nExpires: 2027-01-01T00:00:00Z\nExpires: 2027-02-01T00:00:00Z\n",
            "more than once",
        ),
        ("Contact: security@example.com\nExpires: 2027-01-01T00:00:00Z\n", "must be a URI"),
        (
            "Contact: mailto:a@b.c\nExpires: 2027-01-01T00:00:00Z\nthis is not a field\n",
            "not a 'Field: value'",
        ),
    ],
)
def test_problems(text: str, problem: str) -> None:
    problems = [p for _, p in parse_security_txt(text, NOW).problems]
    assert any(problem in p for p in problems), problems
