"""The table engine: a block of members advanced together, one firing per member per round.

Each member is a row: a situation number, a clock, and a timer per slot (:mod:`.situation`).
In a round every member still before the horizon draws the time of its next rate firing
(exponential, from the situation's total rate), compares it with its earliest timer, and fires
whichever comes first: a rate firing picks which rate by the situation's cumulative shares, and
the outcome branch is picked by the table entry's cumulative probabilities. Every step is a
handful of numpy operations over the whole block; Python runs only when a (situation, firing)
pair is met for the first time (:meth:`.table.Table.fill`).

A block's random source is ``numpy.random.SeedSequence(seed, spawn_key=(block,))``, and blocks
have a fixed size, so member ``i`` lives the same life however blocks are grouped into chunks
and whichever executor runs them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from credlab.simulator.population.member import NONE
from credlab.simulator.population.stats import BINS, BINS_PER_DOUBLING
from credlab.simulator.population.table import COUNTED, DESK_CALLS, LAPSES, MAX_FLIPS, Table
from credlab.simulator.population.tally import DAY, Tally

BLOCK = 16_384
"""Members per block: large enough that numpy's per-call cost vanishes, small enough to stay in cache."""

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]


@dataclass(slots=True)
class Life:
    """A sampled member's steps, for the oracle: (time, branch) from the start branch on."""

    member: int
    steps: list[tuple[float, int]] = field(default_factory=list)


def _bins(seconds: Floats) -> Ints:
    safe = np.maximum(seconds, 1.0)
    found = 1 + np.floor(BINS_PER_DOUBLING * np.log2(safe)).astype(np.int64)
    return np.where(seconds < 1.0, 0, np.minimum(found, BINS - 1))


class _Rows:
    """The block's members still before the horizon, as parallel arrays."""

    def __init__(self, table: Table, members: Ints, starts: Ints) -> None:
        n, shape = len(members), table.shape
        self.table = table
        self.member = members
        self.situation = table.next[starts].copy()
        self.now = np.zeros(n)
        self.timers = np.full((n, shape.slots), np.inf)
        self.since = np.zeros(n)
        self.without_seconds = np.zeros(n)
        self.lost = np.zeros(n, dtype=bool)
        self.counts = np.zeros((n, table.counts.shape[1]), dtype=np.int64)

        self.soonest = np.full(n, np.inf)
        """Each row's earliest timer, and its slot: kept up to date for the rows whose timers change."""
        self.slot = np.zeros(n, dtype=np.int64)

    ARRAYS = ("member", "situation", "now", "timers", "since", "without_seconds", "lost", "counts", "soonest", "slot")

    def keep(self, rows: NDArray[np.bool_]) -> None:
        for name in self.ARRAYS:
            setattr(self, name, getattr(self, name)[rows])

    def refresh(self, rows: Ints) -> None:
        """The earliest timer of ``rows``, after their timers changed."""
        if rows.size and self.timers.shape[1]:
            timers = self.timers[rows]
            slot = timers.argmin(axis=1)
            self.slot[rows] = slot
            self.soonest[rows] = timers[np.arange(rows.size), slot]

    def apply(
        self, branch: Ints, sets: NDArray[np.bool_], rng: np.random.Generator, recovered: list[tuple[Ints, Floats]]
    ) -> None:
        """Each row takes its branch: timers (the rows in ``sets``), counts, access flips, the next
        situation (most branches set no timer, count nothing, flip nothing: only the rows whose
        branch does are touched)."""
        table, now = self.table, self.now
        rows = np.flatnonzero(sets)
        if rows.size:
            low, high = table.slot_low[branch[rows]], table.slot_high[branch[rows]]
            timers = self.timers[rows]
            timers[low == -1] = np.inf
            for slot in range(timers.shape[1]):
                setting = np.flatnonzero(low[:, slot] >= 0)
                if setting.size:
                    least, most = low[setting, slot], high[setting, slot]
                    offset = least.astype(np.float64)
                    varies = np.flatnonzero(most > least)
                    if varies.size:  # a whole second of the window, uniformly
                        width = (most[varies] - least[varies] + 1).astype(np.float64)
                        offset[varies] += np.floor(rng.random(varies.size) * width)
                    timers[setting, slot] = now[rows[setting]] + offset
            self.timers[rows] = timers
        rows = np.flatnonzero(table.has_counts[branch])
        if rows.size:
            self.counts[rows] += table.counts[branch[rows]]
        rows = np.flatnonzero(table.has_flips[branch])
        if rows.size:
            flips = table.flips[branch[rows]]
            for i in range(MAX_FLIPS):
                code = flips[:, i]
                lost = rows[code == -1]
                self.since[lost] = now[lost]
                self.lost[lost] = True
                came_back = code >= 0
                back = rows[came_back]
                if back.size:
                    seconds = now[back] - self.since[back]
                    self.without_seconds[back] += seconds
                    recovered.append((code[came_back], seconds))
        self.situation = table.next[branch]


def run_block(
    table: Table, seed: int, block: int, members: int, horizon: int, checked: NDArray[np.bool_]
) -> tuple[Tally, list[Life]]:
    """Members ``block * BLOCK`` … of a population of ``members``; ``checked[i]``: log member
    ``block * BLOCK + i`` for the oracle."""
    profile = table.shape.profile
    first = block * BLOCK
    count = min(BLOCK, members - first)
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block,))))
    shares = np.cumsum([s.share for s in profile.starts])
    start = np.minimum(np.searchsorted(shares, rng.random(count), side="right"), len(profile.starts) - 1)
    present = np.zeros(count, dtype=np.int64)
    for a, attacker in enumerate(profile.attackers):
        present |= (rng.random(count) < attacker.share).astype(np.int64) << a
    branch = np.empty(count, dtype=np.int64)
    for s, bits in sorted(set(zip(start.tolist(), present.tolist(), strict=True))):
        who = tuple(a for a in range(len(profile.attackers)) if bits >> a & 1)
        branch[(start == s) & (present == bits)] = table.start(s, who)
    rows = _Rows(table, first + np.arange(count, dtype=np.int64), branch)
    lives = {int(i): Life(first + int(i)) for i in np.flatnonzero(checked[:count])}
    for i, life in lives.items():
        life.steps.append((0.0, int(branch[i])))
    recovered: list[tuple[Ints, Floats]] = []
    rows.apply(branch, table.has_slots[branch], rng, recovered)
    rows.refresh(np.arange(count))
    tally = Tally(members=count, events=int(table.events[branch].sum()))
    finished: list[_Rows] = []
    while rows.member.size:
        n = rows.member.size
        situation = rows.situation
        # whole seconds, as on the member's clock (a situation with no rate waits for ever: its
        # mean gap is inf, and a draw of exactly 0 makes NaN, which a timer beats too)
        gap = np.maximum(1.0, np.ceil(rng.standard_exponential(n) * table.mean_gap[situation]))
        rate_at = rows.now + gap
        slot, timer_at = rows.slot, rows.soonest
        by_timer = ~(rate_at < timer_at)  # a tie goes to the timer: a deadline lapses first
        at = np.where(by_timer, timer_at, rate_at)
        going = at < horizon
        if not going.all():
            done = _Rows.__new__(_Rows)
            for name in _Rows.ARRAYS:
                setattr(done, name, getattr(rows, name)[~going])
            finished.append(done)
            rows.keep(going)
            situation, slot, by_timer, at = situation[going], slot[going], by_timer[going], at[going]
            n = rows.member.size
            if not n:
                break
        firing = np.where(by_timer, slot + 1, 0)
        flat = situation * table.firings + firing
        entry = table.entry_of.ravel()[flat]
        missing = np.flatnonzero(entry < 0)
        if missing.size:
            for s, f in sorted(set(zip(situation[missing].tolist(), firing[missing].tolist(), strict=True))):
                table.fill(s, f)
            entry = table.entry_of.ravel()[flat]
        branch = table.first[entry]
        choosing = np.flatnonzero(table.branches[entry] > 1)
        if choosing.size:  # which outcome: one binary search over the whole table (see Table.key)
            drawn = entry[choosing] + rng.random(choosing.size)
            branch[choosing] = np.searchsorted(table.key, drawn, side="right") - 1
        timer_rows = np.flatnonzero(by_timer)
        rows.timers[timer_rows, slot[timer_rows]] = np.inf
        rows.now = at
        if lives:
            for row in np.flatnonzero(np.isin(rows.member - first, list(lives))).tolist():
                lives[int(rows.member[row]) - first].steps.append((float(at[row]), int(branch[row])))
        tally.events += int(table.events[branch].sum())
        sets = table.has_slots[branch]
        rows.apply(branch, sets, rng, recovered)
        rows.refresh(np.flatnonzero(sets | by_timer))
    _add_up(table, tally, finished, recovered, horizon)
    return tally, [lives[i] for i in sorted(lives)]


def _add_up(
    table: Table, tally: Tally, finished: list[_Rows], recovered: list[tuple[Ints, Floats]], horizon: int
) -> None:
    shape = table.shape
    member = np.concatenate([r.member for r in finished])
    order = np.argsort(member, kind="stable")

    def gather(name: str) -> NDArray[Any]:
        return np.concatenate([getattr(r, name) for r in finished])[order]

    situation, since, seconds = gather("situation"), gather("since"), gather("without_seconds")
    without = table.without[situation]
    seconds = seconds + np.where(without, horizon - since, 0.0)
    counts = gather("counts")
    tally.lost += int(gather("lost").sum())
    tally.unrecovered += int(without.sum())
    tally.mean("days_without_online_access", (seconds / DAY).tolist())
    tally.mean("lapses", counts[:, LAPSES].astype(np.float64).tolist())
    tally.mean("desk_calls", counts[:, DESK_CALLS].astype(np.float64).tolist())
    for c, channel in enumerate(shape.channels):
        tally.mean(f"sent_by_{channel}", counts[:, COUNTED + c].astype(np.float64).tolist())
    present, breached = table.present[situation], table.breached[situation]
    for a, attacker in enumerate(shape.profile.attackers):
        tally.attacked[attacker.name] = int((present >> a & 1).sum())
        tally.breached[attacker.name] = int((breached >> a & 1).sum())
    if recovered:
        codes = np.concatenate([c for c, _ in recovered])
        times = np.concatenate([t for _, t in recovered])
        bins = _bins(times)
        for code, channel in enumerate([NONE, *shape.channels]):
            picked = bins[codes == code]
            if picked.size:
                binned = tally.recoveries.setdefault(channel, [0] * BINS)
                for index, hits in enumerate(np.bincount(picked, minlength=BINS).tolist()):
                    binned[index] += hits
