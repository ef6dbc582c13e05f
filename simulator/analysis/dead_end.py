"""Dead ends: after losing capabilities, the member can never again get access.

The spec's capability events say what the member can lose: a phone, the registered mailbox, the
postal address (``loses:``). For each set of such losses, smallest first, one search plays the
member holding the rest. It starts from **every situation the member reaches** with everything,
keeping what they know then; a message on its way to a capability now lost no longer reaches
them. Backwards over every step the search met, it marks the situations from which some way
leads to one where something the member knows works on some channel. A situation with no such
way, outside the lifecycle's ends, is a dead end: nothing the member does, however long they
wait, gets them access again. Lapses that only some waits take count as ways, so "no way" holds
for every wait; a search stopped by its bound decides nothing (:attr:`DeadEnds.undecided`).

A loss the spec also declares a way to regain (``gains:`` of the same capability, for the
member: a new phone) is searched with the capability held again, but blank: what only the lost
device showed (a credential whose ``device`` it is) is forgotten, in either kind of loss.
Supersets of a loss set that already leads to a dead end are not tried, so each finding names a
minimal set. The first dead end in the member's breadth-first order (a loss that leaves them
stuck at once) ends the shortest story; failing that, the first the search meets after the loss.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from itertools import combinations

from credlab.model import ir
from credlab.model.node import replace
from credlab.simulator.analysis.attacker import Attack, Capability, attack_at
from credlab.simulator.analysis.exploration import Exploration
from credlab.simulator.analysis.explore import Explorer
from credlab.simulator.analysis.findings import replay_path
from credlab.simulator.stories.knowledge import Knowledge

GOAL = "dead end"


@dataclass(frozen=True, slots=True)
class DeadEnd:
    losses: tuple[str, ...]
    """The capability events fired (in declaration order), where the story fires them."""
    attack: Attack
    """The story: the member's moves with everything (unmarked), then with what is left (marked);
    ``taken``: every channel that takes credentials (none works for the member at its end)."""


@dataclass(slots=True)
class DeadEnds:
    found: list[DeadEnd]
    undecided: list[tuple[tuple[str, ...], int]]
    """(capabilities lost, situations searched) where the search stopped at its bound first."""


def losses(spec: ir.Spec, member: str | None) -> tuple[list[ir.Event], frozenset[str]]:
    """The member's capability events that lose something, and the capabilities an event of
    theirs gives back (a new phone: held again, but blank)."""
    own = [e for e in spec.events.values() if e.capability is not None and e.capability.actor == member]
    regained = frozenset(e.capability.capability for e in own if e.capability is not None and e.capability.gained)
    return [e for e in own if e.capability is not None and not e.capability.gained], regained


def dead_ends(member_explorer: Explorer, member: Exploration, max_states: int = 200_000) -> DeadEnds:
    """The minimal sets of losses after which the member can reach a dead end."""
    lossy, regained = losses(member_explorer.spec, member_explorer.actor)
    found = DeadEnds([], [])
    for size in range(1, len(lossy) + 1):
        for chosen in combinations(lossy, size):
            names = {e.name for e in chosen}
            if any(set(d.losses) <= names for d in found.found):
                continue
            dead = _search(member_explorer, member, chosen, regained, max_states, found)
            if dead is not None:
                found.found.append(dead)
    return found


def _search(
    member_explorer: Explorer,
    member: Exploration,
    chosen: tuple[ir.Event, ...],
    regained: frozenset[str],
    max_states: int,
    found: DeadEnds,
) -> DeadEnd | None:
    spec, engine, layout = member_explorer.spec, member_explorer.engine, member_explorer.layout
    lost = frozenset(e.capability.capability for e in chosen if e.capability is not None)
    forgotten = frozenset(n for n, c in spec.credentials.items() if c.device in lost)
    held = member_explorer.has - (lost - regained)
    explorer = Explorer(engine, member_explorer.actor, capabilities=held, layout=layout, max_states=max_states)
    explorer.share(member_explorer)
    field = layout.fields["knowledge"]
    width = (1 << field.width) - 1
    seeds = []
    for node, key in enumerate(member.keys):
        known: Knowledge = layout.knowledge.values[(key >> field.offset) & width]
        kept = tuple(t for t in known.transit if spec.channels[spec.messages[t[0]].via].reaches not in lost)
        after = replace(known, transit=kept).forget(forgotten)  # on its way to what was lost; shown only by it
        if after != known:
            key = (key & ~field.mask) | (layout.knowledge.number(after) << field.offset)
        seeds.append((str(node), key))
    search = explorer.explore(packed=seeds, check=False, every_step=True)
    if not search.complete:
        found.undecided.append((tuple(sorted(lost)), len(search.keys)))
        return None
    dead = _dead(explorer, search)
    seed_of = {label: node for node, label in search.starts}
    first = next((seed_of[str(n)] for n in range(len(member.keys)) if dead[seed_of[str(n)]]), None)
    if first is None:
        first = next((n for n in range(len(search.keys)) if dead[n]), None)
    if first is None:
        return None
    attack = attack_at(engine, member, search, GOAL, tuple(Capability("has", c) for c in sorted(lost)), first, False)
    world, knows = search.worlds[first]
    seed = int(next(label for node, label in search.starts if node == search.root(first)))
    fired = replay_path(member_explorer, member, seed).fired + replay_path(explorer, search, first).fired
    return DeadEnd(
        tuple(e.name for e in chosen),
        dataclasses.replace(attack, end=world, member_at_end=knows, fired=fired, taken=_channels(spec)),
    )


def _channels(spec: ir.Spec) -> tuple[str, ...]:
    return tuple(dict.fromkeys(rule.channel for rule in spec.access))


def _dead(explorer: Explorer, search: Exploration) -> bytearray:
    """1 for each situation from which no step leads to one where the member has access, ends aside."""
    channels = _channels(explorer.spec)
    layout = explorer.layout
    count = len(search.keys)
    reached = bytearray(1 if explorer.access(key, channels) else 0 for key in search.keys)
    predecessors: list[list[int]] = [[] for _ in range(count)]
    for source, target in zip(search.sources, search.targets, strict=True):
        predecessors[target].append(source)
    queue = [n for n in range(count) if reached[n]]
    while queue:
        node = queue.pop()
        for source in predecessors[node]:
            if not reached[source]:
                reached[source] = 1
                queue.append(source)
    ends = layout.final_states
    return bytearray(0 if reached[n] or (ends and layout.state_of(search.keys[n]) in ends) else 1 for n in range(count))
