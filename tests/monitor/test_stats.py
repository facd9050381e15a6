"""The monitor's statistics against SciPy's, and the false-alarm budget."""

from __future__ import annotations

import random

import pytest
from scipy import special, stats

from aicop.monitor.stats import Budget, betainc, binomial_lower, binomial_upper, rate_test, wilson


def test_betainc_matches_scipy() -> None:
    rng = random.Random(7)
    for _ in range(500):
        a, b, x = rng.uniform(0.1, 400), rng.uniform(0.1, 400), rng.random()
        assert betainc(a, b, x) == pytest.approx(special.betainc(a, b, x), abs=1e-10)
    assert betainc(2, 3, 0.0) == 0.0 and betainc(2, 3, 1.0) == 1.0


@pytest.mark.parametrize("n", [1, 7, 60, 700, 6000])
@pytest.mark.parametrize("p", [0.001, 0.02, 0.5, 0.95])
def test_binomial_tails_match_scipy(n: int, p: float) -> None:
    for x in range(0, n + 1, max(1, n // 25)):
        assert binomial_upper(x, n, p) == pytest.approx(stats.binom.sf(x - 1, n, p), abs=1e-10)
        assert binomial_lower(x, n, p) == pytest.approx(stats.binom.cdf(x, n, p), abs=1e-10)


def test_rate_test_is_the_conditional_binomial() -> None:
    up, down = rate_test(20, 500, 10, 1000)
    k, share = 30, 500 / 1500
    assert up == pytest.approx(stats.binom.sf(19, k, share))
    assert down == 1.0  # the far side of the expectation is not computed: at least a half
    assert up < 1e-3  # four times the baseline's rate: significant upwards
    low = rate_test(1, 500, 60, 1000)[1]
    assert low == pytest.approx(stats.binom.cdf(1, 61, share)) and low < 1e-6
    assert rate_test(0, 500, 0, 1000) == (1.0, 1.0)  # no events anywhere: nothing to say


def test_rate_test_holds_its_level_on_equal_rates() -> None:
    """Under 'same rate' the upper p-value is uniform or conservative: P(p < a) <= a."""
    rng = random.Random(3)
    alpha, trials, hits = 0.05, 2000, 0
    for _ in range(trials):
        window = sum(rng.random() < 0.03 for _ in range(300))
        base = sum(rng.random() < 0.03 for _ in range(1000))
        hits += rate_test(window, 300, base, 1000)[0] < alpha
    assert hits / trials <= alpha + 0.01


def test_wilson_interval() -> None:
    low, high = wilson(10, 100)
    assert low == pytest.approx(0.0552, abs=1e-3) and high == pytest.approx(0.1744, abs=1e-3)
    assert wilson(0, 0) == (0.0, 1.0)


def test_budget_divides_alpha_by_the_tests_in_a_horizon() -> None:
    assert Budget(0.05, 10_000, 50, 4).level == pytest.approx(0.05 / (200 * 4))
