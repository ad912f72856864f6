"""The statistics the study reports, written out by hand: the tests' independent reference."""

from __future__ import annotations

import math


def wilson(k, n, z=1.959963984540054):
    """The Wilson score interval, written out (Wilson 1927)."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def binomial_two_sided(k, n):
    """Sum of the probabilities of every outcome no more likely than k (the exact test's definition)."""
    pmf = [math.comb(n, i) / 2 ** n for i in range(n + 1)]
    return min(1.0, sum(q for q in pmf if q <= pmf[k] * (1 + 1e-7)))
