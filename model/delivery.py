"""Messages that take time to arrive, written with the spec's own parts.

A message with a ``delay`` of ``min``..``max`` arrives at some instant between the two after it
is sent. credlab adds, for each such message ``m``, what the spec would say by hand:

- two deadlines started wherever ``m`` is sent: ``m_deliverable`` lapses after ``min`` (from then
  on the message may arrive) and ``m_in_transit`` after ``max`` (it has arrived by then);
- an internal event ``m_arrives``, fired by the post or the network: exploration fires it at every
  instant the window allows, a story says when with ``do: m_arrives``, and the clock fires it
  when ``m_in_transit`` lapses;
- a transition ``m_arrives`` from every state but the ends, which stops both deadlines.

So every backend (the reference engine, the ``transitions`` machine, zones, scenarios) runs a
delayed message with no code of its own; what a message carries reaches its recipients when it
arrives, not when it is sent. A message sent again while the first is in transit restarts its
window: only the latest is in flight (its content replaces the earlier one's).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

from credlab.model import ir
from credlab.model.node import replace

if TYPE_CHECKING:
    from credlab.model.build import SpecBuilder


def deliverable(message: str) -> str:
    return f"{message}_deliverable"


def in_transit(message: str) -> str:
    return f"{message}_in_transit"


def arrives(message: str) -> str:
    return f"{message}_arrives"


def arrival_events(b: SpecBuilder) -> MappingProxyType[str, ir.Event]:
    """The spec's events with each delayed message's arrival added (before its transitions are
    read, so that the spec's own transitions may name it); a name already taken is a located error."""
    events = dict(b.events)
    for name, message in b.messages.items():
        if message.delay is None:
            continue
        clashes = [d for d in (deliverable(name), in_transit(name)) if d in b.deadlines]
        clashes += [arrives(name)] if arrives(name) in events else []
        if clashes:
            b.problems.add(
                message.loc,
                f"message '{name}' has a delay, and credlab names what it adds for it "
                f"{', '.join(repr(c) for c in clashes)}: rename the spec's own",
            )
            continue
        events[arrives(name)] = ir.Event(
            arrives(name), (), True, (), f"{name} arrives.", message.sources, message.loc, name
        )
    return MappingProxyType(events)


def add_arrivals(
    b: SpecBuilder, written: tuple[ir.Transition, ...]
) -> tuple[MappingProxyType[str, ir.Deadline], tuple[ir.Transition, ...]]:
    """The spec's deadlines and transitions with those of every delayed message: its two
    deadlines, started wherever it is sent; the window guard and the stops on the spec's own
    transitions of its arrival; and, from every other state but the ends, an arrival that stays."""
    delayed = {name: m for name, m in b.messages.items() if m.delay is not None and arrives(name) in b.events}
    if not delayed:
        return b.deadlines, written
    deadlines, transitions = dict(b.deadlines), []
    arrived = {m: (ir.Expired(deliverable(m)),) for m in delayed}
    stops = {m: (ir.StopDeadline(deliverable(m)), ir.StopDeadline(in_transit(m))) for m in delayed}
    by_event = {arrives(m): m for m in delayed}
    for t in written:
        effects: list[ir.Effect] = []
        for e in t.effects:
            effects.append(e)
            if isinstance(e, ir.Send) and e.message in delayed:
                effects += [ir.StartDeadline(deliverable(e.message)), ir.StartDeadline(in_transit(e.message))]
        m = by_event.get(t.event)
        if m is not None:  # the spec's own transition on an arrival: only within the window
            t = replace(t, guards=arrived[m] + t.guards, effects=tuple(effects) + stops[m], delivers=m)
        transitions.append(replace(t, effects=tuple(effects)) if m is None else t)
    for name, message in delayed.items():
        assert message.delay is not None
        least, most = message.delay
        deadlines[deliverable(name)] = ir.Deadline(
            deliverable(name),
            least,
            "exclusive",
            None,
            f"From when {name} may arrive.",
            message.sources,
            message.assumes,
            message.loc,
            name,
        )
        deadlines[in_transit(name)] = ir.Deadline(
            in_transit(name),
            most,
            "exclusive",
            arrives(name),
            f"By when {name} has arrived.",
            message.sources,
            message.assumes,
            message.loc,
            name,
        )
        own = {s for t in written if t.event == arrives(name) for s in t.sources_states}
        stays = tuple(s for s, state in b.states.items() if not state.final and s not in own)
        if stays:
            transitions.append(
                ir.Transition(
                    arrives(name),
                    arrives(name),
                    stays,
                    None,
                    arrived[name],
                    stops[name],
                    message.sources,
                    message.assumes,
                    message.loc,
                    name,
                )
            )
    return MappingProxyType(deadlines), tuple(transitions)


def without_delay(spec: ir.Spec, message: str) -> ir.Spec:
    """``spec`` as if ``message`` arrived the instant it is sent: what :func:`add_arrivals` added
    for it taken away again (its deadlines' starts and stops, the window guard, the arrival that
    stays); the spec's own transitions on its arrival are kept, unguarded (a mutant). The two
    deadlines stay declared, never started, so that the variant packs as the spec does."""
    added = {deliverable(message), in_transit(message)}
    loc = spec.messages[message].loc

    def kept(part: ir.Guard | ir.Effect) -> bool:
        return not (isinstance(part, ir.Expired | ir.StartDeadline | ir.StopDeadline) and part.deadline in added)

    transitions = tuple(
        replace(t, guards=tuple(g for g in t.guards if kept(g)), effects=tuple(e for e in t.effects if kept(e)))
        for t in spec.transitions
        if not (t.id == arrives(message) and t.delivers == message and t.loc == loc)
    )
    return replace(
        spec,
        messages=MappingProxyType({**spec.messages, message: replace(spec.messages[message], delay=None)}),
        transitions=transitions,
    )
