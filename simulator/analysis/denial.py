"""Denial of service: what an attacker who knows nothing can do to leave the member with nothing
that works on a channel.

The attacker holds some of the spec's capabilities (passing identification, say) but no secret of
the member's, and none of those capabilities receives a message that carries one. Such an
attacker gets access only by setting a credential to a value of their own, which is a takeover:
a denial that a takeover with no more capabilities explains is reported as the takeover. The search
starts from **every situation the member reaches** and keeps **the member's knowledge** in each
situation (what the member knows changes only by messages reaching them, which arrive when
their delay says), plus two marks: the channels where the member had something that works when
the attack started, and whether the attacker has changed anything yet. A denial is a situation
after the attacker's first change where the member has nothing that works on a channel they had:
a property of the situation, so one breadth-first search per capability set decides it, and
the first such situation ends the shortest attack. Capability sets are tried smallest first;
supersets of a set that denied a channel are not tried for it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from itertools import combinations

from credlab.model.engine import Engine
from credlab.model.node import replace
from credlab.simulator.analysis.attacker import Attack, Capability, attack_at, attacker_actor
from credlab.simulator.analysis.exploration import Exploration
from credlab.simulator.analysis.explore import Explorer
from credlab.simulator.analysis.findings import replay_path
from credlab.simulator.analysis.paths import Lessons, Move
from credlab.simulator.stories.knowledge import Knowledge
from credlab.simulator.stories.scenario import SecretRef, default_actor

GOAL = "denial of service"


@dataclass(slots=True)
class Denials:
    attacks: list[Attack]
    undecided: list[tuple[tuple[str, ...], int]]
    """(capabilities, situations searched) where the search stopped at its bound first."""


class DenialExplorer(Explorer):
    """Explores as an attacker holding ``has`` who knows nothing, with the member's knowledge in
    each situation."""

    def __init__(
        self, engine: Engine, has: frozenset[str], member_has: frozenset[str], member: Exploration, max_states: int
    ) -> None:
        super().__init__(
            engine, attacker_actor(engine.spec), capabilities=has, layout=member.layout, max_states=max_states
        )
        self.receives = self.presents = member_has  # the knowledge in a situation is the member's
        self.sees_screen = False  # what the attacker's screen shows, the member does not see
        self.use_moves({e: kept for e, ms in self.moves.items() if (kept := [m for m in ms if self.blind(m)])})

    def blind(self, move: Move) -> bool:
        """Whether ``move`` uses no secret of the member's (a value it sets is the attacker's own:
        a takeover, which :mod:`~credlab.simulator.analysis.attacker` finds and reports first)."""
        return not any(isinstance(value, SecretRef) and value.kind != "wrong" for _, value in move.inputs)

    def lessons(
        self, transition: str | None, inputs: dict[str, str | bool], disclosed: tuple[tuple[str, str, str], ...]
    ) -> Lessons:
        """What the member learns from a step of the attacker's or of the clock: what messages
        bring them (what the attacker sets, the member does not learn); and the mark of the
        attacker's first change."""
        taught = tuple(lesson for lesson in super().lessons(transition, inputs, disclosed) if lesson[0] != "learn")
        t = self.transitions[transition] if transition is not None else None
        if t is not None and t.delivers is None and not self.spec.events[t.event].internal and (t.target or t.effects):
            taught += (("attacked", "", ""),)
        return taught


def denials(member_explorer: Explorer, member: Exploration, max_states: int = 200_000) -> Denials:
    """The minimal capability sets of an attacker who knows nothing that deny the member a channel."""
    spec, engine = member_explorer.spec, member_explorer.engine
    who = default_actor(spec)
    member_has = frozenset(spec.actors[who].has) if who is not None and who in spec.actors else frozenset()
    channels = tuple(dict.fromkeys(rule.channel for rule in spec.access))
    secret_bearing = {spec.channels[m.via].reaches for m in spec.messages.values() if m.carries is not None}
    usable = [c for c in spec.capabilities if c not in secret_bearing]
    found = Denials([], [])
    shared: list[DenialExplorer] = []  # every search reads the first one's tables
    denied: dict[str, list[frozenset[str]]] = {c: [] for c in channels}
    for size in range(len(usable) + 1):
        for chosen in combinations(usable, size):
            has = frozenset(chosen)
            open_channels = [c for c in channels if not any(d <= has for d in denied[c])]
            if not open_channels:
                continue
            explorer = DenialExplorer(engine, has, member_has, member, max_states)
            if shared:
                explorer.share(shared[0])
            shared.append(explorer)
            for attack in _search(explorer, member_explorer, member, open_channels, found):
                for channel in attack.taken:
                    denied[channel].append(has)
                found.attacks.append(attack)
    return found


def _search(
    explorer: DenialExplorer, member_explorer: Explorer, member: Exploration, channels: list[str], found: Denials
) -> list[Attack]:
    engine, has = explorer.engine, explorer.has
    layout = explorer.layout
    field = layout.fields["knowledge"]
    width = (1 << field.width) - 1
    seeds = []
    for node, key in enumerate(member.keys):
        held = tuple(c for c in channels if member_explorer.access(key, (c,)))
        if not held:
            continue
        known = layout.knowledge.values[(key >> field.offset) & width]
        marked = layout.knowledge.number(replace(known, held=held))
        seeds.append((str(node), (key & ~field.mask) | (marked << field.offset)))
    remaining, reached = set(channels), dict[int, tuple[str, ...]]()

    def stop(search: Exploration, node: int) -> bool:
        key = search.keys[node]
        knows: Knowledge = layout.knowledge.values[(key >> field.offset) & width]
        if knows.attacked:
            lost = tuple(c for c in knows.held if c in remaining and not explorer.access(key, (c,)))
            if lost:
                reached[node] = lost
                remaining.difference_update(lost)
        return not remaining

    search = explorer.explore(packed=seeds, check=False, stop=stop)
    if remaining and not search.complete:
        found.undecided.append((tuple(sorted(has)), len(search.keys)))
    chosen = tuple(Capability("has", c) for c in sorted(has))
    attacks = []
    for node, lost in reached.items():
        world, knows = search.worlds[node]
        attack = attack_at(engine, member, search, GOAL, chosen, node, False)
        fired = replay_path(explorer, search, node).fired
        attacks.append(dataclasses.replace(attack, taken=lost, end=world, member_at_end=knows, fired=fired))
    return attacks
