"""Static findings about a spec: declarations nothing uses, behaviour nothing can reach.

A spec can be valid (every reference resolves) and still say less than its author thinks: an
assumption no element depends on, a deadline no guard reads, an event no transition handles, a
state nothing reaches. Each finding has a stable id, the location of the declaration, and a
hint saying what to do. Reachability comes from the shortest-path search on the reference
engine (:mod:`credlab.simulator.analysis.paths`), so "unreachable" means "not reached by that search".
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain

from credlab.model import ir
from credlab.model.engine import Engine
from credlab.model.errors import Location
from credlab.model.node import node
from credlab.simulator.analysis.shortest import shortest_paths
from credlab.simulator.results import Json


@node
class LintFinding:
    location: Location
    id: str
    message: str
    hint: str

    def __str__(self) -> str:
        return f"{self.location}: {self.id}: {self.message} ({self.hint})"

    def order(self) -> tuple[str, int, int, str, str, str]:
        """Findings are listed by position, then by id."""
        loc = self.location
        return (loc.path, loc.line, loc.column, self.id, self.message, self.hint)


def _guards(g: ir.Guard) -> Iterator[ir.Guard]:
    """``g`` and every guard nested in it."""
    yield g
    match g:
        case ir.Not(guard=inner):
            yield from _guards(inner)
        case ir.All(guards=parts) | ir.AnyOf(guards=parts):
            for part in parts:
                yield from _guards(part)
        case ir.Implies(condition=a, consequence=b):
            yield from _guards(a)
            yield from _guards(b)


def conjuncts(guards: tuple[ir.Guard, ...]) -> Iterator[ir.Guard]:
    """The guards that must all hold for ``guards`` to hold (``all:`` flattened; not ``any``/``not``)."""
    for guard in guards:
        if isinstance(guard, ir.All):
            yield from conjuncts(guard.guards)
        else:
            yield guard


def all_guards(spec: ir.Spec) -> list[ir.Guard]:
    roots = [g for t in spec.transitions for g in t.guards]
    roots += [inv.holds for inv in spec.invariants]
    roots += [rule.when for rule in spec.access if rule.when is not None]
    return [g for root in roots for g in _guards(root)]


def all_effects(spec: ir.Spec) -> list[ir.Effect]:
    return [e for t in spec.transitions for e in t.effects]


class Linter:
    def __init__(self, spec: ir.Spec, parameters: dict[str, int] | None = None) -> None:
        self.spec = spec
        self.guards = all_guards(spec)
        self.effects = all_effects(spec)
        self.parameters = parameters or {}

    def findings(self) -> list[LintFinding]:
        checks = (
            self.reachability,
            self.exits,
            self.events,
            self.assumptions,
            self.deadlines,
            self.flags_and_counters,
            self.messages_and_channels,
            self.credentials_and_policies,
            self.unchecked_settings,
            self.capabilities,
            self.sources,
        )
        return sorted(chain.from_iterable(check() for check in checks), key=LintFinding.order)

    def reachability(self) -> Iterator[LintFinding]:
        paths = shortest_paths(Engine(self.spec, self.parameters))
        partial = "" if paths.complete else " (the search stopped at its node limit)"
        for name, state in self.spec.states.items():
            if name not in paths.states:
                yield LintFinding(
                    state.loc,
                    "unreachable-state",
                    f"state '{name}' is never reached{partial}",
                    "add a transition into it, list it under initial:, or remove it",
                )
        for t in self.spec.transitions:
            if t.id not in paths.transitions:
                yield LintFinding(
                    t.loc,
                    "dead-transition",
                    f"transition '{t.id}' never fires{partial}",
                    "its source states are unreachable or its guards never all hold together",
                )

    def exits(self) -> Iterator[LintFinding]:
        leaving = {s for t in self.spec.transitions if t.target is not None for s in t.sources_states if s != t.target}
        for name, state in self.spec.states.items():
            if name not in leaving and not state.final and not state.assumes:  # an end, or said why
                yield LintFinding(
                    state.loc,
                    "no-exit",
                    f"no transition leaves state '{name}'",
                    "a member there is stuck; add a way out or say why in an assumption",
                )

    def events(self) -> Iterator[LintFinding]:
        handled = {t.event for t in self.spec.transitions}
        fired_by_clock = {d.on_expiry for d in self.spec.deadlines.values() if d.on_expiry}
        for name, event in self.spec.events.items():
            if event.capability is not None:  # it changes who can act; no transition may handle it
                continue
            if name not in handled:
                yield LintFinding(
                    event.loc,
                    "unhandled-event",
                    f"no transition handles event '{name}'",
                    "add a transition for it or remove the event",
                )
            elif event.internal and name not in fired_by_clock:
                yield LintFinding(
                    event.loc,
                    "internal-event-never-fired",
                    f"internal event '{name}' is no deadline's on_expiry",
                    "name it as a deadline's on_expiry, or make it an actor's event",
                )

    def assumptions(self) -> Iterator[LintFinding]:
        elements = self.spec.assumed()
        used = set(chain.from_iterable(elements))
        for name, assumption in self.spec.assumptions.items():
            if name not in used:
                yield LintFinding(
                    assumption.loc,
                    "unused-assumption",
                    f"no element of the spec assumes '{name}'",
                    "name it under `assumes:` of the elements that depend on the choice",
                )

    def deadlines(self) -> Iterator[LintFinding]:
        read = {g.deadline for g in self.guards if isinstance(g, ir.Within | ir.Expired)}
        started = {e.deadline for e in self.effects if isinstance(e, ir.StartDeadline)}
        for name, deadline in self.spec.deadlines.items():
            if name not in started and not deadline.from_start:
                yield LintFinding(
                    deadline.loc,
                    "deadline-never-started",
                    f"no effect starts deadline '{name}'",
                    "add start_deadline to the transition that begins it, or 'from_start: true' if it runs from "
                    "the member's start",
                )
            if name not in read and deadline.on_expiry is None:
                yield LintFinding(
                    deadline.loc,
                    "deadline-never-checked",
                    f"nothing checks deadline '{name}'",
                    "guard a transition with within/expired, or give it an on_expiry event",
                )

    def flags_and_counters(self) -> Iterator[LintFinding]:
        set_flags = {e.flag for e in self.effects if isinstance(e, ir.SetFlag)}
        read_flags = {g.flag for g in self.guards if isinstance(g, ir.FlagSet)}
        for name, flag in self.spec.flags.items():
            if name not in read_flags:
                yield LintFinding(
                    flag.loc, "flag-never-read", f"no guard reads flag '{name}'", "use it in a guard or remove it"
                )
            if name not in set_flags:
                yield LintFinding(
                    flag.loc,
                    "flag-never-changed",
                    f"no effect changes flag '{name}'",
                    "set or clear it in a transition, or remove it",
                )
        counted = {e.counter for e in self.effects if isinstance(e, ir.Increment)}
        read_counters = {g.counter for g in self.guards if isinstance(g, ir.CountAtLeast)}
        for name, counter in self.spec.counters.items():
            if name not in counted:
                yield LintFinding(
                    counter.loc,
                    "counter-never-counted",
                    f"no effect increments counter '{name}'",
                    "increment it in a transition, or remove it",
                )
            if name not in read_counters:
                yield LintFinding(
                    counter.loc,
                    "counter-never-read",
                    f"no guard reads counter '{name}'",
                    "use it in count_at_least, or remove it",
                )

    def messages_and_channels(self) -> Iterator[LintFinding]:
        sent = {e.message for e in self.effects if isinstance(e, ir.Send)}
        for name, message in self.spec.messages.items():
            if name not in sent:
                yield LintFinding(
                    message.loc,
                    "message-never-sent",
                    f"no transition sends message '{name}'",
                    "send it from the transition that should, or remove it",
                )
        used = {r.channel for r in self.spec.access} | {m.via for m in self.spec.messages.values()}
        used |= {g.channel for g in self.guards if isinstance(g, ir.Accepts | ir.Authenticates) and g.channel}
        used |= {v for e in self.spec.events.values() for i in e.inputs if i.type == "channel" for v in i.values}
        for name, channel in self.spec.channels.items():
            if name not in used:
                yield LintFinding(
                    channel.loc,
                    "unused-channel",
                    f"channel '{name}' has no access rule and carries no message",
                    "say which credential it takes under access:, or remove it",
                )

    def unchecked_settings(self) -> Iterator[LintFinding]:
        """A transition that sets a credential from an input must first check the input against
        the credential's policy: otherwise any value, a one-character password say, is stored."""
        for t in self.spec.transitions:
            required = set(conjuncts(t.guards))
            for effect in t.effects:
                if isinstance(effect, ir.SetCredential):
                    policy = self.spec.credentials[effect.credential].policy
                    if ir.Satisfies(effect.input, policy) not in required:
                        yield LintFinding(
                            t.loc,
                            "unchecked-credential-setting",
                            f"transition '{t.id}' sets {effect.credential} from input '{effect.input}' "
                            f"without checking it against policy '{policy}'",
                            f"add `satisfies: {{input: {effect.input}, policy: {policy}}}` to its when:",
                        )

    def credentials_and_policies(self) -> Iterator[LintFinding]:
        assigned = {e.credential for e in self.effects if isinstance(e, ir.SetCredential | ir.RandomizeCredential)}
        checked = {g.credential for g in self.guards if isinstance(g, ir.Matches | ir.IsSet | ir.Accepts)}
        checked |= {r.credential for r in self.spec.access}
        for name, credential in self.spec.credentials.items():
            if name not in assigned and not credential.initially_set:
                yield LintFinding(
                    credential.loc,
                    "credential-never-set",
                    f"credential '{name}' never gets a value",
                    "set it in a transition, or mark it initially_set",
                )
            if name not in checked:
                yield LintFinding(
                    credential.loc,
                    "credential-never-checked",
                    f"nothing ever checks credential '{name}'",
                    "give it an access rule or a matches guard",
                )
        used = {c.policy for c in self.spec.credentials.values()} | {
            g.policy for g in self.guards if isinstance(g, ir.Satisfies)
        }
        for name, policy in self.spec.policies.items():
            if name not in used:
                yield LintFinding(
                    policy.loc,
                    "unused-policy",
                    f"no credential or guard uses policy '{name}'",
                    "attach it to a credential, or remove it",
                )

    def capabilities(self) -> Iterator[LintFinding]:
        used = {c for e in self.spec.events.values() for c in e.requires}
        used |= {ch.reaches for ch in self.spec.channels.values() if ch.reaches}
        used |= {c.device for c in self.spec.credentials.values() if c.device}
        used |= {c for rule in self.spec.access for c in rule.requires}
        for name in self.spec.capabilities:
            if name not in used:
                yield LintFinding(
                    Location(self.spec.path),
                    "unused-capability",
                    f"no event, access rule or device needs capability '{name}' and no channel reaches it",
                    "require it where it matters, or remove it",
                )

    def sources(self) -> Iterator[LintFinding]:
        for policy in self.spec.policies.values():
            for rule in policy.rules:
                if not rule.sources:
                    yield LintFinding(
                        rule.loc,
                        "rule-without-source",
                        f"rule '{policy.name}.{rule.id}' quotes no source",
                        "cite the sentence of the policy text it encodes under source:",
                    )
        for access in self.spec.access:
            if not access.sources:
                yield LintFinding(
                    access.loc,
                    "access-without-source",
                    f"access rule {access.channel}/{access.credential} quotes no source",
                    "cite the sentence of the policy text it encodes under source:",
                )


def lint(spec: ir.Spec, parameters: dict[str, int] | None = None) -> list[LintFinding]:
    """Every static finding about ``spec``, sorted by location."""
    return Linter(spec, parameters).findings()


def lint_json(finding: LintFinding) -> Json:
    loc = finding.location
    return {
        "id": finding.id,
        "file": loc.path,
        "line": loc.line,
        "column": loc.column,
        "message": finding.message,
        "hint": finding.hint,
    }


@node
class LintReport:
    """Static findings per spec file (``LintFinding`` ids are lint's own, not exploration's kinds)."""

    specs: tuple[tuple[str, tuple[LintFinding, ...]], ...]

    @property
    def ok(self) -> bool:
        return not any(findings for _, findings in self.specs)

    def to_json(self) -> Json:
        return {
            "ok": self.ok,
            "specs": [{"path": path, "findings": [lint_json(f) for f in found]} for path, found in self.specs],
        }
