"""Wilson intervals and Fisher's exact test against published values (and scipy, where installed)."""

from __future__ import annotations

import pytest

from aicop.redteam.stats import fisher_greater, wilson


def test_fisher_matches_the_lady_tasting_tea() -> None:
    # Fisher (1935): 3 of 4 cups right; the one-sided p-value is 17/70
    assert fisher_greater(3, 4, 1, 4) == pytest.approx(17 / 70)


@pytest.mark.parametrize(
    ("a", "n1", "b", "n2"), [(8, 10, 1, 6), (0, 50, 0, 50), (30, 300, 10, 300), (5, 5, 0, 5)]
)
def test_fisher_agrees_with_scipy(a: int, n1: int, b: int, n2: int) -> None:
    scipy_stats = pytest.importorskip("scipy.stats")
    expected = scipy_stats.fisher_exact([[a, n1 - a], [b, n2 - b]], alternative="greater").pvalue
    assert fisher_greater(a, n1, b, n2) == pytest.approx(expected, rel=1e-9)


def test_wilson_matches_published_values() -> None:
    # Newcombe (1998), table I: 81/263 -> 0.2553 to 0.3662; 0/10 -> 0 to 0.2775
    low, high = wilson(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)
    assert wilson(0, 10)[0] == 0.0 and round(wilson(0, 10)[1], 4) == 0.2775
    assert wilson(0, 0) == (0.0, 1.0)


def test_impossible_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        wilson(5, 3)
    with pytest.raises(ValueError):
        fisher_greater(4, 3, 0, 1)
