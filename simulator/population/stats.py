"""Estimates with 95% confidence intervals, from per-member results.

- a share (members who lost access): the Wilson score interval, right also near 0% and 100%;
- a mean per member (days without access, messages sent): the normal interval of the mean,
  mean ± 1.96·s/√n (members are independent, n is in the thousands);
- a quantile (the median time to recover): the distribution-free interval between two order
  statistics, from the binomial distribution of how many values fall below the quantile.

Every figure is rounded to 6 significant digits, so the same members give byte-identical output.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z95 = 1.959963984540054


def _round(value: float) -> float:
    return float(f"{value:.6g}")


@dataclass(frozen=True, slots=True)
class Estimate:
    estimate: float
    low: float
    high: float
    n: int
    """How many members (or events) it rests on."""

    def to_json(self) -> dict[str, object]:
        return {"estimate": self.estimate, "ci95": [self.low, self.high], "n": self.n}


def share(hits: int, n: int) -> Estimate:
    """The share ``hits / n`` with its Wilson interval."""
    if n == 0:
        return Estimate(0.0, 0.0, 1.0, 0)
    p = hits / n
    centre = (p + Z95 * Z95 / (2 * n)) / (1 + Z95 * Z95 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95 * Z95 / (4 * n * n)) / (1 + Z95 * Z95 / n)
    return Estimate(_round(p), _round(max(0.0, centre - half)), _round(min(1.0, centre + half)), n)


def mean(values: Sequence[float], scale: float = 1.0) -> Estimate:
    """The mean of ``values`` (times ``scale``) with its normal interval."""
    n = len(values)
    if n == 0:
        return Estimate(0.0, 0.0, 0.0, 0)
    m = math.fsum(values) / n
    spread = math.sqrt(math.fsum((v - m) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    half = Z95 * spread / math.sqrt(n)
    return Estimate(_round(m * scale), _round(max(0.0, m - half) * scale), _round((m + half) * scale), n)


def quantile(values: Sequence[float], q: float) -> Estimate:
    """The ``q`` quantile of ``values`` with the order-statistic interval (n < 2: no interval)."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return Estimate(0.0, 0.0, 0.0, 0)
    point = ordered[min(n - 1, max(0, math.ceil(q * n) - 1))]
    spread = Z95 * math.sqrt(n * q * (1 - q))
    low = ordered[max(0, math.floor(n * q - spread) - 1)]
    high = ordered[min(n - 1, math.ceil(n * q + spread))]
    return Estimate(_round(point), _round(low), _round(high), n)


def mean_of(n: int, total: float, squares: float, scale: float = 1.0) -> Estimate:
    """The mean of ``n`` values from their sum and sum of squares (times ``scale``), with its normal interval."""
    if n == 0:
        return Estimate(0.0, 0.0, 0.0, 0)
    m = total / n
    spread = math.sqrt(max(0.0, squares - n * m * m) / (n - 1)) if n > 1 else 0.0
    half = Z95 * spread / math.sqrt(n)
    return Estimate(_round(m * scale), _round(max(0.0, m - half) * scale), _round((m + half) * scale), n)


BINS_PER_DOUBLING = 32
BINS = 1 + 28 * BINS_PER_DOUBLING
"""Fixed bins for durations in seconds: [0, 1), then 32 per doubling (2.2% wide) up to 2^28 s
(8.5 years), the last one open. Chunks of members merge by adding counts, whatever the chunking."""


def bin_of(seconds: float) -> int:
    if seconds < 1:
        return 0
    return min(BINS - 1, 1 + math.floor(BINS_PER_DOUBLING * math.log2(seconds)))


def bin_value(index: int) -> float:
    """A bin's value: its geometric middle (0 for the first)."""
    return 0.0 if index == 0 else 2 ** ((index - 0.5) / BINS_PER_DOUBLING)


def quantile_of_bins(counts: Sequence[int], q: float, scale: float = 1.0) -> Estimate:
    """The ``q`` quantile of values counted in fixed bins, with the order-statistic interval
    (each value read as its bin's middle: to 2.2%)."""
    n = sum(counts)
    if n == 0:
        return Estimate(0.0, 0.0, 0.0, 0)

    def at(rank: int) -> float:
        """The value of rank ``rank`` (0-based) in order."""
        seen = 0
        for index, count in enumerate(counts):
            seen += count
            if seen > rank:
                return bin_value(index) * scale
        return bin_value(len(counts) - 1) * scale  # pragma: no cover - rank < n

    spread = Z95 * math.sqrt(n * q * (1 - q))
    point = at(min(n - 1, max(0, math.ceil(q * n) - 1)))
    low = at(max(0, math.floor(n * q - spread) - 1))
    high = at(min(n - 1, math.ceil(n * q + spread)))
    return Estimate(_round(point), _round(low), _round(high), n)
