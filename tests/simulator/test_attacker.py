"""Attacker analysis: one search per capability set from every situation the member reaches
gives what a search from each of those situations on its own would give."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pytest

from credlab.model.engine import Engine, World
from credlab.model.ir import Spec
from credlab.model.loader import load_spec
from credlab.simulator.analysis.attacker import (
    GOALS,
    AttackAnalysis,
    Capability,
    attacker_actor,
    attacks,
    capability_universe,
    search,
)
from credlab.simulator.analysis.explore import Explorer
from credlab.simulator.stories.knowledge import Knowledge
from tests.conftest import REPO

SPECS = [
    REPO / "tests" / "simulator" / "fixtures" / "timing" / "bank_card_lifetime.yaml",
    REPO / "tests" / "model" / "good_specs" / "bank_card_pin.yaml",
    REPO / "spec" / "bank_card.yaml",  # the card in the slot: access that requires a capability
    REPO / "tests" / "simulator" / "fixtures" / "findings" / "totp_login.yaml",  # a code only the phone shows
]


def grid_with_a_mailed_reset(n: int) -> str:
    """An n-by-n grid of states (as ``../shared/peers/gen_specs.py grid``) whose far corner can
    mail a new PIN: an attacker holding the mailbox must walk there first, from wherever."""
    cells = [(r, c) for r in range(n) for c in range(n)]
    moves = {"up": (-1, 0), "down": (1, 0), "left": (0, -1), "right": (0, 1)}
    lines = [
        "credlab: 1",
        f"name: mailed_grid_{n}",
        "title: A grid with a mailed PIN",
        "sources:",
        "  rule: Generated test machine; this sentence is cited by every element.",
        "credentials:",
        "  pin: {kind: pin, policy: pin, initially_set: true, source: rule}",
        "policies:",
        "  pin:",
        "    kind: pin",
        "    rules:",
        "      - {id: four, severity: reject, check: {length: {min: 4, max: 4}}, message: four, source: rule}",
        "      - {id: digits, severity: reject, check: {alphabet: [ascii_digit]}, message: digits, source: rule}",
        "capabilities:",
        "  mailbox: Reads the member's email.",
        "channels:",
        "  web: {kind: online}",
        "  email: {kind: email, reaches: mailbox}",
        "access:",
        "  - {channel: web, credential: pin, source: rule}",
        "actors:",
        "  member: {knows: [pin], has: [mailbox]}",
        "  attacker: {}",
        "messages:",
        "  pin_mail: {via: email, carries: pin, source: rule}",
        "states:",
        *(f"  r{r}c{c}: {{description: cell, source: rule}}" for r, c in cells),
        "initial: r0c0",
        "events:",
        *(f"  {name}: {{source: rule}}" for name in (*moves, "mail_pin")),
        "transitions:",
    ]
    for r, c in cells:
        for name, (dr, dc) in moves.items():
            if 0 <= r + dr < n and 0 <= c + dc < n:
                lines.append(
                    f"  - {{id: {name}_{r}_{c}, event: {name}, from: r{r}c{c}, to: r{r + dr}c{c + dc}, source: rule}}"
                )
    lines.append(
        f"  - {{id: mail_pin, event: mail_pin, from: r{n - 1}c{n - 1}, "
        "do: [{randomize_credential: pin}, {send: pin_mail}], source: rule}"
    )
    return "\n".join(lines) + "\n"


def _goal_reached(engine: Engine, goal: str, world: World, knowledge: Knowledge, has: frozenset[str]) -> bool:
    """The oracle: what the attacker knows, with what they hold, gets them in on one of the goal's channels."""
    channels = [name for name, channel in engine.spec.channels.items() if channel.kind in GOALS[goal]]
    values = {v for _, history in knowledge.known for v in history}
    return any(engine.grants(world, channel, values, has) for channel in channels)


def _one_start_at_a_time(engine: Engine, chosen: tuple[Capability, ...], goal: str) -> int | None:
    """The search the multi-start one replaced: from each member situation on its own, the fewest
    attacker steps to the goal."""
    member = Explorer(engine).explore()
    has = frozenset(c.name for c in chosen if c.kind == "has")
    best: int | None = None
    for node, (world, knowledge) in enumerate(member.worlds):
        held = Knowledge()
        for c in chosen:
            value = knowledge.resolve("known", c.name) if c.kind == "knows" else None
            if value is not None and world.credentials[engine.credential_index[c.name]] is not None:
                held = held.learn(c.name, value)
        for name, credential in engine.spec.credentials.items():  # the device shows its code
            value = knowledge.resolve("known", name) if credential.device in has else None
            if value is not None and world.credentials[engine.credential_index[name]] is not None:
                held = held.learn(name, value)
        explorer = Explorer(engine, attacker_actor(engine.spec), capabilities=has)
        found = explorer.explore(starts=[("start", world, held, member.zones[node])], check=False)
        assert found.complete
        for reached, (w, k) in enumerate(found.worlds):  # breadth-first: the first is the nearest
            if _goal_reached(engine, goal, w, k, has):
                depth = len(found.timed(reached))
                best = depth if best is None else min(best, depth)
                break
    return best


@pytest.mark.parametrize("path", [*SPECS, "grid"], ids=lambda p: Path(p).stem)
def test_one_pass_per_capability_set_equals_a_search_from_each_situation(path: Path | str, tmp_path: Path) -> None:
    if path == "grid":
        path = tmp_path / "mailed_grid.yaml"
        path.write_text(grid_with_a_mailed_reset(4), encoding="utf-8")
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
    assert compared >= 4


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


def test_on_the_grid_the_mailbox_alone_is_enough_after_the_shortest_walk(tmp_path: Path) -> None:
    """From the cell nearest the corner, one step and the mail: the fewest over every start."""
    path = tmp_path / "mailed_grid.yaml"
    path.write_text(grid_with_a_mailed_reset(5), encoding="utf-8")
    engine = Engine(load_spec(path))
    member = Explorer(engine).explore()
    analysis = attacks(engine, member)
    assert sorted(str(c) for a in analysis.attacks for c in a.capabilities) == ["mailbox", "the member's pin"]
    [attack] = [a for a in analysis.attacks if str(a.capabilities[0]) == "mailbox"]
    assert attack.start.state == "r4c4" and attack.depth == 1  # at the corner: mail the PIN
    assert attack.moves is not None and [m.event for m in attack.moves] == ["mail_pin"]


def test_a_capability_that_only_lets_the_attacker_loop_adds_no_search(tmp_path: Path) -> None:
    """ANA plus a badge the attacker may hold, needed only for an event that stays put with no
    effect: every capability set with the badge has the power of the same set without it, so it
    is not searched again, and the findings are ANA's."""
    text = (REPO / "spec" / "ana_web_password.yaml").read_text(encoding="utf-8")
    text = text.replace("capabilities:\n", "capabilities:\n  badge: Shows a staff badge.\n", 1)
    text = text.replace("events:\n", "events:\n  show_badge:\n    requires: [badge]\n    source: url_expires\n", 1)
    text = text.replace(
        "transitions:\n",
        "transitions:\n  - {id: show_badge, event: show_badge, from: unregistered, source: url_expires}\n",
        1,
    )
    (tmp_path / "ana_web_password.yaml").write_text(text, encoding="utf-8")
    policy = REPO / "spec" / "ana_web_password.policy.txt"
    (tmp_path / policy.name).write_text(policy.read_text(encoding="utf-8"), encoding="utf-8")

    def analysed(path: Path) -> tuple[int, list[tuple[str, tuple[str, ...], int]]]:
        engine = Engine(load_spec(path))
        analysis = attacks(engine, Explorer(engine).explore())
        return analysis.searches, sorted((a.goal, tuple(map(str, a.capabilities)), a.depth) for a in analysis.attacks)

    assert analysed(tmp_path / "ana_web_password.yaml") == analysed(REPO / "spec" / "ana_web_password.yaml")


def test_attackers_holding_different_capabilities_share_what_their_messages_do_not_tell_apart(ana: Spec) -> None:
    """The mailbox holder's tables read the empty-handed attacker's for every event that sends
    nothing to the mailbox, compute their own for the ones that do, and explore as unshared ones."""
    spec = ana
    engine = Engine(spec)
    member = Explorer(engine)
    member.explore()
    actor = attacker_actor(spec)
    bare = Explorer(engine, actor, capabilities=frozenset({"identity"}), layout=member.layout)
    bare.explore()
    mailbox = Explorer(engine, actor, capabilities=frozenset({"identity", "mailbox"}), layout=member.layout)
    mailbox.share(bare)
    shared = {e for e in mailbox.outcomes if mailbox.outcomes[e] is bare.outcomes.get(e)}
    assert "request_email_reset" in mailbox.moves and "request_email_reset" not in shared  # the link reaches them
    assert shared and all(not mailbox.hears(e) for e in shared)
    alone = Explorer(engine, actor, capabilities=frozenset({"identity", "mailbox"}), layout=member.layout)
    assert list(mailbox.explore().worlds) == list(alone.explore().worlds)
