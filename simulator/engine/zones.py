"""Zones: sets of clock valuations as difference bounds, the symbolic time of exploration.

A running deadline is a clock: the seconds elapsed since it started. Exploration does not keep
those numbers, which would make a five-year card lifetime five years of situations; it keeps a
**zone**, the set of every valuation the member could be in, written as bounds on each clock and
on each difference of two clocks (a difference-bound matrix, as timed-automata checkers such as
UPPAAL do). Every bound is a sum of the spec's durations, so multiplying every duration by 1,000
multiplies every bound by 1,000 and changes nothing else: the number of situations does not grow
with durations.

Clocks count whole seconds and every bound is ``x - y <= c`` with integer ``c`` (``x - y < c``
is ``x - y <= c - 1``): such a system has an integer solution whenever it has a real one, so
closing it with shortest paths (Floyd-Warshall) decides emptiness and inclusion exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

INF = 1 << 62
"""No bound."""


def _add(a: int, b: int) -> int:
    return INF if a >= INF or b >= INF else a + b


@dataclass(frozen=True, slots=True)
class Zone:
    """A canonical difference-bound matrix over ``clocks`` (ascending clock numbers).

    Row and column 0 stand for the constant 0; ``bound(i, j)`` is the least ``c`` with
    ``x_i - x_j <= c`` in every valuation of the zone (``INF``: none). An empty zone is never
    built: operations that could empty one return ``None``.
    """

    clocks: tuple[int, ...] = ()
    bounds: tuple[int, ...] = (0,)

    @property
    def size(self) -> int:
        return len(self.clocks) + 1

    def bound(self, i: int, j: int) -> int:
        return self.bounds[i * self.size + j]

    def slot(self, clock: int) -> int:
        """The row of ``clock`` (which must be in the zone)."""
        return self.clocks.index(clock) + 1

    def __contains__(self, clock: object) -> bool:
        return clock in self.clocks

    def includes(self, other: Zone) -> bool:
        """Whether every valuation of ``other`` is in this zone (same clocks)."""
        return self.clocks == other.clocks and all(a >= b for a, b in zip(self.bounds, other.bounds, strict=True))

    def lower(self, clock: int) -> int:
        """The least value ``clock`` takes in the zone."""
        return -self.bound(0, self.slot(clock))

    def upper(self, clock: int) -> int:
        """The greatest value ``clock`` takes in the zone (``INF``: unbounded)."""
        return self.bound(self.slot(clock), 0)

    # --- operations ------------------------------------------------------------------------------
    def reset(self, clock: int) -> Zone:
        """``clock`` set to 0 (added if the zone had no such clock)."""
        if clock not in self.clocks:
            clocks = tuple(sorted((*self.clocks, clock)))
            old = [0, *(self.slot(c) for c in self.clocks)]
            place = clocks.index(clock) + 1
            rows = [r for r in range(len(clocks) + 1) if r != place]
            n = len(clocks) + 1
            grid = [INF] * (n * n)
            for a, ra in zip(rows, old, strict=True):
                for b, rb in zip(rows, old, strict=True):
                    grid[a * n + b] = self.bound(ra, rb)
            widened = Zone(clocks, tuple(grid))
            return widened._zeroed(place)
        return self._zeroed(self.slot(clock))

    def _zeroed(self, row: int) -> Zone:
        n = self.size
        grid = list(self.bounds)
        for j in range(n):
            grid[row * n + j] = self.bound(0, j)
            grid[j * n + row] = self.bound(j, 0)
        grid[row * n + row] = 0
        return Zone(self.clocks, tuple(grid))

    def drop(self, clock: int) -> Zone:
        """The zone without ``clock`` (its projection on the other clocks)."""
        if clock not in self.clocks:
            return self
        gone = self.slot(clock)
        keep = [r for r in range(self.size) if r != gone]
        return Zone(tuple(c for c in self.clocks if c != clock), tuple(self.bound(a, b) for a in keep for b in keep))

    def up(self) -> Zone:
        """Every valuation the zone reaches by letting time pass."""
        n = self.size
        grid = list(self.bounds)
        for i in range(1, n):
            grid[i * n] = INF
        return Zone(self.clocks, tuple(grid))

    def down(self) -> Zone:
        """Every valuation from which letting time pass reaches the zone."""
        n = self.size
        grid = list(self.bounds)
        for i in range(1, n):
            grid[i] = min([0, *(self.bound(j, i) for j in range(1, n))])
        return _closed(self.clocks, grid)  # type: ignore[return-value]  # down() of a zone is never empty

    def constrain(self, constraints: list[tuple[int, int, int]]) -> Zone | None:
        """The zone with ``x_i - x_j <= c`` for each ``(i, j, c)`` (rows, 0 the constant), or None if empty."""
        n = self.size
        grid = list(self.bounds)
        for i, j, c in constraints:
            if c < grid[i * n + j]:
                grid[i * n + j] = c
        return _closed(self.clocks, grid)


def _closed(clocks: tuple[int, ...], grid: list[int]) -> Zone | None:
    """The canonical form of ``grid`` (tightest bounds), or None when it has no valuation."""
    n = len(clocks) + 1
    for k in range(n):
        for i in range(n):
            ik = grid[i * n + k]
            if ik >= INF:
                continue
            for j in range(n):
                through = _add(ik, grid[k * n + j])
                if through < grid[i * n + j]:
                    grid[i * n + j] = through
    if any(grid[i * n + i] < 0 for i in range(n)):
        return None
    return Zone(clocks, tuple(grid))
