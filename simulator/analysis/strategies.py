"""What the fuzzer tries, as fixed tables derived from the spec: Hypothesis draws one index a step.

Every event's inputs get a table of symbolic options, built once per spec:

- a **secret** input (password, PIN): what the member knows, what was mailed to them and each
  policy's valid literal — the *plausible* values, which make stories that get somewhere — and,
  less often, the previous value, a wrong value, each policy's literal broken in every way the
  policy refuses, and the Unicode traps (:mod:`credlab.simulator.analysis.candidates`);
- a **bool**: both values; a **channel** or **choice**: each declared value;
- an **optional** input: also "not given".

The combinations of an event's inputs are numbered (mixed radix, the first input varying
fastest), so a rule draws a single integer and :meth:`InputTable.pick` decodes it. One draw per
step keeps the fuzzer's cost next to Hypothesis's own (``benchmarks/bench_fuzz.py``), and an
integer shrinks towards 0: the first option of every input, a plausible value.

The clock has a table too (:class:`ClockTable`): to one second before, at and one second after
the limit of each running deadline, where behaviour changes, and a few fixed jumps.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hypothesis import strategies as st

from credlab.model import ir
from credlab.model.engine import Engine, World
from credlab.simulator.analysis.candidates import broken_values, literal_values, trap_values
from credlab.simulator.analysis.paths import deadline_jumps
from credlab.simulator.stories.scenario import Advance, SecretRef, StoryValue

PLAUSIBLE_SHARE = 2
"""Plausible secrets are drawn about this many times as often as all the others together."""

Assignment = tuple[tuple[str, StoryValue], ...]


@dataclass(frozen=True, slots=True)
class InputTable:
    """The options of each input of one event; ``None`` stands for an optional input not given."""

    event: str
    options: tuple[tuple[str, tuple[StoryValue | None, ...]], ...]

    @property
    def size(self) -> int:
        """How many assignments the table numbers."""
        size = 1
        for _, values in self.options:
            size *= len(values)
        return size

    def strategy(self) -> st.SearchStrategy[int] | None:
        """What a rule draws: an assignment number, or nothing for an event without inputs."""
        return st.integers(0, self.size - 1) if self.options else None

    def pick(self, number: int) -> Assignment:
        """The assignment numbered ``number`` (``0 <= number < size``)."""
        chosen = []
        for name, values in self.options:
            number, digit = divmod(number, len(values))
            value = values[digit]
            if value is not None:
                chosen.append((name, value))
        return tuple(chosen)


def _weighted(plausible: list[StoryValue], others: Iterable[StoryValue]) -> tuple[StoryValue, ...]:
    rest = list(dict.fromkeys(o for o in others if o not in plausible))
    repeat = max(1, round(PLAUSIBLE_SHARE * len(rest) / max(len(plausible), 1)))
    return tuple(plausible * repeat + rest)


def secret_options(spec: ir.Spec) -> tuple[StoryValue, ...]:
    """The options of any secret input of ``spec``, plausible ones first and repeated (see the module)."""
    literals = literal_values(spec)
    credentials = list(spec.credentials)
    plausible: list[StoryValue] = [SecretRef("known", c) for c in credentials]
    plausible += [SecretRef("mailed", c) for c in credentials]
    plausible += list(dict.fromkeys(literals.values()))
    others: list[StoryValue] = [SecretRef("previous", c) for c in credentials]
    others += [SecretRef("wrong", c) for c in credentials]
    others += broken_values(spec, literals) + trap_values(spec, literals)
    return _weighted(plausible, others)


def input_tables(spec: ir.Spec, events: Iterable[str]) -> dict[str, InputTable]:
    """A table for each of ``events``."""
    secrets = secret_options(spec)
    tables = {}
    for name in events:
        options: list[tuple[str, tuple[StoryValue | None, ...]]] = []
        for declared in spec.events[name].inputs:
            values: tuple[StoryValue | None, ...]
            if declared.type == "secret":
                values = secrets
            elif declared.type == "bool":
                values = (True, False)
            else:
                values = tuple(declared.values or spec.channels)
            if declared.optional:  # "not given" first (the shrinker's choice), a third of the time
                values = (None,) * max(1, len(values) // 2) + values
            options.append((declared.name, values))
        tables[name] = InputTable(name, tuple(options))
    return tables


@dataclass(frozen=True, slots=True)
class ClockTable:
    """Clock moves: to the limits of the running deadlines (which depend on the world), then fixed jumps."""

    engine: Engine
    jumps: tuple[int, ...]

    @classmethod
    def of(cls, engine: Engine) -> ClockTable:
        durations = engine.durations or (3600,)
        fixed = {1, 60, 3600, 86_400, *(d // 2 for d in durations), *(2 * d for d in durations)}
        return cls(engine, tuple(sorted(s for s in fixed if s > 0)))

    @property
    def sharp(self) -> int:
        """How many numbers go to deadline limits: twice as many as there are limits to land on."""
        return 2 * 3 * len(self.engine.durations)

    def strategy(self) -> st.SearchStrategy[int]:
        return st.integers(0, self.sharp + len(self.jumps) - 1)

    def pick(self, number: int, world: World) -> Advance:
        """Move ``number`` in ``world``: the first numbers land on the limits of the running
        deadlines (where a boundary decides, so they come first and most often), the others jump."""
        if number < self.sharp:
            options = [move.advance for move, _ in deadline_jumps(self.engine, world) if move.advance is not None]
            if options:
                return options[number % len(options)]
        return Advance(seconds=self.jumps[number % len(self.jumps)])
