"""Two versions of a spec brought to one vocabulary, so one joint search can play both.

The joint search packs both versions' situations alike and plays the very same moves on both
(:class:`~credlab.simulator.analysis.joint.JointSearch`). Two versions of a policy rarely declare
exactly the same things: a new state, a flag, a deadline, an event. Each version is therefore
*padded* with what only the other declares, in one order for both, so that the addition changes
nothing it can do:

- a state only the other version has: declared, and no transition of this version reaches it;
- a flag, a counter, a message, a policy: declared, never set, counted or sent;
- a deadline: declared and never started (no expiry event, not from the start);
- an event: declared, with no transition (this version refuses it everywhere — what a member of
  a system without that form sees).

What padding cannot make alike is refused with the reason (credentials, channels, actors,
capabilities, or an event whose inputs or requirements differ): the joint search would play
moves one version cannot be asked, and its answer would claim more than it checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeVar

from credlab.model import ir
from credlab.model.node import replace
from credlab.model.spec_diff import content

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Padded:
    """Both versions over one vocabulary; ``hidden`` are the flags and counters only one declares
    (a story of the other version cannot name them, so the search does not compare them)."""

    old: ir.Spec
    new: ir.Spec
    hidden: frozenset[str]


def _union(
    old: Mapping[str, T], new: Mapping[str, T], pad: Any
) -> tuple[MappingProxyType[str, T], MappingProxyType[str, T]]:
    """``old`` and ``new`` over the names of both (old's order, then new's), each name the
    other lacks filled by ``pad(element)``."""
    names = [*old, *(n for n in new if n not in old)]
    mine = {n: old[n] if n in old else pad(new[n]) for n in names}
    theirs = {n: new[n] if n in new else pad(old[n]) for n in names}
    return MappingProxyType(mine), MappingProxyType(theirs)


def _same_names(old: ir.Spec, new: ir.Spec) -> str | None:
    for family in ("credentials", "channels", "actors"):
        a, b = getattr(old, family), getattr(new, family)
        if list(a) != list(b):
            only = sorted(set(a) ^ set(b)) or sorted(a)
            return f"the versions declare different {family} ({', '.join(only)})"
    if dict(old.capabilities) != dict(new.capabilities):
        return "the versions declare different capabilities"
    for name, actor in old.actors.items():
        other = new.actors[name]
        if (actor.knows, actor.has) != (other.knows, other.has):
            return f"actor {name} knows or has different things in the two versions"
    for name, event in old.events.items():
        twin = new.events.get(name)
        if twin is None:
            continue
        if content(event.inputs) != content(twin.inputs):
            return f"event {name} takes different inputs in the two versions"
        if (event.internal, event.requires, event.delivers) != (twin.internal, twin.requires, twin.delivers):
            return f"event {name} is caused differently in the two versions (internal, requires or delivers)"
        if content(event.capability) != content(twin.capability):
            return f"event {name} changes capabilities differently in the two versions"
    return None


def _seconds(value: int | str, spec: ir.Spec) -> int:
    """A duration of ``spec`` in seconds (a parameter's default where it names one)."""
    return value if isinstance(value, int) else spec.parameters[value].default


def pad(old: ir.Spec, new: ir.Spec) -> Padded | str:
    """Both versions over one vocabulary, or why the joint search cannot compare them."""
    refused = _same_names(old, new)
    if refused is not None:
        return refused
    states = _union(old.states, new.states, lambda s: s)
    flags = _union(old.flags, new.flags, lambda f: f)
    counters = _union(old.counters, new.counters, lambda c: c)
    policies = _union(old.policies, new.policies, lambda p: p)

    def quiet_deadline(spec: ir.Spec) -> Any:
        return lambda d: replace(
            d, duration=_seconds(d.duration, spec), on_expiry=None, delivery=None, from_start=False
        )

    def quiet_message(spec: ir.Spec) -> Any:
        def padded(m: ir.Message) -> ir.Message:
            delay = None if m.delay is None else (_seconds(m.delay[0], spec), _seconds(m.delay[1], spec))
            return replace(m, delay=delay)

        return padded

    deadlines = (
        _union(old.deadlines, new.deadlines, quiet_deadline(new))[0],
        _union(old.deadlines, new.deadlines, quiet_deadline(old))[1],
    )
    messages = (
        _union(old.messages, new.messages, quiet_message(new))[0],
        _union(old.messages, new.messages, quiet_message(old))[1],
    )
    events = _union(old.events, new.events, lambda e: e)
    sides = []
    for i, spec in enumerate((old, new)):
        sides.append(
            replace(
                spec,
                states=states[i],
                flags=flags[i],
                counters=counters[i],
                policies=policies[i],
                deadlines=deadlines[i],
                messages=messages[i],
                events=events[i],
            )
        )
    hidden = frozenset(set(old.flags) ^ set(new.flags)) | frozenset(set(old.counters) ^ set(new.counters))
    return Padded(sides[0], sides[1], hidden)
