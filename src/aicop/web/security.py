"""CSRF tokens and login throttling (passwords and tokens: ``aicop.store.accounts``).

- CSRF: a token is the HMAC of the browser's session (or, before sign-in, of a random pre-session
  cookie) under a key kept in the store's settings, so every process of a deployment agrees and a token
  from one browser is worthless in another.
- Login throttling: ``limits``' moving windows in memory, per user name and per client address.
"""

from __future__ import annotations

import hashlib
import hmac

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter


def csrf_token(key: bytes, bound_to: str) -> str:
    return hmac.new(key, b"csrf:" + bound_to.encode(), hashlib.sha256).hexdigest()


def csrf_ok(key: bytes, bound_to: str | None, given: str | None) -> bool:
    if not bound_to or not given:
        return False
    return hmac.compare_digest(csrf_token(key, bound_to), given)


class LoginThrottle:
    """At most ``per_user`` failed sign-ins a minute for one user name and ``per_client`` for one client
    address; a success does not reset the window (an attacker who knows one password gains nothing)."""

    def __init__(self, per_user: int = 5, per_client: int = 20) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._user = RateLimitItemPerMinute(per_user)
        self._client = RateLimitItemPerMinute(per_client)

    def allowed(self, username: str, client: str) -> bool:
        return self._limiter.test(self._user, "user", username.lower()) and self._limiter.test(
            self._client, "client", client
        )

    def failed(self, username: str, client: str) -> None:
        self._limiter.hit(self._user, "user", username.lower())
        self._limiter.hit(self._client, "client", client)
