"""The outcome table: situations numbered as met, each firing's outcomes filled in once.

The table engine (:mod:`.block`) asks, for a whole block of members at once, "what does firing
``f`` do in situation ``s``?". The first time a pair is asked, :func:`.step.outcomes` plays it on
the reference engine and the answer — every branch with its probability, the next situation,
the timers to set, what to count — is written into flat ``numpy`` arrays; every later member in
that situation with that firing reads the arrays. A year of ANA members meets a few thousand
pairs; after the first block the table is nearly complete and the engine never leaves numpy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from credlab.simulator.population.situation import Shape, Situation, initial
from credlab.simulator.population.step import Firing, Outcome, hazards_of, outcomes

UNSET = -2
"""A branch leaves this timer slot alone (-1 clears it; >= 0 is the least offset to set)."""
NO_FLIP = -2
MAX_FLIPS = 4
LAPSES, DESK_CALLS, COUNTED = 0, 1, 2
"""Columns of :attr:`Table.counts` (messages sent per channel follow); events are :attr:`Table.events`."""


def _grown(array: NDArray[Any], rows: int, fill: float | int) -> Any:
    """``array`` with at least ``rows`` rows (capacity doubles), new rows ``fill``."""
    if rows <= array.shape[0]:
        return array
    bigger = np.full((max(rows, 2 * array.shape[0]), *array.shape[1:]), fill, dtype=array.dtype)
    bigger[: array.shape[0]] = array
    return bigger


class Table:
    """Situations and their firings' outcomes for one :class:`Shape`, as numpy arrays."""

    def __init__(self, shape: Shape) -> None:
        self.shape = shape
        self.firings = 1 + shape.slots
        """Firing 0: one of the situation's rates; firing 1 + k: timer slot k."""
        self.situations: list[Situation] = []
        self.numbers: dict[Situation, int] = {}
        # per situation
        self.mean_gap = np.full(64, np.inf)
        """Per situation: the mean time to its next rate firing (1 / total rate; inf: none)."""
        self.without = np.zeros(64, dtype=bool)
        self.present = np.zeros(64, dtype=np.int64)
        self.breached = np.zeros(64, dtype=np.int64)
        self.entry_of = np.full((64, self.firings), -1, dtype=np.int64)
        """Per situation and firing, the entry (-1: not met yet); read flat, ``s * firings + f``."""
        # per entry
        self.entries = 0
        self.first = np.zeros(64, dtype=np.int64)
        self.branches = np.zeros(64, dtype=np.int64)
        """How many branches (one: nothing to draw)."""
        # per branch
        self.outcomes: list[Outcome] = []
        self.key = np.full(64, np.inf)
        """Per branch: its entry's number plus the probability of the entry's earlier branches.
        Branches are numbered entry after entry, so the keys ascend: the branch of entry ``e``
        that a uniform draw ``u`` picks is the last whose key is at most ``e + u`` (one binary
        search over the whole table for a block of members at once)."""
        self.probability = np.zeros(64)
        self.next = np.zeros(64, dtype=np.int64)
        self.slot_low = np.full((64, max(shape.slots, 1)), UNSET, dtype=np.int64)
        self.slot_high = np.full((64, max(shape.slots, 1)), UNSET, dtype=np.int64)
        self.counts = np.zeros((64, COUNTED + len(shape.channels)), dtype=np.int64)
        """Per branch: lapses, desk calls, then messages sent per channel (what is counted per member)."""
        self.events = np.zeros(64, dtype=np.int64)
        self.flips = np.full((64, MAX_FLIPS), NO_FLIP, dtype=np.int64)
        self.has_slots = np.zeros(64, dtype=bool)
        self.has_flips = np.zeros(64, dtype=bool)
        self.has_counts = np.zeros(64, dtype=bool)
        """Per branch: counts something per member (a lapse, a desk call, a message)."""
        self.starts: dict[tuple[int, tuple[int, ...]], int] = {}

    # --- situations ----------------------------------------------------------------------------
    def number(self, situation: Situation) -> int:
        known = self.numbers.get(situation)
        if known is not None:
            return known
        s = self.numbers[situation] = len(self.situations)
        self.situations.append(situation)
        rows = s + 1
        self.mean_gap = _grown(self.mean_gap, rows, np.inf)
        self.without = _grown(self.without, rows, False)
        self.present = _grown(self.present, rows, 0)
        self.breached = _grown(self.breached, rows, 0)
        self.entry_of = _grown(self.entry_of, rows, -1)
        total = sum(rate for rate, _ in hazards_of(self.shape, situation))
        self.mean_gap[s] = 1.0 / total if total > 0 else np.inf
        self.without[s] = situation.without
        self.present[s] = sum(1 << a for a in situation.present)
        self.breached[s] = sum(1 << a for a, hit in zip(situation.present, situation.breached, strict=True) if hit)
        return s

    # --- entries ---------------------------------------------------------------------------------
    def fill(self, s: int, f: int) -> int:
        """The entry of firing ``f`` in situation ``s``, played now if it is new."""
        entry = int(self.entry_of[s, f])
        if entry < 0:
            situation = self.situations[s]
            if f == 0:  # one of the rates: each with its share of the total
                hazards = hazards_of(self.shape, situation)
                total = sum(rate for rate, _ in hazards)
                found: dict[Outcome, float] = {}
                for j, (rate, _) in enumerate(hazards):
                    for probability, outcome in outcomes(self.shape, situation, Firing(True, j)):
                        found[outcome] = found.get(outcome, 0.0) + probability * rate / total
                played = sorted(((p, o) for o, p in found.items()), key=lambda po: -po[0])
            else:
                played = outcomes(self.shape, situation, Firing(False, f - 1))
            entry = self._entry(played)
            self.entry_of[s, f] = entry
        return entry

    def start(self, start: int, present: tuple[int, ...]) -> int:
        """The one branch of a member starting with ``profile.starts[start]`` and attackers ``present``."""
        key = (start, present)
        if key not in self.starts:
            chosen = self.shape.profile.starts[start]
            situation = initial(self.shape, chosen.state, chosen.credentials, chosen.flags, present)
            found = outcomes(self.shape, situation, None)
            assert len(found) == 1, "a start involves no chance"
            self.starts[key] = int(self.first[self._entry(found)])
        return self.starts[key]

    def _entry(self, found: list[tuple[float, Outcome]]) -> int:
        entry, first = self.entries, len(self.outcomes)
        self.entries += 1
        self.first = _grown(self.first, entry + 1, 0)
        self.first[entry] = first
        self.branches = _grown(self.branches, entry + 1, 0)
        self.branches[entry] = len(found)
        before = 0.0
        for probability, outcome in found:
            self._branch(outcome, entry + min(before, 1.0 - 1e-12) if before else float(entry), probability)
            before += probability
        return entry

    def _branch(self, outcome: Outcome, key: float, probability: float) -> None:
        b = len(self.outcomes)
        self.outcomes.append(outcome)
        rows = b + 1
        for name, fill in (
            ("next", 0),
            ("key", np.inf),
            ("probability", 0.0),
            ("events", 0),
            ("slot_low", UNSET),
            ("slot_high", UNSET),
            ("counts", 0),
            ("flips", NO_FLIP),
            ("has_slots", False),
            ("has_flips", False),
            ("has_counts", False),
        ):
            setattr(self, name, _grown(getattr(self, name), rows, fill))
        self.key[b], self.probability[b] = key, probability
        self.events[b] = outcome.events
        self.next[b] = self.number(outcome.situation)
        for slot, low, high in outcome.slots:
            self.slot_low[b, slot], self.slot_high[b, slot] = low, high
        self.has_slots[b] = bool(outcome.slots)
        self.counts[b, :COUNTED] = (outcome.lapses, outcome.desk_calls)
        self.counts[b, COUNTED:] = outcome.sent
        self.has_counts[b] = bool(self.counts[b].any())
        if len(outcome.flips) > MAX_FLIPS:  # pragma: no cover - access lost and back twice in one step
            raise ValueError("a step flipped online access more than four times")
        self.has_flips[b] = bool(outcome.flips)
        for i, flip in enumerate(outcome.flips):
            self.flips[b, i] = flip
