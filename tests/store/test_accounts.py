from __future__ import annotations

from aicop.store import accounts


def test_passwords_are_hashed_with_argon2id_at_its_recommended_cost() -> None:
    stored = accounts.hash_password("a long enough password")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")  # RFC 9106's second recommendation
    assert accounts.verify_password(stored, "a long enough password")
    assert not accounts.verify_password(stored, "a long enough passwore")
    assert not accounts.verify_password(None, "a long enough password")  # no such user: never true
    assert not accounts.verify_password("not a hash", "a long enough password")


def test_tokens_are_random_and_stored_as_digests() -> None:
    first, second = accounts.new_token(accounts.TOKEN_PREFIX), accounts.new_token(accounts.TOKEN_PREFIX)
    assert first != second and first.startswith("aicop_") and len(first) >= 46
    assert accounts.token_hash(first) != first and len(accounts.token_hash(first)) == 64


def test_user_names_are_plain() -> None:
    assert accounts.username_problem("ana.lopez@example.org") is None
    for bad in ("", "a b", "<b>", "x\u202ey", "x" * 101, "tab\there"):
        assert accounts.username_problem(bad) is not None, bad
