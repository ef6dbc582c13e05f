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
