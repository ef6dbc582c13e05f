"""Exhaustive exploration: every reachable situation of a spec, checked, with shortest counterexamples.

Breadth-first search on the reference engine, like TLC for TLA+ but on our YAML. Secrets are
symbolic: the member's values come from a fixed pool (what they were given, the one valid new
value per policy, the mailed value, a wrong one), so equal secrets are equal situations. Time is
symbolic too: a situation keeps, of the running deadlines, only a zone (see
:mod:`~credlab.simulator.engine.clocks`), so the number of situations does not grow with
durations, and a stored situation whose zone includes a new one's stands for it.

In every reachable situation it checks the declared invariants, deadlocks (nothing the member
can do changes anything), determinism (one event, inputs included, or one lapse of the clock
enabling two transitions) and recoverability (the member can still get back to online access).
Each situation keeps a representative world for expansion and its BFS parent, so the
counterexample to any violation is a shortest one, and its waits are the shortest that
realise it (:meth:`Exploration.path`).
"""

from __future__ import annotations

import time
from array import array
from collections.abc import Callable, MutableSequence

from credlab.model.engine import Engine, World
from credlab.simulator.analysis import native
from credlab.simulator.analysis.exploration import Edge, Exploration, Violation
from credlab.simulator.analysis.recovery import check_recoverable
from credlab.simulator.analysis.tables import Entry, Tables
from credlab.simulator.engine.packing import Layout
from credlab.simulator.engine.zones import Zone
from credlab.simulator.results import PropertyId
from credlab.simulator.stories.knowledge import Knowledge

Successor = tuple[Edge, World, Knowledge, Zone, list[str]]


class Explorer(Tables):
    """Breadth-first search over packed symbolic situations, checking properties as it goes.

    Each event's outcomes are computed on the reference engine once per combination of the
    fields it reads (:meth:`Layout.event_masks`) and reused for every situation that shares
    them; with ``tables=False`` every situation is expanded on the reference engine, the
    oracle the tables are tested against.
    """

    def __init__(
        self,
        engine: Engine,
        actor: str | None = None,
        *,
        max_states: int = 200_000,
        progress: Callable[[Exploration], None] | None = None,
        capabilities: frozenset[str] | None = None,
        tables: bool = True,
        layout: Layout | None = None,
        broken: bool = False,
    ) -> None:
        """Explore as ``actor`` with the :class:`~credlab.simulator.analysis.tables.Tables` these
        arguments give; ``progress`` sees the exploration every thousand situations."""
        super().__init__(
            engine, actor, max_states=max_states, capabilities=capabilities, tables=tables, layout=layout, broken=broken
        )
        self.progress = progress

    def explore(
        self,
        starts: list[tuple[str, World, Knowledge, Zone]] | None = None,
        *,
        packed: list[tuple[str, int]] | None = None,
        check: bool = True,
        stop: Callable[[Exploration, int], bool] | None = None,
        every_step: bool = False,
    ) -> Exploration:
        """Explore from the spec's initial states (or from ``starts``: label, world, knowledge,
        zone; or from ``packed``: label, packed situation of this explorer's layout); with
        ``check``, record every property violation on the way. ``stop`` sees each new
        situation; when it says so the search ends there (and is not complete). The steps
        between situations are kept where recoverability needs them, or all of them with
        ``every_step`` (to hand the graph to something else)."""
        found = Exploration(self.layout)
        layout, zone_mask = self.layout, self.layout.zone_mask
        timed = bool(self.spec.deadlines)
        # A situation's number is its place in `keys`, and a set says what was met; with
        # deadlines, a stored zone may stand for another, whose number `aliases` keeps.
        seen: set[int] = set()
        aliases: dict[int, int] = {}
        discrete: dict[int, list[tuple[Zone, int]]] = {}
        uncertain: list[tuple[int, int]] = []
        started = time.perf_counter()
        halted = False
        keys, parent_of, via = found.keys, found.parent_of, found.via
        step_targets: MutableSequence[int] = array("Q") if self.layout.word else []
        """The situation each step kept ends in (its source goes to ``found.sources`` at once)."""
        invariants = check and bool(self.spec.invariants)
        online = tuple(self.online)
        online_mask, online_access = self.access_table(online)
        good = found.good

        def intern(key: int, parent: tuple[int, Edge] | None) -> int | None:
            nonlocal halted
            zone = layout.zone_of(key) if timed else None
            if zone is not None and zone.clocks:  # with no deadline running, zones are all alike
                same = discrete.setdefault(key & ~zone_mask, [])
                for stored, number in same:  # a stored zone that includes this one stands for it
                    if stored.includes(zone):
                        aliases[key] = number
                        return number
            if len(keys) >= self.max_nodes or halted:
                found.complete = False
                return None
            number = len(keys)
            if zone is not None and zone.clocks:
                same.append((zone, number))
            seen.add(key)
            keys.append(key)
            parent_of.append(-1 if parent is None else parent[0])
            via.append(None if parent is None else parent[1])
            if invariants:
                self.check_node(found, number, key)
            if stop is not None and stop(found, number):
                halted = True
            return number

        seeds = starts or (
            [] if packed else [(s, w, k, self.clocks.started(w)) for s in self.spec.initial for w, k in [self.start(s)]]
        )
        encoded = [
            (label, layout.encode(self.clocks.representative(world), knowledge, self.clocks.settle(zone)))
            for label, world, knowledge, zone in seeds
        ]
        started_at: dict[int, int] = {}
        for label, key in encoded + (packed or []):
            node = started_at.get(key, aliases.get(key))
            node = intern(key, None) if node is None else node
            if node is not None:
                started_at[key] = node
                found.starts.append((node, label))
        clock: list[tuple[int, int, dict[int, Entry], dict[int, int], str | None]] = []
        if timed:  # after the events, the clock's row (its lapses), in one loop with them
            clock.append((0, self.lapse_reads, self.lapse_table, {}, None))
        tables = [
            [
                (*self.masks[event], self.outcomes[event], self.resolutions[event], event)
                for event in self.state_events[n]
            ]
            + clock
            for n in range(len(layout.states))
        ]
        state_field = layout.fields["state"]
        state_shift, state_bits = state_field.offset, (1 << state_field.width) - 1
        reuse, edges, beyond, limit = self.tables, 0, layout.bits, self.max_nodes
        node = -1
        if native.applies(self, stop=stop) and not halted:
            edges = native.search(
                self, found, tables, online=online, check=check, every_step=every_step, invariants=invariants
            )
            node = len(keys) - 1
        while node + 1 < len(keys) and not halted:
            node += 1  # breadth-first: situations are expanded in the order they were numbered
            key = keys[node]
            changed = False
            keep = every_step
            if check:  # steps matter to recoverability only from where there is no access yet
                access = online_access.get(key & online_mask)  # the cache `access` fills, read inline
                if access is None:
                    access = self.access(key, online)
                keep = keep or not access
                good.append(access)
            unpacked: tuple[World, Knowledge, Zone] | None = None
            for resolve, decide, table, resolved, event in tables[(key >> state_shift) & state_bits]:
                if resolve:  # which values the secret inputs stand for here, numbered
                    number = resolved.get(key & resolve)
                    if number is None:
                        assert event is not None, "the clock's row resolves no inputs"
                        unpacked = unpacked or layout.decode(key)
                        number = resolved[key & resolve] = self.resolution(event, unpacked)
                    row = (key & decide) | (number << beyond)
                else:
                    row = key & decide
                entry = table.get(row) if reuse else None
                if entry is None:
                    if event is None:  # the clock's row: the ways time can move on, where deadlines run
                        if not layout.zone_of(key).clocks:
                            continue
                        unpacked = unpacked or layout.decode(key)
                        entry = table[row] = self.lapse_outcomes(key, unpacked)
                    else:
                        unpacked = unpacked or layout.decode(key)
                        entry = table[row] = self.event_outcomes(key, unpacked, event)
                if entry.used_by is not found:  # checked inline: the method runs once per entry
                    self.first_taken(found, entry, node)
                if entry.ambiguities and check:
                    self.ambiguous_at(found, entry, node)
                for edge, kept, partial, lesson, _ in entry.accepted:
                    following = (key & kept) | partial
                    if lesson:
                        following = self.teach(following, lesson)
                    target = -1 if following in seen else aliases.get(following)  # -1: met, number not looked up
                    if target is None:
                        if timed or halted or len(keys) >= limit:
                            target = intern(following, (node, edge))
                            if target is None:  # beyond --max-states: not explored, but not nothing either
                                changed = True
                                continue
                        else:  # intern's work without zones, inline: most steps of a large space come here
                            target = len(keys)
                            seen.add(following)
                            keys.append(following)
                            parent_of.append(node)
                            via.append(edge)
                            if invariants:
                                self.check_node(found, target, following)
                            if stop is not None and stop(found, target):
                                halted = True
                    edges += 1
                    if following != key and target != node:
                        changed = True
                        if keep:
                            found.sources.append(node)
                            step_targets.append(following)
                            if not edge.universal:  # a lapse only some valuations can take
                                uncertain.append((node, following))
            if check and not changed:
                self.stuck_at(found, node, key)
            if self.progress is not None and node % 1000 == 0:
                found.frontier, found.edges = len(keys) - node - 1, edges
                self.progress(found)
        found.edges = edges
        found.states = {layout.states[number] for number in {(k >> state_shift) & state_bits for k in keys}}
        found.transitions = set(found.first_fired)
        if halted or node + 1 < len(keys):
            found.complete = False
        if step_targets:  # numbered once, for the situations steps end in only
            wanted = set(step_targets)
            numbers = {k: i for i, k in enumerate(keys) if k in wanted}
            numbers |= {k: n for k, n in aliases.items() if k in wanted}
            found.targets.extend(numbers[k] for k in step_targets)
            found.uncertain = {(source, numbers[target_key]) for source, target_key in uncertain}
        if check:
            check_recoverable(found)
        found.seconds = time.perf_counter() - started
        return found

    # --- expansion ---------------------------------------------------------------------------------
    def successors(self, found: Exploration, node: int) -> list[Successor]:
        """Every step from situation ``node``, unpacked and computed afresh on the reference
        engine: (edge, world, knowledge, zone, transitions fired)."""
        key = found.keys[node]
        unpacked = self.layout.decode(key)
        steps: list[Successor] = []
        for event in self.state_events[self.layout.state_of(key)]:
            for edge, kept, partial, lesson, fired in self.event_outcomes(key, unpacked, event).accepted:
                following = (key & kept) | partial
                following = self.teach(following, lesson) if lesson else following
                steps.append((edge, *self.layout.decode(following), list(fired)))
        if unpacked[2].clocks:
            for edge, kept, partial, lesson, fired in self.lapse_outcomes(key, unpacked).accepted:
                following = (key & kept) | partial
                following = self.teach(following, lesson) if lesson else following
                steps.append((edge, *self.layout.decode(following), list(fired)))
        return steps

    # --- what a search notes (both loops: this one and native's) ----------------------------------
    def first_taken(self, found: Exploration, entry: Entry, node: int) -> None:
        """Situation ``node`` takes ``entry``: the first to in ``found`` fires its transitions
        there (tables outlive an exploration; what fired is each exploration's own)."""
        if entry.used_by is not found:
            entry.used_by = found
            for edge, *_, fired in entry.accepted:
                for transition in fired:
                    found.first_fired.setdefault(transition, (node, edge))

    def ambiguous_at(self, found: Exploration, entry: Entry, node: int) -> None:
        found.violations += [Violation(self.nondeterminism, a, node, then=e) for a, e in entry.ambiguities]

    def stuck_at(self, found: Exploration, node: int, key: int) -> None:
        """Nothing the member does changes situation ``node``: a deadlock, unless it is an end."""
        state = self.layout.state_of(key)
        if state not in self.layout.final_states:
            text = "the member can change nothing from here"
            found.violations.append(Violation(self.deadlock, text, node, self.layout.states[state]))

    # --- properties ----------------------------------------------------------------------------------
    def check_node(self, found: Exploration, node: int, key: int) -> None:
        for invariant in self.violated(key):
            text = next(inv.text for inv in self.spec.invariants if inv.id == invariant)
            found.violations.append(Violation(PropertyId.invariant(invariant), text, node))
