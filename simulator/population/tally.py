"""What a block of members adds up to: sums, counts and fixed-bin histograms that merge exactly.

Both engines (the table engine's blocks, the member-by-member engine's chunks) hand back a
:class:`Tally`; merged in member order, tallies make the same figures whatever the chunking and
whichever executor ran them, and the estimates with their intervals are read from the merged
tally alone (:func:`credlab.simulator.population.run.summarise`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from credlab.simulator.population.stats import BINS, bin_of

DAY = 86_400.0


@dataclass(slots=True)
class Moments:
    """n values by their sum and sum of squares."""

    n: int = 0
    total: float = 0.0
    squares: float = 0.0

    def add_values(self, values: Sequence[float]) -> None:
        self.n += len(values)
        self.total += math.fsum(values)
        self.squares += math.fsum(v * v for v in values)

    def merge(self, other: Moments) -> None:
        self.n += other.n
        self.total += other.total
        self.squares += other.squares


@dataclass(slots=True)
class Tally:
    """The members of a block, added up (see the module docstring)."""

    members: int = 0
    events: int = 0
    lost: int = 0
    unrecovered: int = 0
    means: dict[str, Moments] = field(default_factory=dict)
    """days_without_online_access, lapses, desk_calls, sent_by_<channel>: per member."""
    attacked: dict[str, int] = field(default_factory=dict)
    breached: dict[str, int] = field(default_factory=dict)
    recoveries: dict[str, list[int]] = field(default_factory=dict)
    """Per channel (of the last message before access came back, or none): seconds, in bins."""
    checked: int = 0
    disagreements: list[str] = field(default_factory=list)

    def mean(self, name: str, values: Sequence[float]) -> None:
        self.means.setdefault(name, Moments()).add_values(values)

    def recovered(self, channel: str, seconds: Iterable[float]) -> None:
        counts = self.recoveries.setdefault(channel, [0] * BINS)
        for value in seconds:
            counts[bin_of(value)] += 1

    def merge(self, other: Tally) -> None:
        self.members += other.members
        self.events += other.events
        self.lost += other.lost
        self.unrecovered += other.unrecovered
        for name, moments in other.means.items():
            self.means.setdefault(name, Moments()).merge(moments)
        for name, count in other.attacked.items():
            self.attacked[name] = self.attacked.get(name, 0) + count
        for name, count in other.breached.items():
            self.breached[name] = self.breached.get(name, 0) + count
        for channel, counts in other.recoveries.items():
            mine = self.recoveries.setdefault(channel, [0] * BINS)
            for i, count in enumerate(counts):
                mine[i] += count
        self.checked += other.checked
        self.disagreements += other.disagreements


def merged(tallies: Iterable[Tally]) -> Tally:
    """The tallies added up, in the order given (member order: floating sums depend on it)."""
    total = Tally()
    for tally in tallies:
        total.merge(tally)
    return total
