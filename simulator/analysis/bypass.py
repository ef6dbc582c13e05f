"""Recovery that bypasses a factor: an attacker gets in on a channel that, where the attack
began, let in only someone presenting more than the attacker holds.

In a situation of the member's, a channel *demands more* of an attacker when every access rule
that applies there takes two things or more (credentials under ``also``, capabilities under
``requires``) and the attacker lacks part of each. The search starts from every such situation,
marking in the attacker's knowledge the channels that demanded more there (so that two
starts that demanded different things are never merged), and the first situation where the
attacker gets in on a marked channel, after a step on the way that changed a credential or a
flag, ends the shortest way round: a recovery path, a reset, a switch that turns the second
factor off. (Time passing alone goes round nothing: a freeze that lifts gives back what was
there before.)
"""

from __future__ import annotations

from dataclasses import replace

from credlab.model import ir
from credlab.model.engine import Engine
from credlab.model.node import replace as replace_node
from credlab.simulator.analysis.attacker import BYPASS, AttackAnalysis, Capability, attack_at, told_keys
from credlab.simulator.analysis.exploration import Exploration
from credlab.simulator.analysis.explore import Explorer
from credlab.simulator.analysis.findings import replay_path
from credlab.simulator.stories.knowledge import Knowledge


class Demanding:
    """In each situation of the member's: the channels where every access rule that applies takes
    more than an attacker knowing ``knows`` and holding ``has`` presents (more than one thing, and
    something they lack)."""

    def __init__(self, engine: Engine, member: Exploration, knows: frozenset[str], has: frozenset[str]) -> None:
        self.engine, self.member = engine, member
        self.knows, self.has = knows, has
        spec = engine.spec
        self.by_channel: dict[str, list[ir.AccessRule]] = {}
        for rule in spec.access:
            self.by_channel.setdefault(rule.channel, []).append(rule)
        self.mask = member.layout.access_mask(list(self.by_channel))
        self.known: dict[int, tuple[str, ...]] = {}

    def channels(self, node: int) -> tuple[str, ...]:
        key = self.member.keys[node] & self.mask
        found = self.known.get(key)
        if found is None:
            world = self.member.worlds[node][0]
            found = self.known[key] = tuple(
                ch
                for ch, rules in self.by_channel.items()
                if (applying := [r for r in rules if r.when is None or self.engine.holds(r.when, world, {})])
                and all(r.parts > 1 and not self.covers(r) for r in applying)
            )
        return found

    def covers(self, rule: ir.AccessRule) -> bool:
        return set(rule.credentials) <= self.knows and set(rule.requires) <= self.has


def search_bypass(
    explorer: Explorer, member: Exploration, chosen: tuple[Capability, ...], knows: list[str], analysis: AttackAnalysis
) -> None:
    """Whether an attacker holding ``chosen`` (knowing ``knows``) gets round a factor from some
    situation of ``member``; adds the shortest way round to ``analysis``."""
    engine, layout = explorer.engine, explorer.layout
    demanding = Demanding(engine, member, frozenset(knows), explorer.has)
    field = layout.fields["knowledge"]
    width = (1 << field.width) - 1
    seeds = []
    for node, key in enumerate(told_keys(member, knows)):
        demanded = demanding.channels(node)
        if demanded:
            known: Knowledge = layout.knowledge.values[(key >> field.offset) & width]
            marked = layout.knowledge.number(replace_node(known, held=demanded))
            seeds.append((str(node), (key & ~field.mask) | (marked << field.offset)))
    if not seeds:
        return
    reached: list[tuple[int, tuple[str, ...]]] = []
    kinds = (ir.SetCredential, ir.ClearCredential, ir.RandomizeCredential, ir.UseCode, ir.SetFlag)
    changing = {t.id for t in engine.spec.transitions if any(isinstance(e, kinds) for e in t.effects)}

    def acted(found: Exploration, node: int, got: tuple[str, ...]) -> bool:
        """Whether the attacker first got in on ``got`` after a step that changed a credential or a
        flag: a reset, a switch. Time passing changes neither (a freeze that lifts gives back what
        was there before: that goes round nothing)."""
        path = [node]
        while found.via[path[-1]] is not None:
            path.append(found.parent_of[path[-1]])
        first = next(n for n in reversed(path) if any(explorer.access(found.keys[n], (c,)) for c in got))
        return any(t in changing for t in replay_path(explorer, found, first).fired)

    def stop(found: Exploration, node: int) -> bool:
        key = found.keys[node]
        marked: Knowledge = layout.knowledge.values[(key >> field.offset) & width]
        got = tuple(c for c in marked.held if explorer.access(key, (c,)))
        if got and acted(found, node, got):
            reached.append((node, got))
        return bool(reached)

    found = explorer.explore(packed=seeds, check=False, stop=stop)
    if reached:
        node, got = reached[0]
        replayed = replay_path(explorer, found, node)
        attack = attack_at(engine, member, found, BYPASS, chosen, node, bool(knows))
        analysis.attacks.append(
            replace(attack, taken=got, fired=replayed.fired, end=found.worlds[node][0], disclosed=replayed.disclosed)
        )
    elif not found.complete:
        analysis.undecided.append((BYPASS, chosen, len(found.worlds)))
