"""Attack success rates with Wilson score intervals, and Fisher's exact test for regressions.

Written out rather than imported from scipy: both are a few lines of exact arithmetic on integers
(``math.comb``), and scipy is a 35 MB wheel whose import costs more than a whole ``aicop redteam
compare``. The tests check both against published values.
"""

from __future__ import annotations

import math

Z95 = 1.959963984540054  # the 97.5th percentile of the standard normal: a two-sided 95% interval


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a binomial proportion (Wilson 1927); (0, 1) for no trials."""
    if trials <= 0:
        return 0.0, 1.0
    if not 0 <= successes <= trials:
        raise ValueError(f"{successes} successes in {trials} trials")
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def fisher_greater(new_successes: int, new_trials: int, old_successes: int, old_trials: int) -> float:
    """One-sided p-value of Fisher's exact test that the new success rate is higher than the old: the
    probability, with the margins fixed, of at least ``new_successes`` successes in the new run."""
    for k, n in ((new_successes, new_trials), (old_successes, old_trials)):
        if not 0 <= k <= n:
            raise ValueError(f"{k} successes in {n} trials")
    total = new_trials + old_trials
    successes = new_successes + old_successes
    if total == 0:
        return 1.0
    denominator = math.comb(total, new_trials)
    top = min(successes, new_trials)
    numerator = sum(
        math.comb(successes, x) * math.comb(total - successes, new_trials - x)
        for x in range(new_successes, top + 1)
    )
    return min(1.0, numerator / denominator)
