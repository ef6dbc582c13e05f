"""The random-walk driver: Hypothesis chooses stories, the spec and the system play them in lock
step, and a divergence is shrunk to the shortest choice list that still shows it.

A walk starts with the shortest story to one of the spec's transitions or states (Hypothesis's
first choice picks which: random steps rarely reach deep situations by chance), then goes on at
random. At each step the choices are the events the
member can cause, with every input assignment the searches use (values the member knows or was
mailed, listed literals, wrong values), and the clock moves around each running deadline's limit
(a second before, at, a second after) — only those the member can actually make, so a walk never
fails on the spec for want of a value. Hypothesis draws integers that pick among them; ``find``
shrinks a diverging list, so the story written is short and replays deterministically.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from credlab.model import ir
from credlab.model.engine import Engine
from credlab.model.errors import Location
from credlab.model.machine import CompiledSpec, Member
from credlab.simulator.analysis.paths import Move, causable, input_choices, start_values
from credlab.simulator.analysis.shortest import shortest_paths
from credlab.simulator.conform.run import ConformRun
from credlab.simulator.conform.target import Target
from credlab.simulator.stories.runner import Divergence, StopRun
from credlab.simulator.stories.scenario import Advance, Given, Scenario, SecretRef, Step, default_actor

WALK = "<random walk>"


@dataclass(frozen=True, slots=True)
class Walk:
    scenario: Scenario
    """The steps the choices made, as a story."""
    run: ConformRun
    failure: Divergence | None


def options(run: ConformRun, member: Member, actor: str | None) -> list[Move]:
    """The moves the member can make now, in a stable order."""
    spec = run.spec
    has = frozenset(run.capabilities[actor]) if actor is not None else frozenset()
    literals = start_values(spec)
    moves: list[Move] = []
    for name in causable(spec, has):
        for inputs in input_choices(spec, spec.events[name], literals):
            if all(_can_present(run, actor, value) for _, value in inputs):
                moves.append(Move(event=name, inputs=inputs))
    record = member.record
    for deadline, started in record.deadlines.items():
        if started is None:
            continue
        for offset in (-1, 0, 1):
            if started + run.compiled.runtime.durations[deadline] + offset >= record.now:
                moves.append(Move(advance=Advance(until=deadline, offset=offset)))
    return moves


def _can_present(run: ConformRun, actor: str | None, value: object) -> bool:
    if not isinstance(value, SecretRef) or value.kind == "wrong":
        return True
    if actor is None:
        return False
    device = run.spec.credentials[value.credential].device
    held = device is None or device in run.capabilities[actor]
    return held and run.knowledge[actor].resolve(value.kind, value.credential) is not None


def prefixes(compiled: CompiledSpec) -> list[tuple[str, tuple[Move, ...]]]:
    """Where walks start: the empty story in the first initial state, then the shortest story to
    every transition and state, shortest first."""
    spec = compiled.spec
    paths = shortest_paths(Engine(spec, compiled.parameters))
    found = sorted(
        set(paths.transitions.values()) | set(paths.states.values()), key=lambda p: (len(p[1]), p[0], repr(p[1]))
    )
    return [(spec.initial[0], ()), *found]


def walk(
    compiled: CompiledSpec,
    target: Target,
    choices: list[int],
    seed: int = 0,
    starts: list[tuple[str, tuple[Move, ...]]] | None = None,
) -> Walk:
    """Play the story ``choices`` pick (the first: where it starts, among ``starts``), on the spec
    and ``target`` in lock step."""
    spec: ir.Spec = compiled.spec
    actor = default_actor(spec)
    starts = starts or [(spec.initial[0], ())]
    state, prefix = starts[choices[0] % len(starts)] if choices else starts[0]
    given = Given(state, actor)
    run = ConformRun(compiled, Scenario("walk", WALK, Location(WALK), spec.name, given, ()), target, seed)
    member = run.start()
    steps: list[Step] = []
    failure = None
    planned: list[Move | int] = [*prefix, *choices[1:]]
    try:
        for number, choice in enumerate(planned, start=1):
            if isinstance(choice, Move):
                move = choice
            else:
                available = options(run, member, actor)
                if not available:
                    break
                move = available[choice % len(available)]
            step = move.as_step(number, Location(WALK, number), actor, accepted=False)
            steps.append(step)
            run.play(member, step)
    except StopRun as stop:
        failure = stop.divergence
    finally:
        compiled.release(member)
        target.close()
    scenario = Scenario(f"random_walk_{seed}", WALK, Location(WALK), spec.name, given, tuple(steps))
    return Walk(scenario, run, failure)


def diverging_walk(
    compiled: CompiledSpec, target: Target, *, examples: int, steps: int, seed: int
) -> tuple[Walk | None, int]:
    """The shortest diverging walk Hypothesis finds in ``examples`` tries (None if none), and how
    many steps the tries played."""
    from hypothesis import HealthCheck, find, settings
    from hypothesis import strategies as st
    from hypothesis.errors import NoSuchExample

    played = [0]
    starts = prefixes(compiled)

    def diverges(choices: list[int]) -> bool:
        found = walk(compiled, target, choices, seed, starts)
        played[0] += len(found.scenario.steps)
        return found.failure is not None and found.failure.kind == "conformance"

    config = settings(
        max_examples=examples,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    try:
        choices = find(
            st.lists(st.integers(0, 1 << 16), max_size=steps), diverges, settings=config, random=random.Random(seed)
        )
    except NoSuchExample:
        return None, played[0]
    return walk(compiled, target, choices, seed, starts), played[0]
