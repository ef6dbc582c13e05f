"""The successor tables: what each event does per combination of the fields it reads.

The compiled engine of the exploration. An event's outcome in a situation depends only on the
fields its transitions read (:meth:`~credlab.simulator.engine.packing.Layout.event_masks`) and on
what its secret inputs resolve to there; :class:`Tables` computes each combination once, on the
reference engine (:mod:`credlab.model.engine`), as an :class:`Entry` of packed steps that every
situation sharing it reuses. Below the entries, one move's outcome is kept per the fields the
event reads or writes and the move's inputs, so the reference engine runs once per distinct
move, whatever the other moves resolve to.

A mutant differs from its spec in a table row: :meth:`Tables.share` lets a mutant's tables read
the spec's for every event its mutation leaves alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from credlab.model import ir
from credlab.model.engine import Engine, World
from credlab.simulator.analysis.exploration import Edge
from credlab.simulator.analysis.paths import Lessons, Move, PathFinder, apply_lessons, search_random
from credlab.simulator.engine.clocks import Clocks
from credlab.simulator.engine.packing import Interned, Layout, has_secret_inputs
from credlab.simulator.engine.zones import Zone
from credlab.simulator.results import Builtin, PropertyId
from credlab.simulator.stories.knowledge import Knowledge
from credlab.simulator.stories.scenario import StoryValue

Resolved = tuple[tuple[tuple[str, str | bool], ...] | None, ...]
"""Each move's inputs as they resolve in some situation (None: about something not known)."""


Outcome = tuple[tuple[str, ...], tuple[int, int, int, tuple[int, ...], str] | None]
"""What one move does in a situation: the transitions it enables (two or more: ambiguity; only
computed where several could be) and, if one fires, the step's kept fields, new values, lesson
number, restarted deadlines and transition."""
Step = tuple[Edge, int, int, int, tuple[str, ...]]
"""One step from a table: its edge, the fields it leaves alone (a mask: ``(key & kept) | new``
needs no complement per step), the new values of the fields it writes, the number of what it
teaches, the transitions it fires (one for an event; the expiries' for a lapse)."""


@dataclass(slots=True)
class Entry:
    """What an event's moves (or the clock's lapses) do in every situation that shares the
    fields they read (and the values the inputs resolve to)."""

    accepted: tuple[Step, ...]
    ambiguities: tuple[tuple[str, Edge], ...]
    """The nondeterminism met: what enables what, and the step."""
    used_by: object = None
    """The last exploration that took it (its transitions then count as fired there)."""


class Tables(PathFinder):
    """An explorer's successor tables (see the module's docstring), filled as searches meet them."""

    def __init__(
        self,
        engine: Engine,
        actor: str | None = None,
        *,
        max_states: int = 200_000,
        capabilities: frozenset[str] | None = None,
        tables: bool = True,
        layout: Layout | None = None,
        broken: bool = False,
    ) -> None:
        """Tables for ``actor`` (default: the spec's default actor), with ``capabilities`` if
        given; ``layout``: pack situations as another exploration of the same engine did, so
        its packed situations can start this one; ``broken``: also try values the policies
        refuse (see :class:`~credlab.simulator.analysis.paths.PathFinder`); ``tables=False``:
        compute every entry afresh (the oracle the tables are tested against)."""
        super().__init__(engine, actor, max_nodes=max_states, capabilities=capabilities, broken=broken)
        self.tables = tables
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
        self.inputs_met = Interned[tuple[tuple[str, str | bool], ...]]()
        """Each distinct assignment of resolved inputs, numbered (part of a move outcome's key)."""
        self.steps_met: dict[Step, Step] = {}
        self.outcomes_met: dict[Outcome, Outcome] = {}
        """One copy of each distinct step and move outcome: rows that differ elsewhere share them."""
        self.alone = {t.id: (t.id,) for t in self.spec.transitions}
        self.use_moves(self.moves)
        self.nondeterminism = PropertyId.builtin(Builtin.DETERMINISTIC)
        self.deadlock = PropertyId.builtin(Builtin.DEADLOCK_FREE)
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
        self.move_outcomes: dict[str, dict[int, Outcome]] = {e: {} for e in moves}
        """What a move does, per the fields the event reads or writes (a written field may keep
        its value) and the move's resolved inputs: the same in every situation, and every
        resolution of the other moves, that shares them, so the reference engine runs once."""
        self.outcome_masks = {e: self.masks[e][1] | self.event_writes(e) for e in moves}

    def share(self, other: Tables) -> None:
        """Number inputs, lessons and steps as ``other`` does, play its moves for the events both
        can cause, and read its tables for every such event that does the same for both: its
        transitions are the same (a mutant's explorer computes only the rows of the event its
        mutation changed), everything else they depend on is (declarations, access, policies,
        the actor), and what its messages tell reaches both alike (attackers holding different
        capabilities share every event that sends nothing to what they hold apart). Both must
        pack alike (the same layout, or see :meth:`~credlab.simulator.engine.packing.Layout.twin`)."""
        self.resolutions_met, self.resolved_by_id = other.resolutions_met, other.resolved_by_id
        self.lessons_met, self.taught, self.edges = other.lessons_met, other.taught, other.edges
        self.inputs_met, self.steps_met, self.outcomes_met = other.inputs_met, other.steps_met, other.outcomes_met
        common = set(self.moves) & set(other.moves)  # both play the very same moves there
        self.use_moves({e: other.moves[e] if e in common else ms for e, ms in self.moves.items()})
        if (self.actor, self.ambiguity) != (other.actor, other.ambiguity):
            return
        if any(getattr(self.spec, name) != getattr(other.spec, name) for name in _TABLES_READ):
            return
        mine, theirs = _by_event(self.spec), _by_event(other.spec)

        def alike(event: str) -> bool:
            return mine.get(event) == theirs.get(event) and self.hears(event) == other.hears(event)

        if self.presentable != other.presentable:  # what a secret input resolves to differs
            return

        for event in common:
            if alike(event):
                self.outcomes[event], self.resolutions[event] = other.outcomes[event], other.resolutions[event]
                self.move_outcomes[event] = other.move_outcomes[event]
        if all(alike(d.on_expiry) for d in self.spec.deadlines.values() if d.on_expiry is not None):
            self.lapse_table = other.lapse_table

    def hears(self, event: str) -> frozenset[str]:
        """The messages ``event``'s transitions send that reach the actor (what they teach)."""
        spec = self.spec
        return frozenset(
            effect.message
            for t in spec.transitions
            if t.event == event
            for effect in t.effects
            if isinstance(effect, ir.Send) and self.reaches(effect.message)
        )

    def event_writes(self, event: str) -> int:
        """Every field a transition of ``event`` may write."""
        written = 0
        for transition in self.spec.transitions:
            if transition.event == event:
                written |= self.writes[transition.id]
        return written

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
        world, knowledge, _ = unpacked
        candidates = self.engine.table.get((world.state, event), ())
        accepted: list[Step] = []
        ambiguities: list[tuple[str, Edge]] = []
        outcomes = self.move_outcomes[event]
        row = key & self.outcome_masks[event]
        for number, move in enumerate(self.moves[event]):
            if given is None:
                inputs = self.resolve(world, knowledge, move.inputs)
            else:
                spelled = given[number]
                inputs = None if spelled is None else dict(spelled)
            if inputs is None:
                continue
            signature = row | (self.inputs_met.number(tuple(sorted(inputs.items()))) << self.layout.bits)
            known = outcomes.get(signature) if self.tables else None  # without tables: the oracle
            if known is None:
                known = self._outcome(key, unpacked, event, inputs, len(candidates) > 1)
                known = outcomes[signature] = self.outcomes_met.setdefault(known, known)
            enabled, outcome = known
            if len(enabled) > 1:
                ambiguities.append((f"'{event}' enables {', '.join(enabled)} at once", Edge(move)))
            if outcome is None:
                continue
            kept, partial, lesson, resets, transition = outcome
            edge = self.edges.get((id(move), resets))
            if edge is None:  # one Edge per move and restart: entries share them
                edge = self.edges[(id(move), resets)] = Edge(move, resets=resets)
            step: Step = (edge, kept, partial, lesson, self.alone[transition])
            accepted.append(self.steps_met.setdefault(step, step))
        return Entry(tuple(accepted), tuple(ambiguities))  # tuples: a table holds thousands

    def _outcome(
        self,
        key: int,
        unpacked: tuple[World, Knowledge, Zone],
        event: str,
        inputs: dict[str, str | bool],
        several: bool,
    ) -> Outcome:
        """What ``event`` with ``inputs`` does in the unpacked situation ``key`` (see :data:`Outcome`;
        ``several``: whether more than one transition could be enabled)."""
        world, knowledge, zone = unpacked
        enabled = tuple(self.engine.enabled(world, event, inputs)) if self.ambiguity and several else ()
        after, step = self.engine.fire(world, event, inputs, search_random, self.actor)
        if not step.accepted:
            return enabled, None
        assert step.transition is not None
        lesson = self.lessons_met.number(self.lessons(step.transition, inputs, step.disclosed))
        resets = self.clocks.starts[step.transition]
        after = self.clocks.representative(after)
        following = self.layout.encode(after, knowledge, self.clocks.after(zone, after, resets))
        written = self.writes[step.transition]
        assert following & ~written == key & ~written, f"'{step.transition}' changed a field it does not declare"
        return enabled, (self.layout.full ^ written, following & written, lesson, resets, step.transition)

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
            kept = self.layout.full ^ written
            accepted.append((edge, kept, following & written, self.lessons_met.number(lessons), fired))
        return Entry(tuple(accepted), tuple(ambiguities))  # tuples: a table holds thousands

    def violated(self, key: int) -> list[str]:
        """The invariants situation ``key`` breaks (remembered per combination of what they read)."""
        projection = key & self.invariant_mask
        broken = self.broken.get(projection)
        if broken is None:
            world, _, _ = self.layout.decode(key)
            broken = self.broken[projection] = self.engine.violated_invariants(world)
        return broken

    def access_table(self, channels: tuple[str, ...]) -> tuple[int, dict[int, bool]]:
        """The fields that decide access on ``channels``, and the decisions made so far."""
        table = self.accesses.get(channels)
        if table is None:
            table = self.accesses[channels] = (self.layout.access_mask(list(channels)), {})
        return table

    def access(self, key: int, channels: tuple[str, ...]) -> bool:
        """Whether what the actor knows in situation ``key`` (with what they hold) gets them in on
        one of ``channels`` (remembered per combination of the fields that decides it)."""
        mask, decided = self.access_table(channels)
        known = decided.get(key & mask)
        if known is None:
            world, knowledge, _ = self.layout.decode(key)
            values = {v for _, history in knowledge.known for v in history}
            known = decided[key & mask] = any(
                self.engine.grants(world, channel, values, self.presents) for channel in channels
            )
        return known


_TABLES_READ = (
    "parameters", "credentials", "policies", "capabilities", "channels", "access", "actors",
    "flags", "counters", "deadlines", "messages", "states", "initial", "events",
)  # fmt: skip
"""The parts of a spec besides its transitions that what an event does can depend on."""


def _by_event(spec: ir.Spec) -> dict[str, tuple[ir.Transition, ...]]:
    by_event: dict[str, tuple[ir.Transition, ...]] = {}
    for transition in spec.transitions:
        by_event[transition.event] = (*by_event.get(transition.event, ()), transition)
    return by_event


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
