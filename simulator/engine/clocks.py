"""The spec's deadlines as clocks of a zone: what exploration keeps of time, and how a path
through zones becomes a story with concrete times again.

Guards never read a clock directly. A deadline that lapses fires its expiry at once (the engine
marks it ``expiry_fired`` in the same advance), so in every situation the member can act in,
``within: d`` means "d runs and has not lapsed" and ``expired: d`` means "d runs and has lapsed":
facts of the situation, not of the clock. What the clocks decide is only *which* deadlines can
lapse next, and in which order; a :class:`~credlab.simulator.engine.zones.Zone` over the
running, unlapsed deadlines answers exactly that (see :meth:`Clocks.lapses`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from credlab.model import ir
from credlab.model.engine import Engine, World
from credlab.model.node import replace
from credlab.simulator.engine.zones import INF, Zone


@dataclass(frozen=True, slots=True)
class Lapse:
    """One way time can move on from a zone: the deadlines that lapse, in firing order."""

    order: tuple[int, ...]
    zone: Zone
    """The valuations at the end of the advance (the lapsed clocks still in)."""
    universal: bool
    """Whether every valuation of the zone can let time pass into this lapse."""


@dataclass(frozen=True, slots=True)
class Timed:
    """One step of a path, as :meth:`Clocks.concrete_delays` needs it."""

    ticking: tuple[int, ...]
    """The deadlines running and not lapsed before the step."""
    lapse: tuple[int, ...]
    """For an advance: the deadlines it lapses, in order (empty for an event)."""
    resets: tuple[int, ...]
    """The deadlines the step (re)starts."""


class Clocks:
    """The deadlines of one engine's spec and parameters, as clocks counting seconds."""

    def __init__(self, engine: Engine) -> None:
        spec = engine.spec
        self.engine = engine
        self.names = tuple(spec.deadlines)
        self.limits = engine.durations
        self.lapse_at = tuple(
            limit + (1 if spec.deadlines[name].boundary == "inclusive" else 0)
            for name, limit in zip(self.names, self.limits, strict=True)
        )
        """The first elapsed second at which each deadline has lapsed."""
        self.starts = {
            t.id: tuple(self.names.index(e.deadline) for e in t.effects if isinstance(e, ir.StartDeadline))
            for t in spec.transitions
        }

    def ticking(self, world: World) -> tuple[int, ...]:
        return tuple(i for i, start in enumerate(world.deadlines) if start is not None and not world.expiry_fired[i])

    def representative(self, world: World) -> World:
        """``world`` with concrete times that every guard reads as the situation says: now 0, an
        unlapsed deadline just started, a lapsed one just lapsed; and no delivery log."""
        deadlines = tuple(
            None if start is None else (-self.lapse_at[i] if world.expiry_fired[i] else 0)
            for i, start in enumerate(world.deadlines)
        )
        return World(
            world.state,
            world.credentials,
            world.flags,
            world.counters,
            deadlines,
            world.expiry_fired,
            0,
            (),
            world.owner,
        )

    def started(self, world: World) -> Zone:
        """The settled zone of a start: every deadline running in ``world`` just started."""
        zone = Zone()
        for clock in self.ticking(world):
            zone = zone.reset(clock)
        return self.settle(zone)

    def settle(self, zone: Zone) -> Zone:
        """Every valuation reachable by waiting without a deadline lapsing."""
        waited = zone.up().constrain([(zone.slot(c), 0, max(self.lapse_at[c] - 1, 0)) for c in zone.clocks])
        assert waited is not None, "waiting keeps the valuations the zone already had"
        return waited

    def after(self, zone: Zone, world: World, resets: tuple[int, ...]) -> Zone:
        """The settled zone after a step to ``world`` that (re)started ``resets``."""
        return self.moved(zone, set(self.ticking(world)), resets)

    def moved(self, zone: Zone, ticking: AbstractSet[int], resets: tuple[int, ...]) -> Zone:
        """The settled zone after a step after which ``ticking`` run, that (re)started ``resets``:
        stopped clocks dropped, restarted ones reset."""
        for clock in zone.clocks:
            if clock not in ticking:
                zone = zone.drop(clock)
        for clock in resets:
            if clock in ticking:
                zone = zone.reset(clock)
        assert set(zone.clocks) == set(ticking), "a deadline that starts to run is started by the step"
        return self.settle(zone)

    def lapses(self, zone: Zone) -> Iterator[Lapse]:
        """Each set of deadlines that can lapse together next, in each order the engine can fire
        them (by lapse instant, ties by name), with the valuations that realise it."""
        later = zone.up()
        for order in _orders(zone.clocks):
            if order:
                lapsed = later.constrain(self.lapse_bounds(zone, zone.clocks, order))
                if lapsed is not None:
                    yield Lapse(order, lapsed, lapsed.down().includes(zone))

    def lapse_bounds(self, zone: Zone, running: tuple[int, ...], order: tuple[int, ...]) -> list[tuple[int, int, int]]:
        """The bounds on ``zone``'s clocks at the end of a wait in which, of ``running``, exactly
        the deadlines of ``order`` lapse, fired in that order."""
        bounds = [(0, zone.slot(c), -self.lapse_at[c]) for c in order]
        bounds += [(zone.slot(c), 0, self.lapse_at[c] - 1) for c in running if c not in order]
        bounds += [(zone.slot(b), zone.slot(a), self.order_gap(a, b)) for a, b in self.ordered_pairs(order)]
        return bounds

    def order_gap(self, a: int, b: int) -> int:
        """``a`` fires before ``b`` in one wait when b's elapsed time exceeds a's by at most this
        (equal instants fire by name)."""
        return self.limits[b] - self.limits[a] - (0 if self.names[a] < self.names[b] else 1)

    def lapsed_world(self, world: World, order: tuple[int, ...]) -> World:
        """The representative ``world`` with the deadlines of ``order`` read as lapsed."""
        deadlines = tuple(-self.lapse_at[i] if i in order else start for i, start in enumerate(world.deadlines))
        return replace(world, deadlines=deadlines)

    def ordered_pairs(self, lapse: tuple[int, ...]) -> list[tuple[int, int]]:
        """The pairs of a lapse whose firing order is fixed: one after the other."""
        return list(itertools.pairwise(lapse))

    def concrete_delays(self, steps: list[Timed]) -> list[int] | None:
        """The shortest waits before each step that realise the path: every advance lapses exactly
        its deadlines in its order, and nothing lapses before an event. A path from the spec's
        start came out of the zones, so such waits exist; None when none do (a path from a
        situation whose deadlines are taken as just started)."""
        # t_k is the instant of step k (t_0 = 0 before the first); (x, y, c) says t_x - t_y <= c.
        edges: list[tuple[int, int, int]] = []
        started: dict[int, int] = {}
        for k, step in enumerate(steps, start=1):
            edges.append((k - 1, k, 0))  # time never goes back: t_{k-1} - t_k <= 0
            for clock in step.ticking:
                at = started.get(clock, 0)
                if clock in step.lapse:
                    edges.append((at, k, -self.lapse_at[clock]))  # t_at - t_k <= -lapse_at
                else:
                    edges.append((k, at, max(self.lapse_at[clock] - 1, 0)))
            for a, b in self.ordered_pairs(step.lapse):  # in start instants: t_a's start - t_b's start
                edges.append((started.get(a, 0), started.get(b, 0), self.order_gap(a, b)))
            for clock in step.resets:
                started[clock] = k
        # the least instants: u = -t is the greatest solution of u_a - u_b <= c (shortest paths from u_0)
        least = [INF] * (len(steps) + 1)
        least[0] = 0
        for _ in range(len(steps) + 1):
            changed = False
            for b, a, c in edges:  # t_b - t_a <= c  is  u_a - u_b <= c: an edge b -> a of length c
                if least[b] < INF and least[b] + c < least[a]:
                    least[a] = least[b] + c
                    changed = True
            if not changed:
                break
        else:
            return None
        instants = [-u for u in least]
        return [instants[k] - instants[k - 1] for k in range(1, len(instants))]


class JointClocks(Clocks):
    """Two variants of a spec side by side (mutation's joint search): the original's deadlines
    are clocks ``0..n-1``, the variant's ``n..2n-1``, in one zone, so that one wait lapses on
    each side what its own durations say."""

    def __init__(self, left: Clocks, right: Clocks) -> None:
        self.engine = left.engine
        self.width = len(left.names)
        self.names = left.names + right.names
        self.limits = left.limits + right.limits
        self.lapse_at = left.lapse_at + right.lapse_at
        self.starts = {}

    def ordered_pairs(self, lapse: tuple[int, ...]) -> list[tuple[int, int]]:
        """Each side fires its own lapses in its own order; across the sides, nothing is ordered."""
        left = tuple(c for c in lapse if c < self.width)
        right = tuple(c for c in lapse if c >= self.width)
        return list(itertools.pairwise(left)) + list(itertools.pairwise(right))

    def joint_lapses(self, zone: Zone) -> Iterator[tuple[tuple[int, ...], tuple[int, ...], Zone]]:
        """Each way one wait can lapse deadlines on the two sides: (the original's lapses in
        order, the variant's in order, the valuations at the end of the wait)."""
        later = zone.up()
        left, right = tuple(c for c in zone.clocks if c < self.width), tuple(c for c in zone.clocks if c >= self.width)
        for mine in _orders(left):
            for theirs in _orders(right):
                if mine or theirs:  # each side's pairs only: across the sides nothing is ordered
                    lapsed = later.constrain(self.lapse_bounds(zone, zone.clocks, mine + theirs))
                    if lapsed is not None:
                        yield mine, theirs, lapsed


def _orders(clocks: tuple[int, ...]) -> Iterator[tuple[int, ...]]:
    """Every subset of ``clocks`` in every order, the empty one first."""
    for size in range(len(clocks) + 1):
        for chosen in itertools.combinations(clocks, size):
            yield from itertools.permutations(chosen)
