"""Situations packed into one integer, and which parts of it each event reads.

Exploration keeps millions of situations and expands each once. As objects (a world, what the
member knows, a zone) a situation costs hundreds of bytes and every successor is built field by
field; packed, it is one ``int`` whose fields are bit ranges: the state, the session's owner, each
flag, counter and deadline (running, lapsed), each credential's stored value and the member's
knowledge and zone (the last three as numbers of interned values).

What an event does in a situation depends only on the fields its transitions read (guards,
effects, the session gate, the inputs it resolves): :meth:`Layout.event_masks` computes them from
the IR, so the outcome found once for one combination of those fields serves every situation
that shares it — the successor table of a compiled engine, filled as the search meets it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from credlab.model import ir
from credlab.model.engine import World
from credlab.model.hashing import Stored
from credlab.simulator.engine.clocks import Clocks
from credlab.simulator.engine.zones import Zone
from credlab.simulator.stories.knowledge import Knowledge
from credlab.simulator.stories.scenario import SecretRef

T = TypeVar("T")
VALUE_BITS, KNOWLEDGE_BITS, ZONE_BITS, WORD = 8, 16, 16, 64
"""Room for interned values: a credential's stored values, the member's knowledge, zones (at
least; the zone takes the rest of a machine word where there is more).

A packed situation is a Python ``int``, and CPython's arithmetic, hashing and storage cost grows
with the number of 30-bit digits it needs. The fields are therefore as narrow as their values
allow (the owner holds one of the spec's actors; a counter's width is its maximum's), and the
zone, the one field whose count is not bounded by the spec's declarations, comes last and takes
what is left of a 64-bit word: ANA's situations fit in two digits, not five, and in one machine
word, so a search's situations (and a block of simulated members) are a plain ``array('Q')``."""


@dataclass(frozen=True, slots=True)
class Field:
    offset: int
    width: int

    @property
    def mask(self) -> int:
        return ((1 << self.width) - 1) << self.offset


class Interned(Generic[T]):
    """Values numbered in the order they are first met (``first`` ones numbered from 0); with
    ``bits``, at most ``2 ** bits`` of them, what they are named in an overflow's message."""

    def __init__(self, *first: T, bits: int | None = None, what: str = "values") -> None:
        self.values: list[T] = []
        self.numbers: dict[T, int] = {}
        self.bits, self.what = bits, what
        for value in first:
            self.number(value)

    def number(self, value: T) -> int:
        known = self.numbers.get(value)
        if known is None:
            known = self.numbers[value] = len(self.values)
            if self.bits is not None and known >> self.bits:
                raise OverflowError(
                    f"more than {1 << self.bits:,} distinct {self.what} in one exploration: more than a packed "
                    "situation holds (split the spec, or bound what grows)"
                )
            self.values.append(value)
        return known


class Layout:
    """Where each part of a situation lives in its packed integer, for one spec."""

    def __init__(self, spec: ir.Spec, clocks: Clocks, widths: dict[str, int] | None = None) -> None:
        """``widths`` widens fields by name (two versions of a spec whose counters count to
        different maxima pack alike with the wider field)."""
        self.spec, self.clocks = spec, clocks
        self.widths = dict(widths or {})
        self.fields: dict[str, Field] = {}
        self._next = 0
        self._add("state", max(len(spec.states) - 1, 1).bit_length())
        owner_bits = max(len(spec.actors), 1).bit_length()
        self._add("owner", owner_bits)
        for name in spec.flags:
            self._add(f"flag:{name}", 1)
        for name, counter in spec.counters.items():
            self._add(f"counter:{name}", max(counter.maximum, 1).bit_length())
        for name in spec.deadlines:
            self._add(f"deadline:{name}", 2)  # bit 0: runs; bit 1: has lapsed
        for name in spec.credentials:
            self._add(f"credential:{name}", VALUE_BITS)
        self._add("knowledge", KNOWLEDGE_BITS)
        zone_bits = max(ZONE_BITS, WORD - self._next)
        self._add("zone", zone_bits)  # last: see ZONE_BITS
        self.states = list(spec.states)
        self.state_numbers = {name: i for i, name in enumerate(self.states)}
        self.final_states = frozenset(i for i, name in enumerate(self.states) if spec.states[name].final)
        """The numbers of the final states: ends, where nothing is owed (no way on, no way back)."""
        self.owners = Interned[str | None](None, bits=owner_bits, what="session owners")
        self.values = [  # 0: not set
            Interned[Stored](None, bits=VALUE_BITS, what=f"values of {name}") for name in spec.credentials
        ]
        self.knowledge = Interned[Knowledge](bits=KNOWLEDGE_BITS, what="states of the member's knowledge")
        self.zones = Interned[Zone](bits=zone_bits, what="zones")
        self._flag_fields = [self.fields[f"flag:{n}"] for n in spec.flags]
        self._counter_fields = [self.fields[f"counter:{n}"] for n in spec.counters]
        self._deadline_fields = [self.fields[f"deadline:{n}"] for n in spec.deadlines]
        self._credential_fields = [self.fields[f"credential:{n}"] for n in spec.credentials]
        self.zone_mask = self.fields["zone"].mask

    def twin(self, spec: ir.Spec, clocks: Clocks) -> Layout:
        """A layout of ``spec`` (a variant with the same declarations: a mutant) that numbers
        stored values, knowledge, zones and owners as this one does, so the two pack alike."""
        twin = Layout(spec, clocks, self.widths)
        assert twin.fields == self.fields, "a variant keeps the spec's declarations"
        twin.owners, twin.values, twin.knowledge, twin.zones = self.owners, self.values, self.knowledge, self.zones
        return twin

    def _add(self, name: str, width: int) -> None:
        width = max(width, self.widths.get(name, 0))
        self.fields[name] = Field(self._next, width)
        self._next += width

    def ticking(self, key: int) -> tuple[int, ...]:
        """The deadlines running and not lapsed in situation ``key``, by number."""
        return tuple(i for i, f in enumerate(self._deadline_fields) if (key >> f.offset) & 3 == 1)

    def state_of(self, key: int) -> int:
        field = self.fields["state"]
        return (key >> field.offset) & ((1 << field.width) - 1)

    # --- packing ---------------------------------------------------------------------------------
    def encode(self, world: World, knowledge: Knowledge, zone: Zone) -> int:
        """The packed situation of a representative ``world`` (see :meth:`Clocks.representative`)."""
        fields = self.fields
        key = self.state_numbers[world.state] << fields["state"].offset
        key |= self.owners.number(world.owner) << fields["owner"].offset
        for field, flag in zip(self._flag_fields, world.flags, strict=True):
            key |= int(flag) << field.offset
        for field, count in zip(self._counter_fields, world.counters, strict=True):
            key |= count << field.offset
        for field, start, lapsed in zip(self._deadline_fields, world.deadlines, world.expiry_fired, strict=True):
            key |= ((start is not None) | (lapsed << 1)) << field.offset
        for field, table, stored in zip(self._credential_fields, self.values, world.credentials, strict=True):
            key |= table.number(stored) << field.offset
        key |= self.knowledge.number(knowledge) << fields["knowledge"].offset
        return key | self.zones.number(zone) << fields["zone"].offset

    def decode(self, key: int) -> tuple[World, Knowledge, Zone]:
        def part(field: Field) -> int:
            return (key >> field.offset) & ((1 << field.width) - 1)

        fields, lapse_at = self.fields, self.clocks.lapse_at
        bits = [part(f) for f in self._deadline_fields]
        world = World(
            self.states[part(fields["state"])],
            tuple(table.values[part(f)] for f, table in zip(self._credential_fields, self.values, strict=True)),
            tuple(bool(part(f)) for f in self._flag_fields),
            tuple(part(f) for f in self._counter_fields),
            tuple(None if not b & 1 else (-lapse_at[i] if b & 2 else 0) for i, b in enumerate(bits)),
            tuple(bool(b & 2) for b in bits),
            0,
            (),
            self.owners.values[part(fields["owner"])],
        )
        return world, self.knowledge.values[part(fields["knowledge"])], self.zones.values[part(fields["zone"])]

    def zone_of(self, key: int) -> Zone:
        field = self.fields["zone"]
        return self.zones.values[(key >> field.offset) & ((1 << field.width) - 1)]

    def mask(self, names: set[str]) -> int:
        result = 0
        for name in names:
            result |= self.fields[name].mask
        return result

    # --- what reads what -------------------------------------------------------------------------
    def reads(self, guard: ir.Guard) -> set[str]:
        """The fields whose values can change whether ``guard`` holds (inputs aside)."""
        match guard:
            case ir.Matches(credential=c) | ir.IsSet(credential=c) | ir.CodesLeft(credential=c):
                return {f"credential:{c}"}
            case ir.Authenticates(channel=channel):
                return self._access(channel)
            case ir.Accepts(channel=channel, credential=c):
                return self._access(channel, c)
            case ir.FlagSet(flag=f):
                return {f"flag:{f}"}
            case ir.CountAtLeast(counter=c):
                return {f"counter:{c}"}
            case ir.Within(deadline=d) | ir.Expired(deadline=d):
                return {f"deadline:{d}"}
            case ir.InState():
                return {"state"}
            case ir.Not(guard=inner):
                return self.reads(inner)
            case ir.All(guards=parts) | ir.AnyOf(guards=parts):
                return set().union(*(self.reads(p) for p in parts))
            case ir.Implies(condition=a, consequence=b):
                return self.reads(a) | self.reads(b)
        return set()  # Satisfies, Given, InputTrue, InputIn: the inputs only

    def _access(self, channel: str | None, credential: str | None = None) -> set[str]:
        """What the access table reads for ``channel`` (every channel when None)."""
        read: set[str] = set()
        for rule in self.spec.access:
            if (channel is None or rule.channel == channel) and (credential is None or credential in rule.credentials):
                read |= {f"credential:{c}" for c in rule.credentials}
                if rule.when is not None:
                    read |= self.reads(rule.when)
        return read

    def access_mask(self, channels: list[str]) -> int:
        """What deciding access on ``channels`` with what the member knows reads."""
        return self.mask(set().union(*(self._access(c) for c in channels)) | {"knowledge"})

    def invariant_mask(self) -> int:
        return self.mask(set().union(set(), *(self.reads(inv.holds) for inv in self.spec.invariants)))

    def event_masks(self, event: str, moves_have_secrets: bool) -> tuple[int, int]:
        """(resolve mask, decision mask) of ``event``.

        Resolving the moves' secret inputs reads what the actor knows and the stored values (a
        wrong value is one that differs from the stored one). Given the resolved inputs, what
        the event does reads the state, the owner (the session gate), its guards' fields, and
        the fields whose new value depends on the old: an incremented counter, a stopped
        deadline (its lapse is kept), the zone when deadlines start or stop, a credential set from
        an optional input (absent, the old value stays). What a step
        teaches is applied to the knowledge apart (:func:`~credlab.simulator.analysis.paths.
        apply_lessons`), so the knowledge itself is not read here.
        """
        reads = {"state", "owner"}
        for t in self.spec.transitions:
            if t.event != event:
                continue
            for g in t.guards:
                reads |= self.reads(g)
            for e in t.effects:
                match e:
                    case ir.Increment(counter=c):
                        reads.add(f"counter:{c}")
                    case ir.StopDeadline(deadline=d):
                        reads |= {f"deadline:{d}", "zone"}
                    case ir.StartDeadline():
                        reads.add("zone")
                    case ir.SetCredential(credential=c, input=given):
                        declared = self.spec.events[event].input(given)
                        if declared is None or declared.optional:  # without the input, the old value stays
                            reads.add(f"credential:{c}")
                    case ir.UseCode(credential=c):  # the codes left are the old ones but one
                        reads.add(f"credential:{c}")
        resolve = {"knowledge", *(f"credential:{c}" for c in self.spec.credentials)} if moves_have_secrets else set()
        return self.mask(resolve), self.mask(reads)

    def writes(self, transition: ir.Transition) -> int:
        """Every field ``transition`` may change (the knowledge aside: see :meth:`event_masks`)."""
        written = {"state", "owner"}
        for e in transition.effects:
            match e:
                case (
                    ir.SetCredential(credential=c)
                    | ir.UseCode(credential=c)
                    | ir.ClearCredential(credential=c)
                    | ir.RandomizeCredential(credential=c)
                ):
                    written.add(f"credential:{c}")
                case ir.SetFlag(flag=f):
                    written.add(f"flag:{f}")
                case ir.Increment(counter=c) | ir.ResetCounter(counter=c):
                    written.add(f"counter:{c}")
                case ir.StartDeadline(deadline=d) | ir.StopDeadline(deadline=d):
                    written |= {f"deadline:{d}", "zone"}
        return self.mask(written)

    @property
    def bits(self) -> int:
        """How many bits a packed situation uses."""
        return self._next

    @property
    def word(self) -> bool:
        """Whether a packed situation fits in one unsigned 64-bit machine word."""
        return self._next <= WORD

    @property
    def full(self) -> int:
        """Every bit a packed situation may use."""
        return (1 << self._next) - 1


def has_secret_inputs(moves: list[tuple[tuple[str, object], ...]]) -> bool:
    """Whether any input refers to a secret the actor holds (or a wrong one): resolving it
    reads the knowledge and the stored credentials."""
    return any(isinstance(value, SecretRef) for inputs in moves for _, value in inputs)
