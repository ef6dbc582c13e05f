"""Differential testing: the compiled ``transitions`` machine and the reference engine must agree.

:func:`world_of` reads a :class:`~credlab.model.machine.Member` as an engine :class:`~credlab.model.engine.World`;
:func:`disagreements` names every field where the two backends differ after the same step;
:func:`agree` is its fast yes/no, for the fuzzer's inner loop.
"""

from __future__ import annotations

from credlab.model.engine import Delivered, Engine, EngineStep, World
from credlab.model.hashing import digest
from credlab.model.machine import Member, Outcome


def world_of(member: Member, engine: Engine) -> World:
    """The machine member's situation, in the engine's representation."""
    record, spec = member.record, engine.spec
    return World(
        state=member.state,
        credentials=tuple(record.credentials[name] for name in spec.credentials),
        flags=tuple(record.flags[name] for name in spec.flags),
        counters=tuple(record.counters[name] for name in spec.counters),
        deadlines=tuple(record.deadlines[name] for name in spec.deadlines),
        expiry_fired=tuple(name in record.expiry_fired for name in spec.deadlines),
        now=record.now,
        delivered=tuple(
            Delivered(d.time, d.message, digest(engine.salt, d.secret.reveal()) if d.secret is not None else None)
            for d in record.deliveries
        ),
        owner=record.session_owner,
    )


def agree(
    member: Member, outcome: Outcome | None, world: World, step: EngineStep | None, engine: Engine, since: int = 0
) -> bool:
    """Whether :func:`disagreements` would find nothing, checking only deliveries from index ``since``
    on (both backends only ever append them, and the earlier ones were checked at earlier steps)."""
    if outcome is not None and step is not None:
        said = (outcome.accepted, outcome.source, outcome.target, outcome.transition)
        if said != (step.accepted, step.source, step.target, step.transition):
            return False
    record = member.record
    # The record's tables are built in the spec's order and never gain or lose a name (if a broken
    # compiler made one do so, the tuples would differ, which is a disagreement too).
    if (
        member.state != world.state
        or record.now != world.now
        or record.session_owner != world.owner
        or tuple(record.credentials.values()) != world.credentials
        or tuple(record.flags.values()) != world.flags
        or tuple(record.counters.values()) != world.counters
        or tuple(record.deadlines.values()) != world.deadlines
        or len(record.deliveries) != len(world.delivered)
    ):
        return False
    if (record.expiry_fired or True in world.expiry_fired) and tuple(
        name in record.expiry_fired for name in engine.spec.deadlines
    ) != world.expiry_fired:
        return False
    for mine, theirs in zip(record.deliveries[since:], world.delivered[since:], strict=True):
        carried = digest(engine.salt, mine.secret.reveal()) if mine.secret is not None else None
        if (mine.time, mine.message, carried) != (theirs.time, theirs.message, theirs.carried):
            return False
    return True


def disagreements(
    member: Member, outcome: Outcome | None, world: World, step: EngineStep | None, engine: Engine
) -> list[str]:
    """What differs between the machine (member, outcome) and the engine (world, step); empty if they agree."""
    found = []
    if outcome is not None and step is not None:
        for name in ("accepted", "source", "target", "transition"):
            machine_value, engine_value = getattr(outcome, name), getattr(step, name)
            if machine_value != engine_value:
                found.append(f"{name}: transitions machine {machine_value!r}, reference engine {engine_value!r}")
    mine = world_of(member, engine)
    if mine != world:
        spec = engine.spec
        tables = {
            "credentials": list(spec.credentials),
            "flags": list(spec.flags),
            "counters": list(spec.counters),
            "deadlines": list(spec.deadlines),
            "expiry_fired": list(spec.deadlines),
        }
        for field in World._fields:
            left, right = getattr(mine, field), getattr(world, field)
            if left == right:
                continue
            if field in tables:
                names = [n for n, a, b in zip(tables[field], left, right, strict=True) if a != b]
                found.append(f"{field} differ: {', '.join(names)}")
            elif field == "delivered":
                found.append(
                    f"deliveries: machine {[d.message for d in left]}, engine {[d.message for d in right]}"
                    + (
                        " (same messages, different secrets)"
                        if [d.message for d in left] == [d.message for d in right]
                        else ""
                    )
                )
            else:
                found.append(f"{field}: transitions machine {left!r}, reference engine {right!r}")
    return found


def load_world(member: Member, world: World, engine: Engine) -> None:
    """Put ``member`` in exactly ``world``'s situation (deliveries aside: they hold no plaintext)."""
    record, spec = member.record, engine.spec
    member.state = world.state
    record.credentials.update(zip(spec.credentials, world.credentials, strict=True))
    record.flags.update(zip(spec.flags, world.flags, strict=True))
    record.counters.update(zip(spec.counters, world.counters, strict=True))
    record.deadlines.update(zip(spec.deadlines, world.deadlines, strict=True))
    record.expiry_fired = {name for name, fired in zip(spec.deadlines, world.expiry_fired, strict=True) if fired}
    record.now = world.now
    record.deliveries = []
    record.disclosable = {}
    record.session_owner = world.owner
