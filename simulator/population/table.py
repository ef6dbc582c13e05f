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
from credlab.simulator.population.step import LOST, Firing, Outcome, hazards_of, outcomes

UNSET = -2
"""A branch leaves this timer slot alone (-1 clears it; >= 0 is the least offset to set)."""
NO_FLIP = -2
MAX_FLIPS = 4


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
        every = [
            len(shape.plan(state, tuple(range(len(shape.profile.attackers))), after=False))
            for state in shape.spec.states
        ]
        self.rates = max(every, default=0) + len(shape.profile.forgets)
        """Room for hazards per situation; firing f < rates is hazard f, else timer slot f - rates."""
        self.firings = self.rates + shape.slots
        self.situations: list[Situation] = []
        self.numbers: dict[Situation, int] = {}
        # per situation
        self.total_rate = np.zeros(64)
        self.hazard_cum = np.full((64, max(self.rates, 1)), 2.0)
        self.without = np.zeros(64, dtype=bool)
        self.present = np.zeros(64, dtype=np.int64)
        self.breached = np.zeros(64, dtype=np.int64)
        self.entry_of = np.full((64, self.firings), -1, dtype=np.int64)
        # per entry
        self.entries = 0
        self.first = np.zeros(64, dtype=np.int64)
        self.cum = np.full((64, 1), 2.0)
        # per branch
        self.outcomes: list[Outcome] = []
        self.next = np.zeros(64, dtype=np.int64)
        self.slot_low = np.full((64, max(shape.slots, 1)), UNSET, dtype=np.int64)
        self.slot_high = np.full((64, max(shape.slots, 1)), UNSET, dtype=np.int64)
        self.events = np.zeros(64, dtype=np.int64)
        self.lapses = np.zeros(64, dtype=np.int64)
        self.desk_calls = np.zeros(64, dtype=np.int64)
        self.sent = np.zeros((64, max(len(shape.channels), 1)), dtype=np.int64)
        self.flips = np.full((64, MAX_FLIPS), NO_FLIP, dtype=np.int64)
        self.starts: dict[tuple[int, tuple[int, ...]], int] = {}

    # --- situations ----------------------------------------------------------------------------
    def number(self, situation: Situation) -> int:
        known = self.numbers.get(situation)
        if known is not None:
            return known
        s = self.numbers[situation] = len(self.situations)
        self.situations.append(situation)
        rows = s + 1
        self.total_rate = _grown(self.total_rate, rows, 0.0)
        self.hazard_cum = _grown(self.hazard_cum, rows, 2.0)
        self.without = _grown(self.without, rows, False)
        self.present = _grown(self.present, rows, 0)
        self.breached = _grown(self.breached, rows, 0)
        self.entry_of = _grown(self.entry_of, rows, -1)
        rates = [rate for rate, _ in hazards_of(self.shape, situation)]
        total = sum(rates)
        self.total_rate[s] = total
        running = 0.0
        for i, rate in enumerate(rates[:-1]):
            running += rate
            self.hazard_cum[s, i] = running / total
        self.without[s] = situation.without
        self.present[s] = sum(1 << a for a in situation.present)
        self.breached[s] = sum(1 << a for a, hit in zip(situation.present, situation.breached, strict=True) if hit)
        return s

    # --- entries ---------------------------------------------------------------------------------
    def fill(self, s: int, f: int) -> int:
        """The entry of firing ``f`` in situation ``s``, played now if it is new."""
        entry = int(self.entry_of[s, f])
        if entry < 0:
            firing = Firing(True, f) if f < self.rates else Firing(False, f - self.rates)
            entry = self._entry(outcomes(self.shape, self.situations[s], firing))
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
        if len(found) > self.cum.shape[1]:
            wider = np.full((self.cum.shape[0], len(found)), 2.0)
            wider[:, : self.cum.shape[1]] = self.cum
            self.cum = wider
        self.cum = _grown(self.cum, entry + 1, 2.0)
        self.first[entry] = first
        running = 0.0
        for i, (probability, _) in enumerate(found[:-1]):
            running += probability
            self.cum[entry, i] = running
        for _, outcome in found:
            self._branch(outcome)
        return entry

    def _branch(self, outcome: Outcome) -> None:
        b = len(self.outcomes)
        self.outcomes.append(outcome)
        rows = b + 1
        for name, fill in (
            ("next", 0),
            ("slot_low", UNSET),
            ("slot_high", UNSET),
            ("events", 0),
            ("lapses", 0),
            ("desk_calls", 0),
            ("sent", 0),
            ("flips", NO_FLIP),
        ):
            setattr(self, name, _grown(getattr(self, name), rows, fill))
        self.next[b] = self.number(outcome.situation)
        for slot, low, high in outcome.slots:
            self.slot_low[b, slot], self.slot_high[b, slot] = low, high
        self.events[b], self.lapses[b], self.desk_calls[b] = outcome.events, outcome.lapses, outcome.desk_calls
        self.sent[b, : len(outcome.sent)] = outcome.sent
        if len(outcome.flips) > MAX_FLIPS:  # pragma: no cover - access lost and back twice in one step
            raise ValueError("a step flipped online access more than four times")
        for i, flip in enumerate(outcome.flips):
            self.flips[b, i] = LOST if flip == LOST else flip
