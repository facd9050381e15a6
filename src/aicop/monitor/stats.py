"""The statistics behind ``aicop monitor``'s alarms: exact two-sample tests of event rates, and a
Bonferroni budget that bounds false alarms per stretch of traffic.

Every signal the monitor watches is reduced to a per-request event (a refusal, an input longer than
99.5% of the baseline's, a prompt that repeats one of the key's last ones...). A window of recent
traffic is compared with the baseline by the *conditional binomial test*: given that ``k`` events
happened in the two samples together, under "same rate" the window's share of them is
Binomial(k, n_window / (n_window + n_baseline)). That test is exact whatever the rates, and it counts
the baseline's own uncertainty, which a test against a fixed baseline rate would not.

Tests run every ``stride`` requests, for every signal, scope and direction. Their level is the
false-alarm budget for a *horizon* of requests (by default 5% per 10,000) divided by the number of
tests run in that horizon (Bonferroni, valid for dependent tests such as overlapping windows), so the
chance of any false alarm in a horizon of steady traffic stays under the budget.

The regularised incomplete beta function is written here (Lentz's continued fraction) rather than
taken from SciPy: it is the one function the monitor needs, and SciPy is not one of aicop's
dependencies. The tests compare it with SciPy's.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from aicop.redteam.stats import wilson as wilson  # the one Wilson interval (redteam's)

_TINY = 1e-300
_EPSILON = 3e-15


def _continued_fraction(a: float, b: float, x: float) -> float:
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, 1000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPSILON:
            break
    return h


def betainc(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b), for a, b > 0 and 0 <= x <= 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _continued_fraction(a, b, x) / a
    return 1.0 - front * _continued_fraction(b, a, 1.0 - x) / b


def binomial_upper(x: int, n: int, p: float) -> float:
    """P(X >= x) for X ~ Binomial(n, p)."""
    if x <= 0:
        return 1.0
    if x > n:
        return 0.0
    return betainc(x, n - x + 1, p)


def binomial_lower(x: int, n: int, p: float) -> float:
    """P(X <= x) for X ~ Binomial(n, p)."""
    if x >= n:
        return 1.0
    if x < 0:
        return 0.0
    return 1.0 - betainc(x + 1, n - x, p)


@functools.lru_cache(maxsize=1 << 16)
def rate_test(window_events: int, window_size: int, base_events: int, base_size: int) -> tuple[float, float]:
    """(p for "the window's rate is higher", p for "lower") by the conditional binomial test. Cached: a
    full window is tested with the same baseline and size every stride, so its few counts repeat."""
    total = window_events + base_events
    if total == 0 or window_size == 0 or base_size == 0:
        return 1.0, 1.0
    share = window_size / (window_size + base_size)
    # A tail on the far side of the expectation is at least a half: said as 1.0 without computing it
    # (no decision changes, and the tests run thousands of times a second).
    expected = total * share
    up = binomial_upper(window_events, total, share) if window_events > expected else 1.0
    down = binomial_lower(window_events, total, share) if window_events < expected else 1.0
    return up, down


@dataclass(frozen=True)
class Budget:
    """The level of each test so that ``alpha`` bounds the chance of any false alarm in ``horizon``
    requests, when ``tests_per_stride`` tests run every ``stride`` requests (Bonferroni)."""

    alpha: float = 0.05
    horizon: int = 10_000
    stride: int = 50
    tests_per_stride: int = 1

    @property
    def level(self) -> float:
        runs = max(1, math.ceil(self.horizon / self.stride)) * max(1, self.tests_per_stride)
        return self.alpha / runs
