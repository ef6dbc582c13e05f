"""The joint search: two versions of a spec side by side, the same inputs played on both.

Mutation asks it whether a surviving mutant is equivalent (no reachable situation lets it behave
visibly differently) or a gap in the stories; ``credlab diff`` asks it what a change to a policy
does. Breadth-first over pairs of packed situations — each side's, each with what its own member
was told, and one zone over both sides' deadlines
(:class:`~credlab.simulator.engine.clocks.JointClocks`) — the search plays each move on both sides
through each side's successor tables, and each wait that lapses deadlines on either side, and
finds the steps whose outcome a story could see differ: accepted or not, the transition, the
state, which credentials are set, flags, counters, what each channel accepts. Such a step's path,
with the shortest concrete waits, is the story that tells the two apart.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

from credlab.model import ir
from credlab.model.engine import Engine, EngineStep
from credlab.simulator.analysis.explore import Explorer
from credlab.simulator.analysis.paths import Move, apply_lessons, search_random, start_values
from credlab.simulator.analysis.tables import Entry, Resolved, Step
from credlab.simulator.engine.clocks import Clocks, JointClocks, Timed
from credlab.simulator.engine.zones import Zone
from credlab.simulator.stories.knowledge import Knowledge
from credlab.simulator.stories.scenario import Advance

JOINT_SEARCH_BOUND = 50_000
"""How many joint situations :func:`distinguish` searches before it calls a survivor undecided."""
UNDECIDED = "undecided"
"""What :func:`distinguish` returns when its bound stopped the joint search before it ended."""


@dataclass(frozen=True, slots=True)
class JointStep:
    move: Move | None
    """The event move played on both sides; None for a wait."""
    lapse: tuple[int, ...] = ()
    resets: tuple[int, ...] = ()
    """Joint clock numbers: the spec's deadline i is i, the mutant's is n + i."""


OBSERVED = ("state", "credentials", "flags", "counters", "access")
"""What a story sees of a situation besides the step, in the order :meth:`_Side.observed` gives."""


@dataclass(frozen=True, slots=True)
class Differ:
    """Where the two sides part: what a story would see differ (``accepted``, ``transition``, one
    of :data:`OBSERVED`, or ``lapse``) and each side's value of it — for the parts
    made of names (credentials, flags, counters, access), only the names that differ."""

    what: str
    left: object
    right: object

    @property
    def kind(self) -> tuple[object, ...]:
        """Partings of one kind: a lapse by the transitions one side fires and the other does not
        (and where each ends, if apart), the rest by value."""
        if self.what == "lapse" and isinstance(self.left, tuple) and isinstance(self.right, tuple):
            mine, theirs = set(self.left[0]), set(self.right[0])  # what one side fires and the other does not
            ends = (self.left[1], self.right[1]) if self.left[1] != self.right[1] else None
            return (self.what, tuple(sorted(mine - theirs)), tuple(sorted(theirs - mine)), ends)
        return (self.what, self.left, self.right)


class _Side:
    """One side of the search: its explorer (tables), and its situations with the zone field
    set to the canonical zone of the deadlines running (the joint zone keeps the times).
    ``hidden`` names flags and counters a story cannot see on both sides (declared in one
    version only): left out of what is compared."""

    def __init__(self, explorer: Explorer, hidden: frozenset[str] = frozenset()) -> None:
        self.explorer, self.layout = explorer, explorer.layout
        self.zone_field = self.layout.fields["zone"]
        self.deadline_mask = self.layout.mask({f"deadline:{d}" for d in explorer.spec.deadlines})
        self.canonical: dict[int, int] = {}
        self.seen: dict[int, tuple[object, ...]] = {}
        spec = explorer.spec
        self.flags = [(i, n) for i, n in enumerate(spec.flags) if n not in hidden]
        self.counters = [(i, n) for i, n in enumerate(spec.counters) if n not in hidden]

    def normal(self, key: int) -> int:
        """``key`` with the zone field of its running deadlines all just started."""
        running = key & self.deadline_mask
        number = self.canonical.get(running)
        if number is None:
            zone = Zone()
            for clock in self.layout.ticking(key):
                zone = zone.reset(clock)
            number = self.canonical[running] = self.layout.zones.number(self.explorer.clocks.settle(zone))
        return (key & ~self.zone_field.mask) | (number << self.zone_field.offset)

    def observed(self, key: int) -> tuple[object, ...]:
        """What a story sees of situation ``key`` (besides the step), one part per :data:`OBSERVED`:
        state, credentials set, flags, counters, and which credentials each channel accepts."""
        known = self.seen.get(key)
        if known is None:
            world, _, _ = self.layout.decode(key)
            engine, spec = self.explorer.engine, self.explorer.spec
            access = tuple(
                (ch, tuple(c for c in spec.credentials if engine.accepts(world, ch, c))) for ch in spec.channels
            )
            known = (
                world.state,
                tuple((c, v is not None) for c, v in zip(spec.credentials, world.credentials, strict=True)),
                tuple((n, world.flags[i]) for i, n in self.flags),
                tuple((n, world.counters[i]) for i, n in self.counters),
                access,
            )
            self.seen[key] = known
        return known

    def entry(self, key: int, event: str, row: int, given: Resolved | None) -> Entry:
        """The table entry of ``event`` at ``row`` (made from situation ``key`` if new)."""
        table = self.explorer.outcomes[event]
        found = table.get(row)
        if found is None:
            found = table[row] = self.explorer.event_outcomes(key, self.layout.decode(key), event, given)
        return found


def parted(left: tuple[object, ...], right: tuple[object, ...]) -> Differ | None:
    """The first part of two observations that differs (None: a story sees them alike)."""
    for what, mine, theirs in zip(OBSERVED, left, right, strict=True):
        if mine == theirs:
            continue
        if isinstance(mine, tuple) and isinstance(theirs, tuple):  # named parts: only those that differ
            names = dict(theirs)
            mine = tuple(item for item in mine if names.get(item[0]) != item[1])
            theirs = tuple((n, names[n]) for n, _ in mine if n in names)
        return Differ(what, mine, theirs)
    return None


Parting = tuple[str, tuple["Move", ...], Differ]
"""A story's starting state and moves, and how the two sides differ at its last step."""


def _resolution(explorer: Explorer, event: str, key: int) -> int | None:
    """The number of how ``event``'s moves resolve in situation ``key`` on ``explorer``'s side
    (0 for an event whose inputs resolve alike everywhere), computed once per situation class."""
    resolve, _ = explorer.masks[event]
    if not resolve:
        return 0
    number = explorer.resolutions[event].get(key & resolve)
    if number is None:
        number = explorer.resolutions[event][key & resolve] = explorer.resolution(event, explorer.layout.decode(key))
    return number


def _paired(moves: list[Move], entries: list[Entry]) -> list[tuple[Move, Step | None, Step | None]]:
    """Each move that either side accepts, with what each side does (None: refuses). A move both
    refuse (or whose input the actor does not know) changes nothing on either side: left out.
    Both sides play the very same Move objects, so they are matched by identity."""
    mine, theirs = ({id(item[0].move): item for item in entry.accepted} for entry in entries)
    return [(m, mine.get(id(m)), theirs.get(id(m))) for m in moves if id(m) in mine or id(m) in theirs]


class JointSearch:
    """The spec (the left side, trying also values its policies refuse) and a mutant or another
    version (the right), searched together breadth-first for the situations where a story sees
    them differ.

    ``hidden`` are flags and counters only one side declares (not compared); ``renamed`` maps the
    right side's transition ids to the left's (a renamed transition fires alike). Each side's
    member knows what its own version told them, and each side resolves a move's inputs
    (``{known: pin}``) from that, as a story's run does: two versions may mail different things
    (a mutant that drops a ``send``, a policy that stops mailing the PIN), and it shows at the
    step that uses what one member was not told."""

    def __init__(
        self,
        left: Explorer,
        right_spec: ir.Spec,
        *,
        hidden: frozenset[str] = frozenset(),
        renamed: Mapping[str, str] | None = None,
    ) -> None:
        other = Engine(right_spec)
        # one numbering of stored values, knowledge and zones for both sides
        right = Explorer(other, left.actor, layout=left.layout.twin(right_spec, Clocks(other)), broken=True)
        right.ambiguity = False  # told apart by what stories see
        right.share(left)  # the right side computes only the rows of events that differ
        self.left, self.right = _Side(left, hidden), _Side(right, hidden)
        self.clocks = JointClocks(left.clocks, right.clocks)
        self.width = len(left.spec.deadlines)
        self.renamed = dict(renamed or {})
        self.searched = 0
        """How many joint situations :meth:`differences` met."""
        self.afters: dict[tuple[Zone, frozenset[int], tuple[int, ...]], Zone] = {}
        self.lapses: dict[Zone, list[tuple[tuple[int, ...], tuple[int, ...], Zone]]] = {}
        self.pairs: dict[tuple[str, int, int], list[tuple[Move, Step | None, Step | None]]] = {}

    def _right_values(self, values: Mapping[str, str]) -> dict[str, str]:
        """The right side's starting credentials: the left's values of those it sets initially too,
        its own start values for those only it sets (a version may start with a credential set
        that the other leaves unset)."""
        spec = self.right.explorer.spec
        own = start_values(spec)
        return {n: values.get(n, own[n]) for n, c in spec.credentials.items() if c.initially_set}

    def distinguish(self, max_states: int) -> tuple[str, tuple[Move, ...]] | str | None:
        found, complete = self.differences(max_states, 1)
        if found:
            start, moves, _ = found[0]
            return start, moves
        return None if complete else UNDECIDED

    def differences(self, max_states: int, limit: int) -> tuple[list[Parting], bool]:
        """The shortest story to each kind of difference (the step and what differs, up to
        ``limit`` of them), and whether the search ended: every reachable joint situation was
        searched, so there is no other kind (False: ``max_states`` or ``limit`` stopped it)."""
        left, right = self.left.explorer, self.right.explorer
        keys: list[tuple[int, int, Zone]] = []
        parents: list[tuple[int, JointStep] | None] = []
        starts: dict[int, str] = {}
        index: dict[tuple[int, int], list[tuple[Zone, int]]] = {}
        queue: deque[int] = deque()
        found: list[Parting] = []
        kinds: set[tuple[object, ...]] = set()

        def intern(lkey: int, rkey: int, zone: Zone, parent: tuple[int, JointStep] | None) -> None:
            lkey, rkey = self.left.normal(lkey), self.right.normal(rkey)
            stored = index.setdefault((lkey, rkey), [])
            if any(z.includes(zone) for z, _ in stored):
                return
            stored.append((zone, len(keys)))
            keys.append((lkey, rkey, zone))
            parents.append(parent)
            queue.append(len(keys) - 1)

        for state in left.spec.initial:
            if state not in right.spec.initial:
                continue  # a start of one side only: the caller says so, no story starts there on both
            world, knowledge = left.start(state)
            starts[len(keys)] = state
            lkey = left.layout.encode(left.clocks.representative(world), knowledge, left.clocks.started(world))
            values = self._right_values(left.initial_values)
            rworld = right.engine.initial(state, values, actor=left.actor)
            rknowledge = Knowledge()  # the right member knows what its own version starts them with
            for name, value in values.items():
                rknowledge = rknowledge.learn(name, value)
            rkey = right.layout.encode(right.clocks.representative(rworld), rknowledge, right.clocks.started(rworld))
            zone = Zone()  # the two sides' deadlines that run from the start, just started
            for clock in (*left.clocks.ticking(world), *(self.width + c for c in right.clocks.ticking(rworld))):
                zone = zone.reset(clock)
            differ = parted(self.left.observed(lkey), self.right.observed(rkey))
            if differ is not None and (None, *differ.kind) not in kinds:  # apart before any step
                kinds.add((None, *differ.kind))
                found.append((state, (Move(advance=Advance(seconds=0)),), differ))  # a wait of nothing shows it
            intern(lkey, rkey, self.clocks.settle(zone), None)
        while queue:
            self.searched = len(keys)
            if len(keys) > max_states:
                return found, False
            node = queue.popleft()
            lkey, rkey, zone = keys[node]
            for step, following in (*self._events(lkey, rkey, zone), *self._waits(lkey, rkey, zone)):
                if not isinstance(following, Differ):
                    intern(*following, (node, step))
                    continue
                kind = (step.move.event if step.move else None, *following.kind)
                if kind not in kinds:
                    kinds.add(kind)
                    found.append((*self._story(keys, parents, starts, node, step), following))
                    if len(found) >= limit:
                        return found, False
        self.searched = len(keys)
        return found, True

    def _events(self, lkey: int, rkey: int, zone: Zone) -> list[tuple[JointStep, tuple[int, int, Zone] | Differ]]:
        """Each move's joint step, with its joint successor or how the sides differ there."""
        sides = (self.left, self.right)
        found: list[tuple[JointStep, tuple[int, int, Zone] | Differ]] = []
        lstate, rstate = self.left.layout.state_of(lkey), self.right.layout.state_of(rkey)
        handled = set(self.left.explorer.state_events[lstate]) | set(self.right.explorer.state_events[rstate])
        left, right = self.left.explorer, self.right.explorer
        for event in (e for e in left.moves if e in handled):
            number = _resolution(left, event, lkey)
            # each side resolves the moves' inputs from what its own member knows (a story's
            # {known: pin} is whatever that run's member was told)
            rnumber = _resolution(right, event, rkey)
            rows = (
                (lkey & left.masks[event][1]) | ((number or 0) << self.left.layout.bits),
                (rkey & right.masks[event][1]) | ((rnumber or 0) << self.right.layout.bits),
            )
            pairs = self.pairs.get((event, rows[0], rows[1]))
            if pairs is None:
                given = [
                    explorer.resolved_by_id[n] if explorer.masks[event][0] and n is not None else None
                    for explorer, n in ((left, number), (right, rnumber))
                ]
                entries = [
                    side.entry(key, event, row, g)
                    for side, key, row, g in zip(sides, (lkey, rkey), rows, given, strict=True)
                ]
                pairs = self.pairs[(event, rows[0], rows[1])] = _paired(left.moves[event], entries)
            for move, mine, theirs in pairs:
                step = JointStep(move)
                if mine is None or theirs is None:
                    found.append((step, Differ("accepted", mine is not None, theirs is not None)))
                    continue
                fired = tuple(self.renamed.get(t, t) for t in theirs[4])
                if mine[4] != fired:
                    found.append((step, Differ("transition", mine[4], fired)))
                    continue
                after = (self._apply(self.left, lkey, mine), self._apply(self.right, rkey, theirs))
                differ = parted(self.left.observed(after[0]), self.right.observed(after[1]))
                if differ is not None:
                    found.append((step, differ))
                    continue
                resets = mine[0].resets + tuple(self.width + c for c in theirs[0].resets)
                joint = self._after(zone, after[0], after[1], resets)
                found.append((JointStep(move, resets=resets), (after[0], after[1], joint)))
        return found

    @staticmethod
    def _apply(side: _Side, key: int, item: Step) -> int:
        _, kept, partial, lesson, _ = item
        following = (key & kept) | partial
        return side.explorer.teach(following, lesson) if lesson else following

    def _after(self, zone: Zone, lkey: int, rkey: int, resets: tuple[int, ...]) -> Zone:
        """The settled joint zone after a step to ``lkey``/``rkey`` that (re)started ``resets``."""
        ticking = frozenset(self.left.layout.ticking(lkey)) | {self.width + c for c in self.right.layout.ticking(rkey)}
        remembered = self.afters.get((zone, ticking, resets))
        if remembered is None:
            remembered = self.afters[(zone, ticking, resets)] = self.clocks.moved(zone, ticking, resets)
        return remembered

    def _waits(self, lkey: int, rkey: int, zone: Zone) -> list[tuple[JointStep, tuple[int, int, Zone] | Differ]]:
        found: list[tuple[JointStep, tuple[int, int, Zone] | Differ]] = []
        lapses = self.lapses.get(zone)
        if lapses is None:  # a function of the zone alone, and zones recur across situations
            lapses = self.lapses[zone] = list(self.clocks.joint_lapses(zone))
        for lorder, rorder, lapsed in lapses:
            after: list[int] = []
            seen: list[tuple[object, ...]] = []
            steps: list[tuple[int, ...]] = []
            for side, key, order in (
                (self.left, lkey, lorder),
                (self.right, rkey, tuple(c - self.width for c in rorder)),
            ):
                explorer = side.explorer
                world, knowledge, _ = side.layout.decode(key)
                moved, fired = world, list[EngineStep]()
                if order:
                    names = [explorer.clocks.names[i] for i in order]
                    moved, fired = explorer.engine.lapse(
                        explorer.clocks.lapsed_world(world, order), names, search_random
                    )
                mine = knowledge
                for s in fired:
                    mine = apply_lessons(mine, explorer.lessons(s.transition, {}, s.disclosed))
                ids = self.renamed if side is self.right else {}
                renamed = [
                    ids.get(s.transition, s.transition) for s in fired if s.transition
                ]  # a lapse nothing handles: unseen
                # what a story sees of one advance: the transitions (in no order), the state, the
                # credentials set or not (a stored value shows when a later step uses it)
                stored = tuple(v is not None for v in moved.credentials)
                seen.append((tuple(sorted(renamed)), (moved.state,), stored))
                steps.append(tuple(c for s in fired if s.transition for c in explorer.clocks.starts[s.transition]))
                after.append(side.layout.encode(explorer.clocks.representative(moved), mine, Zone()))
            resets = steps[0] + tuple(self.width + c for c in steps[1])
            step = JointStep(None, lorder + rorder, resets)
            if seen[0] != seen[1]:
                found.append((step, Differ("lapse", seen[0], seen[1])))
                continue
            found.append((step, (after[0], after[1], self._after(lapsed, after[0], after[1], resets))))
        return found

    def _story(
        self,
        keys: list[tuple[int, int, Zone]],
        parents: list[tuple[int, JointStep] | None],
        starts: dict[int, str],
        node: int,
        last: JointStep,
    ) -> tuple[str, tuple[Move, ...]]:
        """The start and the moves to ``node`` then ``last``, with the shortest concrete waits."""
        steps = [(keys[node][2].clocks, last)]
        link = parents[node]
        while link is not None:
            node, step = link
            steps.append((keys[node][2].clocks, step))
            link = parents[node]
        steps.reverse()
        delays = self.clocks.concrete_delays([Timed(ticking, s.lapse, s.resets) for ticking, s in steps])
        assert delays is not None, "a joint path from the start is realised by the zones it came from"
        moves: list[Move] = []
        for delay, (_, step) in zip(delays, steps, strict=True):
            if delay or step.move is None:
                moves.append(Move(advance=Advance(seconds=delay)))
            if step.move is not None:
                moves.append(step.move)
        return starts[node], tuple(moves)


_SPEC_SIDES: dict[ir.Spec, Explorer] = {}


def _spec_side(original: ir.Spec) -> Explorer:
    """The spec's side of every joint search against its mutants: one explorer per process, whose
    tables every mutant's search fills and reads (the spec's rows do not change with the mutant)."""
    explorer = _SPEC_SIDES.get(original)
    if explorer is None:
        _SPEC_SIDES.clear()  # one spec's mutants at a time: memory stays bounded
        explorer = _SPEC_SIDES[original] = Explorer(Engine(original), broken=True)
        explorer.ambiguity = False
    return explorer


def distinguish(
    original: ir.Spec, mutant: ir.Spec, max_states: int = JOINT_SEARCH_BOUND
) -> tuple[str, tuple[Move, ...]] | str | None:
    """The shortest moves after which ``mutant`` visibly differs from ``original``; None if none does
    in any reachable joint situation (an equivalent mutant, as far as stories can see); or
    :data:`UNDECIDED` if ``max_states`` joint situations were searched without an answer."""
    return JointSearch(_spec_side(original), mutant).distinguish(max_states)
