"""Attacker analysis: one search per capability set from every situation the member reaches
gives what a search from each of those situations on its own would give."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pytest

from credlab.model.engine import Engine
from credlab.model.loader import load_spec
from credlab.simulator.analysis.attacker import (
    GOALS,
    AttackAnalysis,
    Capability,
    attacker_actor,
    capability_universe,
    search,
)
from credlab.simulator.analysis.explore import Explorer
from credlab.simulator.stories.knowledge import Knowledge
from tests.conftest import REPO

SPECS = [
    REPO / "tests" / "simulator" / "fixtures" / "timing" / "bank_card_lifetime.yaml",
    REPO / "tests" / "model" / "good_specs" / "bank_card_pin.yaml",
]


def _one_start_at_a_time(engine: Engine, chosen: tuple[Capability, ...], goal: str) -> int | None:
    """The search the multi-start one replaced: from each member situation on its own, the fewest
    attacker steps to the goal."""
    from credlab.simulator.analysis.attacker import _goal_reached

    member = Explorer(engine).explore()
    has = frozenset(c.name for c in chosen if c.kind == "has")
    best: int | None = None
    for node, (world, knowledge) in enumerate(member.worlds):
        held = Knowledge()
        for c in chosen:
            value = knowledge.resolve("known", c.name) if c.kind == "knows" else None
            if value is not None and world.credentials[engine.credential_index[c.name]] is not None:
                held = held.learn(c.name, value)
        explorer = Explorer(engine, attacker_actor(engine.spec), capabilities=has)
        found = explorer.explore(starts=[("start", world, held, member.zones[node])], check=False)
        assert found.complete
        for reached, (w, k) in enumerate(found.worlds):  # breadth-first: the first is the nearest
            if _goal_reached(engine, goal, w, k):
                depth = len(found.timed(reached))
                best = depth if best is None else min(best, depth)
                break
    return best


@pytest.mark.parametrize("path", SPECS, ids=lambda p: Path(p).stem)
def test_one_pass_per_capability_set_equals_a_search_from_each_situation(path: Path) -> None:
    engine = Engine(load_spec(path))
    member = Explorer(engine).explore()
    universe = capability_universe(engine.spec)
    goals = [g for g in GOALS if any(c.kind in GOALS[g] for c in engine.spec.channels.values())]
    compared = 0
    for size in range(len(universe) + 1):
        for chosen in combinations(universe, size):
            analysis = AttackAnalysis()
            search(engine, member, chosen, goals, 200_000, analysis)
            assert analysis.undecided == []
            one_pass = {a.goal: a.depth for a in analysis.attacks}
            for goal in goals:
                assert one_pass.get(goal) == _one_start_at_a_time(engine, chosen, goal), (chosen, goal)
                compared += 1
    assert compared >= 8


def test_an_attacker_search_stopped_by_its_bound_is_undecided_not_safe() -> None:
    """Not reached within the bound is not unreachable: the goal is undecided, with the count."""
    engine = Engine(load_spec(REPO / "spec" / "ana_web_password.yaml"))
    member = Explorer(engine).explore()
    mailbox = tuple(c for c in capability_universe(engine.spec) if c.name == "mailbox")
    analysis = AttackAnalysis()
    search(engine, member, mailbox, list(GOALS), 5, analysis)
    assert analysis.attacks == []
    assert analysis.undecided == [(goal, mailbox, 5) for goal in GOALS]
    search(engine, member, mailbox, list(GOALS), 200_000, analysis)  # with room, both are found
    assert {a.goal for a in analysis.attacks} == set(GOALS)
