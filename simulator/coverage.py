"""Which states and transitions of a spec a set of runs exercised, and which it never touched."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from model import ir


@dataclass(slots=True)
class Coverage:
    spec: ir.Spec
    states: set[str] = field(default_factory=set)
    transitions: set[str] = field(default_factory=set)

    def add(self, states: Iterable[str], transitions: Iterable[str]) -> None:
        self.states.update(states)
        self.transitions.update(transitions)

    def missed_states(self) -> list[str]:
        return [name for name in self.spec.states if name not in self.states]

    def missed_transitions(self) -> list[str]:
        return [t.id for t in self.spec.transitions if t.id not in self.transitions]

    def complete(self) -> bool:
        return not self.missed_states() and not self.missed_transitions()

    def json(self) -> dict[str, Any]:
        """``{"states": {"covered", "total", "missed"}, "transitions": {...}}`` (diagrams read it)."""
        return {
            "states": {
                "covered": len(self.spec.states) - len(self.missed_states()),
                "total": len(self.spec.states),
                "missed": self.missed_states(),
            },
            "transitions": {
                "covered": len(self.spec.transitions) - len(self.missed_transitions()),
                "total": len(self.spec.transitions),
                "missed": self.missed_transitions(),
            },
        }

    def text(self) -> str:
        return coverage_text(self.json())


def coverage_text(data: dict[str, Any]) -> str:
    """The one-or-three-line text form of a coverage report (see :meth:`Coverage.json`)."""
    lines = [
        f"coverage: states {data['states']['covered']}/{data['states']['total']}, "
        f"transitions {data['transitions']['covered']}/{data['transitions']['total']}"
    ]
    if data["states"]["missed"]:
        lines.append("  never reached: " + ", ".join(data["states"]["missed"]))
    if data["transitions"]["missed"]:
        lines.append("  never fired: " + ", ".join(data["transitions"]["missed"]))
    return "\n".join(lines)
