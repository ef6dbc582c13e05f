"""Which states and transitions of a spec a set of runs exercised, and which it never touched."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from credlab.model import ir
from credlab.simulator.results import CoverageReport, Tally


@dataclass(slots=True)
class Coverage:
    """Accumulates what runs exercised; :meth:`report` is the typed result."""

    spec: ir.Spec
    states: set[str] = field(default_factory=set)
    transitions: set[str] = field(default_factory=set)

    def add(self, states: Iterable[str], transitions: Iterable[str]) -> None:
        self.states.update(states)
        self.transitions.update(transitions)

    def report(self) -> CoverageReport:
        missed_states = tuple(name for name in self.spec.states if name not in self.states)
        missed_transitions = tuple(t.id for t in self.spec.transitions if t.id not in self.transitions)
        states, transitions = len(self.spec.states), len(self.spec.transitions)
        return CoverageReport(
            Tally(states - len(missed_states), states, missed_states),
            Tally(transitions - len(missed_transitions), transitions, missed_transitions),
        )
