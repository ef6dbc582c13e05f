"""``credlab conform``: the spec's story library driven through a system under test.

Every story runs on the spec and the target in lock step (:mod:`credlab.simulator.conform.run`).
A story the target cannot start (it begins in a state the system cannot be put in) is skipped
with the reason; a story that fails on the spec itself is reported as such, never as the
system's fault. Each divergence is written as the shortest story that shows it: the story up to
the divergent step, its last expectation the spec's behaviour, so that ``credlab simulate``
passes it on the spec and ``credlab conform`` fails it on the system.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from credlab.model import ir
from credlab.model.engine import Engine
from credlab.model.errors import Location
from credlab.model.machine import CompiledSpec
from credlab.model.node import replace
from credlab.simulator.analysis.paths import Move
from credlab.simulator.analysis.shortest import shortest_paths
from credlab.simulator.conform.run import ConformRun, conform_scenario
from credlab.simulator.conform.target import CannotStart, Target
from credlab.simulator.conform.walk import WALK, diverging_walk
from credlab.simulator.outputs import write_atomic
from credlab.simulator.results import Json
from credlab.simulator.stories.runner import Divergence
from credlab.simulator.stories.scenario import Expectation, Given, Scenario, default_actor
from credlab.simulator.stories.writer import scenario_file

PATHS = "<shortest paths>"
"""Where coverage-directed stories come from (no file: the spec's own search)."""


@dataclass(frozen=True, slots=True)
class ConformDivergence:
    story: str
    source: str
    """The story's file:line."""
    step: int
    expected: str
    observed: str
    scenario_file: str
    """The shortest story showing it, written for replay."""
    exchange: tuple[str, ...]
    """What was said to the system, step by step (secrets redacted)."""


@dataclass(frozen=True, slots=True)
class ConformReport:
    spec: str
    target: str
    stories: int
    steps: int
    divergences: tuple[ConformDivergence, ...]
    skipped: tuple[tuple[str, str], ...]
    """(story, why the target could not start it)."""
    spec_failures: tuple[tuple[str, str], ...]
    """(story, what failed on the spec itself): a story to fix, not the system."""
    states: tuple[int, int]
    transitions: tuple[int, int]
    played: tuple[tuple[str, str], ...] = ()
    """(story, its file:line) for every story driven, in order (a random walk is ``random_walk``)."""

    @property
    def ok(self) -> bool:
        return not self.divergences and not self.spec_failures

    def to_json(self) -> Json:
        return {
            "ok": self.ok,
            "spec": self.spec,
            "target": self.target,
            "stories": self.stories,
            "steps": self.steps,
            "divergences": [
                {
                    "scenario_file": d.scenario_file,
                    "story": d.story,
                    "source": d.source,
                    "step": d.step,
                    "expected": d.expected,
                    "observed": d.observed,
                    "exchange": list(d.exchange),
                }
                for d in self.divergences
            ],
            "skipped": [{"story": name, "why": why} for name, why in self.skipped],
            "spec_failures": [{"story": name, "failure": why} for name, why in self.spec_failures],
            "coverage": {
                "states": {"covered": self.states[0], "total": self.states[1]},
                "transitions": {"covered": self.transitions[0], "total": self.transitions[1]},
            },
        }


def _file_name(spec: ir.Spec, story: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{spec.name}-{story}") + ".yaml"


def shortest_story(spec: ir.Spec, scenario: Scenario, run: ConformRun, step: int, target: str) -> str:
    """The story up to ``step``, its last expectation what the spec did there."""
    steps = [s for s in scenario.steps if s.number <= step]
    last = steps[-1]
    access = last.expect.access if last.expect is not None else None
    steps[-1] = replace(last, expect=Expectation(state=run.spec_state, accepted=run.spec_accepted, access=access))
    given = scenario.given
    return scenario_file(
        spec=spec.name,
        name=f"conform_{scenario.name}",
        description=f"{scenario.name}, up to the step where {target} departs from the spec.",
        state=given.state,
        credentials=dict(given.credentials),
        steps=steps,
        header=(
            f"Written by `credlab conform` against {target}: the spec passes this story (credlab simulate),",
            "the system does not. Replay it with credlab conform to check a fix.",
        ),
        flags=dict(given.flags),
        running=given.running,
        grants={actor: (has, knows) for actor, has, knows in given.grants},
    )


def _diverged(
    spec: ir.Spec, scenario: Scenario, run: ConformRun, failure: Divergence, target: Target, out: Path
) -> ConformDivergence:
    """The divergence, its shortest story written under ``out``."""
    path = out / _file_name(spec, scenario.name)
    write_atomic(path, shortest_story(spec, scenario, run, failure.step, target.name))
    return ConformDivergence(
        scenario.name,
        f"{scenario.loc.path}:{scenario.loc.line}",
        failure.step,
        failure.expected,
        failure.actual,
        str(path),
        tuple(f"#{n} {line}" for n, line in run.exchanges if n <= failure.step),
    )


def path_stories(spec: ir.Spec, parameters: dict[str, int]) -> list[Scenario]:
    """The coverage-directed driver's stories: the shortest story to every transition and every
    state of the spec (from its own breadth-first search), shortest first, each once."""
    paths = shortest_paths(Engine(spec, parameters))
    actor = default_actor(spec)
    every = {
        **{f"state_{s}": p for s, p in paths.states.items()},
        **{f"fire_{t}": p for t, p in paths.transitions.items()},
    }
    seen: set[tuple[str, tuple[Move, ...]]] = set()
    stories: list[Scenario] = []
    for name, (state, moves) in sorted(every.items(), key=lambda item: (len(item[1][1]), item[0])):
        if (state, moves) in seen or not moves:
            continue
        seen.add((state, moves))
        where = Location(PATHS, len(stories) + 1)
        steps = tuple(move.as_step(n, where, actor) for n, move in enumerate(moves, start=1))
        stories.append(Scenario(f"shortest_to_{name}", PATHS, where, spec.name, Given(state, actor), steps))
    return stories


def conform(
    spec: ir.Spec,
    parameters: dict[str, int],
    scenarios: list[Scenario],
    target: Target,
    out: Path,
    seed: int = 0,
    walks: int = 0,
    walk_steps: int = 20,
) -> ConformReport:
    """Every story in lock step on the spec and ``target``; then, with ``walks``, that many
    random walks of at most ``walk_steps`` steps (Hypothesis, shrunk on divergence)."""
    compiled = CompiledSpec(spec, parameters)
    divergences: list[ConformDivergence] = []
    skipped: list[tuple[str, str]] = []
    failures: list[tuple[str, str]] = []
    states: set[str] = set()
    transitions: set[str] = set()
    steps = 0
    played: list[tuple[str, str]] = []
    for scenario in scenarios:
        played.append((scenario.name, f"{scenario.loc.path}:{scenario.loc.line}"))
        try:
            run = conform_scenario(compiled, scenario, target, seed)
        except CannotStart as why:
            skipped.append((scenario.name, str(why)))
            continue
        result = run.result
        steps += result.steps_run
        states |= result.states
        transitions |= result.transitions
        failure = result.failure
        if failure is None:
            continue
        if failure.kind != "conformance":
            failures.append((scenario.name, failure.message()))
            continue
        divergences.append(_diverged(spec, scenario, run, failure, target, out))
    if walks:
        found, walked = diverging_walk(compiled, target, examples=walks, steps=walk_steps, seed=seed)
        steps += walked
        played.append((f"random_walk_{seed}", f"{WALK}:1"))
        if found is not None and found.failure is not None:
            divergences.append(_diverged(spec, found.scenario, found.run, found.failure, target, out))
    return ConformReport(
        spec.path,
        target.name,
        len(scenarios),
        steps,
        tuple(sorted(divergences, key=lambda d: (d.step, d.story))),  # the shortest story first
        tuple(skipped),
        tuple(failures),
        (len(states & set(spec.states)), len(spec.states)),
        (len(transitions), len(spec.transitions)),
        tuple(played),
    )
