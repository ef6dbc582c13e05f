"""Events from YAML: inputs, capabilities required, and capability events (``gains:`` / ``loses:``).

A capability event changes what an actor holds (the member loses their phone, regains their
mailbox; an attacker swaps the SIM), never the policy's state: the system the policy describes
does not see it. So it takes no inputs, is no deadline's, requires nothing, and no transition
fires on it; each of those is a located error here, not a surprise in a backend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast, get_args

from credlab.model import ir
from credlab.model.errors import Location, Problems
from credlab.model.schema import Obj, records_of, strings_of

if TYPE_CHECKING:
    from credlab.model.build import SpecBuilder


def build_event(b: SpecBuilder, name: str, obj: Obj, actors: dict[str, ir.Actor]) -> ir.Event:
    """The event ``name``; ``actors`` are the spec's (a capability event names one)."""
    inputs = []
    for input_name, spec in records_of(obj.get("inputs")):
        kind = spec.get("type")
        values = strings_of(spec.get("values"))
        if kind == "channel":
            b.refs(spec, "values", b.channels, "channel")
        elif kind == "choice" and not values:
            b.problems.add(spec.loc, f"choice input '{input_name}' needs 'values'")
        elif kind in ("secret", "bool") and "values" in spec:
            b.problems.add(spec.at("values"), f"a {kind} input takes no 'values'")
        inputs.append(
            ir.Input(
                input_name,
                cast(ir.InputType, kind) if kind in get_args(ir.InputType) else "secret",
                spec.get("optional", False) is True,
                values,
                spec.get("description", ""),
                spec.loc,
            )
        )
    internal = obj.get("internal", False) is True
    if internal and inputs:
        b.problems.add(obj.at("inputs"), f"internal event '{name}' is fired by credlab and cannot take inputs")
    return ir.Event(
        name,
        tuple(inputs),
        internal,
        b.refs(obj, "requires", b.capabilities, "capability"),
        obj.get("description", ""),
        b.cite(obj),
        obj.loc,
        assumes=b.refs(obj, "assumes", b.assumptions, "assumption"),
        capability=_capability_change(b, name, obj, actors),
    )


def _capability_change(b: SpecBuilder, name: str, obj: Obj, actors: dict[str, ir.Actor]) -> ir.CapabilityChange | None:
    given = [key for key in ("gains", "loses") if key in obj]
    if not given:
        if "actor" in obj:
            b.problems.add(obj.at("actor"), f"event '{name}' names an actor but neither gains nor loses a capability")
        return None
    if len(given) == 2:
        b.problems.add(obj.at("loses"), f"event '{name}' both gains and loses a capability: declare two events")
        return None
    key = given[0]
    capability = obj.get(key)
    member = next(iter(actors), None)
    actor = obj.get("actor", member)
    if not b.ref(capability, b.capabilities, "capability", obj.at(key)):
        return None
    if actor is None:
        b.problems.add(obj.at(key), f"event '{name}' changes what an actor holds, and the spec declares no actors")
        return None
    if not b.ref(actor, actors, "actor", obj.at("actor") if "actor" in obj else obj.at(key)):
        return None
    for field in ("inputs", "internal", "requires"):
        if field in obj and obj.get(field) not in (False, None):
            b.problems.add(
                obj.at(field),
                f"event '{name}' changes what {actor} holds, not the policy's state: it takes no '{field}'",
            )
    if key == "loses" and capability not in actors[actor].has:
        b.problems.add(
            obj.at(key),
            f"event '{name}': actor '{actor}' does not hold '{capability}' to lose it; add it to the actor's 'has'",
        )
    return ir.CapabilityChange(actor, capability, key == "gains")


def capability_transition(problems: Problems, where: Location, transition: str, event: ir.Event) -> None:
    """A transition fires on a capability event: a located error at its ``event:``."""
    assert event.capability is not None
    problems.add(
        where,
        f"transition '{transition}': event '{event.name}' changes what {event.capability.actor} holds, not the "
        "policy's state, so no transition fires on it; give the policy's reaction its own event "
        "(reporting the loss, say)",
    )
