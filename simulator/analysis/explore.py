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
from collections.abc import Callable
from dataclasses import dataclass

from credlab.model.engine import Engine, World
from credlab.simulator.analysis.exploration import Edge, Exploration, Violation
from credlab.simulator.analysis.paths import Lessons, Move, PathFinder, apply_lessons, search_random
from credlab.simulator.analysis.recovery import check_recoverable
from credlab.simulator.engine.clocks import Clocks
from credlab.simulator.engine.packing import Interned, Layout, has_secret_inputs
from credlab.simulator.engine.zones import Zone
from credlab.simulator.results import Builtin, PropertyId
from credlab.simulator.stories.knowledge import Knowledge
from credlab.simulator.stories.scenario import StoryValue

Successor = tuple[Edge, World, Knowledge, Zone, list[str]]
Resolved = tuple[tuple[tuple[str, str | bool], ...] | None, ...]
"""Each move's inputs as they resolve in some situation (None: about something not known)."""


Step = tuple[Edge, int, int, int, tuple[str, ...]]
"""One step from a table: its edge, the fields it writes and their new values, the number of
what it teaches, the transitions it fires (one for an event; the expiries' for a lapse)."""


@dataclass(slots=True)
class Entry:
    """What an event's moves (or the clock's lapses) do in every situation that shares the
    fields they read (and the values the inputs resolve to)."""

    accepted: list[Step]
    ambiguities: list[tuple[str, Edge]]
    """The nondeterminism met: what enables what, and the step."""
    used_by: object = None
    """The last exploration that took it (its transitions then count as fired there)."""


class Explorer(PathFinder):
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
        """Explore as ``actor`` (default: the spec's default actor), with ``capabilities`` if
        given; ``layout``: pack situations as another exploration of the same engine did, so
        its packed situations can start this one; ``broken``: also try values the policies
        refuse (see :class:`~credlab.simulator.analysis.paths.PathFinder`)."""
        super().__init__(engine, actor, max_nodes=max_states, capabilities=capabilities, broken=broken)
        self.progress, self.tables = progress, tables
        self.ambiguity = True
        """Whether table entries record nondeterminism (a search that never reports it skips it)."""
        self.layout = layout if layout is not None else Layout(self.spec, Clocks(engine))
        self.clocks = self.layout.clocks
        self.online = [n for n, c in self.spec.channels.items() if c.kind == "online"] or sorted(
            {rule.channel for rule in self.spec.access}
        )
        self.writes = {t.id: self.layout.writes(t) for t in self.spec.transitions}
        expiries = {d.on_expiry for d in self.spec.deadlines.values() if d.on_expiry is not None}
        clock_fields = {"zone", "state", "owner", *(f"deadline:{d}" for d in self.spec.deadlines)}
        self.lapse_writes = self.layout.mask(clock_fields)
        self.lapse_reads = self.lapse_writes
        for expiry in expiries:
            self.lapse_reads |= self.layout.event_masks(expiry, False)[1]
        self.lapse_table: dict[int, Entry] = {}
        self.edges: dict[tuple[int, tuple[int, ...]], Edge] = {}
        self.resolutions_met = Interned[tuple[object, ...]]()
        self.resolved_by_id: list[Resolved] = []
        """The inputs each move of the event stands for, by resolution number."""
        self.lessons_met = Interned[Lessons](())
        self.taught: dict[tuple[int, int], int] = {}
        self.use_moves(self.moves)
        self.nondeterminism = PropertyId.builtin(Builtin.DETERMINISTIC)
        self.invariant_mask = self.layout.invariant_mask()
        self.broken: dict[int, list[str]] = {}
        self.accesses: dict[tuple[str, ...], tuple[int, dict[int, bool]]] = {}
        """Per channels: the fields access reads, and what it decided per combination of them."""

    def use_moves(self, moves: dict[str, list[Move]]) -> None:
        """Try these moves (another explorer's, to play the same inputs on another spec)."""
        self.moves = moves
        self.state_events = {
            number: [e for e in moves if (state, e) in self.engine.table]
            for number, state in enumerate(self.layout.states)
        }
        self.masks = {
            e: self.layout.event_masks(e, has_secret_inputs([m.inputs for m in ms])) for e, ms in moves.items()
        }
        self.resolutions: dict[str, dict[int, int]] = {e: {} for e in moves}
        self.symbols = {e: list(dict.fromkeys(value for m in ms for _, value in m.inputs)) for e, ms in moves.items()}
        """Each event's distinct symbolic input values: what a resolution is made of."""
        self.outcomes: dict[str, dict[int, Entry]] = {e: {} for e in moves}

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
        steps: list[tuple[int, int]] = []
        """(source, target situation) of each step from a situation without online access."""
        seen_states: set[int] = set()
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
            seen_states.add(layout.state_of(key))
            if invariants:
                self.check_node(found, number, key)
            if stop is not None and stop(found, number):
                halted = True
            return number

        seeds = starts or ([] if packed else [(s, *self.start(s), Zone()) for s in self.spec.initial])
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
        deadlock = PropertyId.builtin(Builtin.DEADLOCK_FREE)
        tables = [
            [
                (*self.masks[event], self.outcomes[event], self.resolutions[event], event)
                for event in self.state_events[n]
            ]
            for n in range(len(layout.states))
        ]
        state_field = layout.fields["state"]
        state_shift, state_bits = state_field.offset, (1 << state_field.width) - 1
        reuse, edges, beyond = self.tables, 0, layout.bits
        node = -1
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
            entries: list[Entry] = []
            for resolve, decide, table, resolved, event in tables[(key >> state_shift) & state_bits]:
                if resolve:  # which values the secret inputs stand for here, numbered
                    number = resolved.get(key & resolve)
                    if number is None:
                        unpacked = unpacked or layout.decode(key)
                        number = resolved[key & resolve] = self.resolution(event, unpacked)
                    row = (key & decide) | (number << beyond)
                else:
                    row = key & decide
                entry = table.get(row) if reuse else None
                if entry is None:
                    unpacked = unpacked or layout.decode(key)
                    entry = table[row] = self.event_outcomes(key, unpacked, event)
                entries.append(entry)
            if timed and layout.zone_of(key).clocks:  # then the ways time can move on
                row = key & self.lapse_reads
                entry = self.lapse_table.get(row) if reuse else None
                if entry is None:
                    unpacked = unpacked or layout.decode(key)
                    entry = self.lapse_table[row] = self.lapse_outcomes(key, unpacked)
                entries.append(entry)
            for entry in entries:
                if entry.used_by is not found:  # tables outlive an exploration; what fired is its own
                    entry.used_by = found
                    for edge, *_, fired in entry.accepted:
                        for transition in fired:
                            found.first_fired.setdefault(transition, (node, edge))
                if entry.ambiguities and check:
                    found.violations += [Violation(self.nondeterminism, a, node, then=e) for a, e in entry.ambiguities]
                for edge, written, partial, lesson, _ in entry.accepted:
                    following = (key & ~written) | partial
                    if lesson:
                        following = self.teach(following, lesson)
                    target = -1 if following in seen else aliases.get(following)  # -1: met, number not looked up
                    if target is None:
                        target = intern(following, (node, edge))
                        if target is None:  # beyond --max-states: not explored, but not nothing either
                            changed = True
                            continue
                    edges += 1
                    if following != key and target != node:
                        changed = True
                        if keep:
                            steps.append((node, following))
                            if not edge.universal:  # a lapse only some valuations can take
                                uncertain.append((node, following))
            if check and not changed:
                state = layout.states[layout.state_of(key)]
                found.violations.append(Violation(deadlock, "the member can change nothing from here", node, state))
            if self.progress is not None and node % 1000 == 0:
                found.frontier, found.edges = len(keys) - node - 1, edges
                self.progress(found)
        found.edges = edges
        found.states = {layout.states[number] for number in seen_states}
        found.transitions = set(found.first_fired)
        if halted or node + 1 < len(keys):
            found.complete = False
        if steps:
            numbers = {k: i for i, k in enumerate(keys)} | aliases
            for source, target_key in steps:
                found.sources.append(source)
                found.targets.append(numbers[target_key])
            found.uncertain = {(source, numbers[target_key]) for source, target_key in uncertain}
        if check:
            check_recoverable(found)
        found.seconds = time.perf_counter() - started
        return found

    # --- expansion ---------------------------------------------------------------------------------
    def resolution(self, event: str, unpacked: tuple[World, Knowledge, Zone]) -> int:
        """The number of what ``event``'s moves' inputs resolve to in the unpacked situation."""
        world, knowledge, _ = unpacked
        symbols = self.symbols[event]
        meanings = tuple(self.meaning(world, knowledge, symbol) for symbol in symbols)
        number = self.resolutions_met.number((event, meanings))
        if number == len(self.resolved_by_id):  # first met: spell out each move's inputs once
            meant = dict(zip(symbols, meanings, strict=True))
            self.resolved_by_id.append(tuple(_spelled(move.inputs, meant) for move in self.moves[event]))
        return number

    def teach(self, key: int, lesson: int) -> int:
        """``key`` with what lesson number ``lesson`` teaches added to the knowledge."""
        field = self.layout.fields["knowledge"]
        known = (key >> field.offset) & ((1 << field.width) - 1)
        learned = self.taught.get((known, lesson))
        if learned is None:
            after = apply_lessons(self.layout.knowledge.values[known], self.lessons_met.values[lesson])
            learned = self.taught[(known, lesson)] = self.layout.knowledge.number(after)
        return (key & ~field.mask) | (learned << field.offset)

    def event_outcomes(
        self,
        key: int,
        unpacked: tuple[World, Knowledge, Zone],
        event: str,
        given: Resolved | None = None,
    ) -> Entry:
        """What each move of ``event`` does in the unpacked situation ``key``, on the reference
        engine: each accepted move's edge, the fields its transition writes, their new values,
        the number of what it teaches; and the nondeterminism met. ``given``: each move's inputs
        as another explorer resolved them (None: resolve them here)."""
        world, knowledge, zone = unpacked
        candidates = self.engine.table.get((world.state, event), ())
        accepted: list[Step] = []
        ambiguities: list[tuple[str, Edge]] = []
        for number, move in enumerate(self.moves[event]):
            if given is None:
                inputs = self.resolve(world, knowledge, move.inputs)
            else:
                spelled = given[number]
                inputs = None if spelled is None else dict(spelled)
            if inputs is None:
                continue
            if self.ambiguity and len(candidates) > 1 and len(enabled := self.engine.enabled(world, event, inputs)) > 1:
                ambiguities.append((f"'{event}' enables {', '.join(enabled)} at once", Edge(move)))
            after, step = self.engine.fire(world, event, inputs, search_random, self.actor)
            if not step.accepted:
                continue
            assert step.transition is not None
            lesson = self.lessons_met.number(self.lessons(step.transition, inputs, step.disclosed))
            resets = self.clocks.starts[step.transition]
            after = self.clocks.representative(after)
            following = self.layout.encode(after, knowledge, self.clocks.after(zone, after, resets))
            written = self.writes[step.transition]
            assert following & ~written == key & ~written, f"'{step.transition}' changed a field it does not declare"
            edge = self.edges.get((id(move), resets))
            if edge is None:  # one Edge per move and restart: entries share them
                edge = self.edges[(id(move), resets)] = Edge(move, resets=resets)
            accepted.append((edge, written, following & written, lesson, (step.transition,)))
        return Entry(accepted, ambiguities)

    def lapse_outcomes(self, key: int, unpacked: tuple[World, Knowledge, Zone]) -> Entry:
        """Each way time can move on from the unpacked situation ``key``: the deadlines that lapse,
        in order, with the fields the step writes and their new values, the number of what it
        teaches and the transitions fired; and the nondeterminism met at an expiry."""
        world, knowledge, zone = unpacked
        clocks = self.clocks
        accepted: list[Step] = []
        ambiguities: list[tuple[str, Edge]] = []
        for lapse in clocks.lapses(zone):
            edge = Edge(None, lapse.order, universal=lapse.universal)

            def ambiguous(moment: World, event: str, edge: Edge = edge) -> None:
                enabled = self.engine.enabled(moment, event, {})
                if len(enabled) > 1:
                    ambiguities.append((f"the clock's '{event}' enables {', '.join(enabled)} at once", edge))

            names = [clocks.names[i] for i in lapse.order]
            lapsed = clocks.lapsed_world(world, lapse.order)
            after, steps = self.engine.lapse(lapsed, names, search_random, ambiguous if self.ambiguity else None)
            fired = tuple(s.transition for s in steps if s.transition)
            lessons: Lessons = tuple(
                lesson for step in steps for lesson in self.lessons(step.transition, {}, step.disclosed)
            )
            resets = tuple(sorted({c for t in fired for c in clocks.starts[t]}))
            edge = Edge(None, lapse.order, resets, lapse.universal)
            after = clocks.representative(after)
            following = self.layout.encode(after, knowledge, clocks.after(lapse.zone, after, resets))
            written = self.lapse_writes
            for transition in fired:
                written |= self.writes[transition]
            assert following & ~written == key & ~written, "a lapse changed a field it does not declare"
            accepted.append((edge, written, following & written, self.lessons_met.number(lessons), fired))
        return Entry(accepted, ambiguities)

    def successors(self, found: Exploration, node: int) -> list[Successor]:
        """Every step from situation ``node``, unpacked and computed afresh on the reference
        engine: (edge, world, knowledge, zone, transitions fired)."""
        key = found.keys[node]
        unpacked = self.layout.decode(key)
        steps: list[Successor] = []
        for event in self.state_events[self.layout.state_of(key)]:
            for edge, written, partial, lesson, fired in self.event_outcomes(key, unpacked, event).accepted:
                following = (key & ~written) | partial
                following = self.teach(following, lesson) if lesson else following
                steps.append((edge, *self.layout.decode(following), list(fired)))
        if unpacked[2].clocks:
            for edge, written, partial, lesson, fired in self.lapse_outcomes(key, unpacked).accepted:
                following = (key & ~written) | partial
                following = self.teach(following, lesson) if lesson else following
                steps.append((edge, *self.layout.decode(following), list(fired)))
        return steps

    # --- properties ----------------------------------------------------------------------------------
    def violated(self, key: int) -> list[str]:
        """The invariants situation ``key`` breaks (remembered per combination of what they read)."""
        projection = key & self.invariant_mask
        broken = self.broken.get(projection)
        if broken is None:
            world, _, _ = self.layout.decode(key)
            broken = self.broken[projection] = self.engine.violated_invariants(world)
        return broken

    def check_node(self, found: Exploration, node: int, key: int) -> None:
        for invariant in self.violated(key):
            text = next(inv.text for inv in self.spec.invariants if inv.id == invariant)
            found.violations.append(Violation(PropertyId.invariant(invariant), text, node))

    def access_table(self, channels: tuple[str, ...]) -> tuple[int, dict[int, bool]]:
        """The fields that decide access on ``channels``, and the decisions made so far."""
        table = self.accesses.get(channels)
        if table is None:
            table = self.accesses[channels] = (self.layout.access_mask(list(channels)), {})
        return table

    def access(self, key: int, channels: tuple[str, ...]) -> bool:
        """Whether a value the actor knows in situation ``key`` is accepted on one of ``channels``
        (remembered per combination of the fields that decides it)."""
        mask, decided = self.access_table(channels)
        known = decided.get(key & mask)
        if known is None:
            world, knowledge, _ = self.layout.decode(key)
            values = {v for _, history in knowledge.known for v in history}
            known = decided[key & mask] = any(
                self.engine.accepts(world, channel, None, value) for channel in channels for value in values
            )
        return known


def _spelled(
    inputs: tuple[tuple[str, StoryValue], ...], meant: dict[StoryValue, str | bool | None]
) -> tuple[tuple[str, str | bool], ...] | None:
    """A move's inputs with what each symbol means (None if one means nothing known)."""
    spelled: list[tuple[str, str | bool]] = []
    for name, value in inputs:
        meaning = meant[value]
        if meaning is None:
            return None
        spelled.append((name, meaning))
    return tuple(spelled)
