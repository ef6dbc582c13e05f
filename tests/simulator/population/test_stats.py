"""Estimates from merged tallies: the same figures as from the values themselves, to a bin's width."""

from __future__ import annotations

import random

import pytest

from credlab.simulator.population.stats import BINS, bin_of, bin_value, mean, mean_of, quantile, quantile_of_bins
from credlab.simulator.population.tally import Tally, merged


def test_quantiles_from_fixed_bins_are_the_exact_ones_to_a_bins_width() -> None:
    rng = random.Random(1)
    values = [rng.expovariate(1 / 86_400) for _ in range(5000)]
    counts = [0] * BINS
    for v in values:
        counts[bin_of(v)] += 1
    for q in (0.5, 0.95):
        exact, binned = quantile(values, q), quantile_of_bins(counts, q)
        for a, b in ((exact.estimate, binned.estimate), (exact.low, binned.low), (exact.high, binned.high)):
            assert b == pytest.approx(a, rel=0.023)
    assert quantile_of_bins([0] * BINS, 0.5).n == 0
    assert bin_of(0.5) == 0 and bin_value(0) == 0.0
    assert bin_of(10 * 365 * 86_400) == BINS - 1  # past the last edge: the open bin


def test_means_from_sums_are_the_means_of_the_values() -> None:
    values = [float(v % 7) for v in range(1000)]
    direct, summed = mean(values), mean_of(len(values), sum(values), sum(v * v for v in values))
    assert (summed.estimate, summed.n) == (direct.estimate, direct.n)
    assert summed.low == pytest.approx(direct.low, rel=1e-6) and summed.high == pytest.approx(direct.high, rel=1e-6)


def test_tallies_merge_in_order_into_the_whole() -> None:
    parts = []
    for first in (0, 3):
        part = Tally(members=3, events=10, lost=1)
        part.mean("lapses", [float(first), 1.0, 2.0])
        part.recovered("email", [60.0, 3600.0])
        part.attacked["thief"] = 1
        parts.append(part)
    whole = merged(parts)
    assert (whole.members, whole.events, whole.lost, whole.attacked) == (6, 20, 2, {"thief": 2})
    assert (whole.means["lapses"].n, whole.means["lapses"].total) == (6, 9.0)
    assert sum(whole.recoveries["email"]) == 4
