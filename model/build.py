"""Decoded spec → typed IR, with every reference resolved and every problem located.

The builder never stops at the first problem: a value that failed to decode is skipped, the
references around it are still checked, and all problems are raised together at the end.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeGuard, TypeVar

from credlab.model import ir
from credlab.model.build_events import build_event, capability_transition
from credlab.model.build_factors import access_factors, credential_factor
from credlab.model.build_findings import accepted_findings
from credlab.model.build_guards import build_effect, build_guard, leaves_an_end, unguarded_overlap
from credlab.model.delivery import add_arrivals, arrival_events
from credlab.model.document import build_document
from credlab.model.durations import format_duration
from credlab.model.errors import Location, Problems
from credlab.model.policy_space import why_nothing_passes
from credlab.model.schema import INVALID, Obj, Seq, Tag, did_you_mean
from credlab.model.schema import items_of as _seq
from credlab.model.schema import records_of as _names
from credlab.model.schema import strings_of as _strs

T = TypeVar("T")


def _frozen(items: Iterable[tuple[str, T]]) -> MappingProxyType[str, T]:
    return MappingProxyType(dict(items))


def _ok(value: Any) -> bool:
    return value is not INVALID and value is not None


def _int(value: Any) -> int:
    """An int that decoded, or 0 for one that did not (its problem is already recorded)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


class SpecBuilder:
    """Builds an :class:`ir.Spec` from the decoded top-level mapping of one file."""

    def __init__(self, path: Path, shown: str, problems: Problems) -> None:
        self.path = path
        self.shown = shown
        self.problems = problems
        self.source_refs: set[str] = set()

    # --- references ---------------------------------------------------------------------
    def ref(self, name: Any, table: Mapping[str, Any], what: str, where: Location) -> TypeGuard[str]:
        """Check that ``name`` is declared in ``table``; report it with a suggestion if not."""
        if not isinstance(name, str):
            return False
        if name in table:
            return True
        hint = did_you_mean(name, table) if table else f" (the spec declares no {what}s)"
        self.problems.add(where, f"unknown {what} '{name}'{hint}")
        return False

    def refs(self, obj: Obj, key: str, table: Mapping[str, Any], what: str) -> tuple[str, ...]:
        values = obj.get(key)
        if not isinstance(values, Seq):
            return ()
        seen: set[str] = set()
        for value, where in zip(values, values.item_locs, strict=True):
            if value in seen:
                self.problems.add(where, f"{what} '{value}' is listed twice")
            self.ref(value, table, what, where)
            seen.add(value)
        return tuple(v for v in values if isinstance(v, str) and v in table)

    def cite(self, obj: Obj, key: str = "source") -> tuple[str, ...]:
        cited = self.refs(obj, key, self.sources, "source")
        self.source_refs.update(cited)
        return cited

    # --- the whole spec -------------------------------------------------------------------
    def build(self, top: Obj) -> ir.Spec | None:
        quotes = top.get("sources")
        quoted = quotes if isinstance(quotes, Obj) else Obj(top.loc)
        self.sources = _frozen((k, ir.Source(k, v, quoted.at(k))) for k, v in quoted.items() if isinstance(v, str))
        self.assumptions = _frozen(
            (k, ir.Assumption(k, v.get("question", ""), v.get("choice", ""), self.cite(v), v.loc))
            for k, v in _names(top.get("assumptions"))
        )
        self.parameters = _frozen(
            (
                k,
                ir.Parameter(
                    k,
                    v.get("type", "duration"),
                    _int(v.get("default")),
                    v.get("description", ""),
                    self.cite(v),
                    v.loc,
                    self.refs(v, "assumes", self.assumptions, "assumption"),
                ),
            )
            for k, v in _names(top.get("parameters"))
        )
        self.capabilities = _frozen(
            (k, v)
            for k, v in (top["capabilities"].items() if isinstance(top.get("capabilities"), Obj) else ())
            if isinstance(v, str)
        )
        self.policies = _frozen((k, self.policy(k, v)) for k, v in _names(top.get("policies")))
        if not self.problems:  # a policy with a broken rule cannot be judged
            self.check_drawable(top.get("policies"))
        self.credentials = _frozen((k, self.credential(k, v)) for k, v in _names(top.get("credentials")))
        self.channels = _frozen((k, self.channel(k, v)) for k, v in _names(top.get("channels")))
        self.flags = _frozen(
            (k, ir.Flag(k, v.get("initial", False) is True, v.get("description", ""), v.loc))
            for k, v in _names(top.get("flags"))
        )
        self.counters = _frozen(
            (k, ir.Counter(k, _int(v.get("maximum")), v.get("description", ""), self.cite(v), v.loc))
            for k, v in _names(top.get("counters"))
        )
        self.states = _frozen(
            (
                k,
                ir.State(
                    k,
                    v.get("description", ""),
                    v.get("lifecycle", False) is True,
                    v.get("group"),
                    self.cite(v),
                    v.loc,
                    v.get("session", False) is True,
                    v.get("final", False) is True,
                    self.refs(v, "assumes", self.assumptions, "assumption"),
                ),
            )
            for k, v in _names(top.get("states"))
        )
        actors = _frozen((k, self.actor(k, v)) for k, v in _names(top.get("actors")))
        self.events = _frozen((k, build_event(self, k, v, dict(actors))) for k, v in _names(top.get("events")))
        self.deadlines = _frozen((k, self.deadline(k, v)) for k, v in _names(top.get("deadlines")))
        self.messages = _frozen((k, self.message(k, v)) for k, v in _names(top.get("messages")))
        self.events = arrival_events(self)  # a delayed message's arrival (see credlab.model.delivery)
        access = tuple(self.access_rule(v) for v in _seq(top.get("access")) if isinstance(v, Obj))
        initial = self.refs(top, "initial", self.states, "state")
        transitions = self.transitions(_seq(top.get("transitions")))
        invariants = self.invariants(_seq(top.get("invariants")))
        document = build_document(self.path, self.sources, top.get("document"), self.problems)
        accepted = accepted_findings(self, _seq(top.get("accepted_findings")))
        if not self.problems:  # a delayed message arrives by parts credlab adds (see credlab.model.delivery)
            self.deadlines, transitions = add_arrivals(self, transitions)
        if not self.problems:  # an invalid element may not have cited its sources yet
            self.check_sources_used()
        if self.problems:
            return None
        return ir.Spec(
            path=self.shown,
            name=top["name"],
            title=top["title"],
            description=top.get("description", ""),
            document=document,
            sources=self.sources,
            assumptions=self.assumptions,
            parameters=self.parameters,
            credentials=self.credentials,
            policies=self.policies,
            capabilities=self.capabilities,
            channels=self.channels,
            access=access,
            actors=actors,
            flags=self.flags,
            counters=self.counters,
            deadlines=self.deadlines,
            messages=self.messages,
            states=self.states,
            initial=initial,
            events=self.events,
            transitions=transitions,
            invariants=invariants,
            accepted_findings=accepted,
        )

    # --- declarations ---------------------------------------------------------------------
    def policy(self, name: str, obj: Obj) -> ir.Policy:
        rules = []
        seen: set[str] = set()
        for rule in _seq(obj.get("rules")):
            if not isinstance(rule, Obj) or not _ok(rule.get("id")) or not isinstance(rule.get("check"), Tag):
                continue
            if rule["id"] in seen:
                self.problems.add(rule.at("id"), f"policy '{name}' has two rules with id '{rule['id']}'")
            seen.add(rule["id"])
            check = self.rule_check(rule["check"])
            if check is not None:
                rules.append(
                    ir.PolicyRule(
                        rule["id"],
                        rule.get("severity", "reject"),
                        check,
                        rule.get("message", ""),
                        self.cite(rule),
                        self.refs(rule, "assumes", self.assumptions, "assumption"),
                        rule.loc,
                    )
                )
        return ir.Policy(name, obj.get("kind", "password"), tuple(rules), obj.get("description", ""), obj.loc)

    def check_drawable(self, declared: Any) -> None:
        """Every policy must accept some value: credentials set initially or randomized take one,
        and fuzzing tries one valid value per policy. Decided exactly (:mod:`credlab.model.policy_space`),
        with the reason when none passes."""
        for name, policy in self.policies.items():
            reason = why_nothing_passes(policy)
            if reason is not None:
                self.problems.add(
                    declared.key_at(name) if isinstance(declared, Obj) and name in declared else policy.loc,
                    f"policy '{name}' accepts no value: {reason}",
                )

    def rule_check(self, tag: Tag) -> ir.RuleCheck | None:
        value = tag.value
        if not _ok(value):
            return None
        if tag.kind == "length":
            low, high = value.get("min"), value.get("max")
            if not isinstance(low, int) or not (high is None or isinstance(high, int)):
                return None
            if high is not None and low > high:
                self.problems.add(tag.value_loc, f"length min {low} is more than max {high}")
            return ir.LengthCheck(low, high)
        if tag.kind == "alphabet":
            return ir.AlphabetCheck(_strs(value))
        if tag.kind == "must_include":
            return ir.MustIncludeCheck(_strs(value))
        if tag.kind == "must_include_one_of":
            return ir.MustIncludeOneOfCheck(_strs(value))
        if tag.kind == "avoid_personal_info":
            return ir.AvoidPersonalInfoCheck(_strs(value))
        if tag.kind == "not_in_list":
            return ir.NotInListCheck(frozenset(_strs(value)))
        if tag.kind == "max_consecutive":
            return ir.MaxConsecutiveCheck(value) if isinstance(value, int) and not isinstance(value, bool) else None
        if tag.kind == "printable":
            if value is not True:
                self.problems.add(tag.value_loc, "printable takes true; remove the rule to drop the check")
            return ir.PrintableCheck()
        if value is not True:
            self.problems.add(tag.value_loc, "not_used_elsewhere takes true; remove the rule to drop the check")
        return ir.NotUsedElsewhereCheck()

    def credential(self, name: str, obj: Obj) -> ir.Credential:
        kind = obj.get("kind", "password")
        policy = obj.get("policy")
        if self.ref(policy, self.policies, "policy", obj.at("policy")) and self.policies[policy].kind != kind:
            self.problems.add(
                obj.at("policy"),
                f"policy '{policy}' is for {self.policies[policy].kind}s, but credential '{name}' is a {kind}",
            )
        return ir.Credential(
            name,
            kind,
            policy if isinstance(policy, str) else "",
            obj.get("initially_set", False) is True,
            obj.get("description", ""),
            self.cite(obj),
            obj.loc,
            self.refs(obj, "assumes", self.assumptions, "assumption"),
            *credential_factor(self, name, obj),
            codes=_int(obj.get("codes")) or None,  # absent (or invalid, already reported): one value
        )

    def channel(self, name: str, obj: Obj) -> ir.Channel:
        reaches = obj.get("reaches")
        if _ok(reaches):
            self.ref(reaches, self.capabilities, "capability", obj.at("reaches"))
            if obj.get("kind") not in ir.MESSAGE_KINDS:
                kinds = ", ".join(ir.MESSAGE_KINDS)
                self.problems.add(obj.at("reaches"), f"only channels that carry messages ({kinds}) reach someone")
        return ir.Channel(
            name,
            obj.get("kind", "online"),
            obj.get("description", ""),
            reaches if isinstance(reaches, str) else None,
            obj.loc,
            self.refs(obj, "assumes", self.assumptions, "assumption"),
        )

    def duration(self, obj: Obj, key: str) -> int | str | None:
        """A duration given as text (seconds) or a duration parameter's name (checked); None if neither."""
        duration = obj.get(key)
        if (
            isinstance(duration, str)
            and self.ref(duration, self.parameters, "parameter", obj.at(key))
            and self.parameters[duration].type != "duration"
        ):
            self.problems.add(obj.at(key), f"parameter '{duration}' is not a duration")
        return duration if isinstance(duration, int | str) else None

    def seconds_of(self, duration: int | str | None) -> int | None:
        """A duration's seconds: given, or its parameter's default (None if neither is known)."""
        if isinstance(duration, str):
            return self.parameters[duration].default if duration in self.parameters else None
        return duration

    def deadline(self, name: str, obj: Obj) -> ir.Deadline:
        duration = self.duration(obj, "duration")
        expiry = obj.get("on_expiry")
        if (
            isinstance(expiry, str)
            and self.ref(expiry, self.events, "event", obj.at("on_expiry"))
            and not self.events[expiry].internal
        ):
            self.problems.add(
                obj.at("on_expiry"), f"event '{expiry}' must be declared 'internal: true' to be fired on expiry"
            )
        return ir.Deadline(
            name,
            duration if isinstance(duration, int | str) else 0,
            obj.get("boundary", "exclusive"),
            expiry if isinstance(expiry, str) else None,
            obj.get("description", ""),
            self.cite(obj),
            self.refs(obj, "assumes", self.assumptions, "assumption"),
            obj.loc,
            from_start=obj.get("from_start", False) is True,
        )

    def message(self, name: str, obj: Obj) -> ir.Message:
        via = obj.get("via")
        if self.ref(via, self.channels, "channel", obj.at("via")) and self.channels[via].kind not in ir.MESSAGE_KINDS:
            kinds = ", ".join(ir.MESSAGE_KINDS)
            self.problems.add(obj.at("via"), f"message '{name}' must go by a channel of kind {kinds}, not '{via}'")
        carries = obj.get("carries")
        if _ok(carries):
            self.ref(carries, self.credentials, "credential", obj.at("carries"))
        delay = obj.get("delay")
        window = Obj(obj.loc) if not isinstance(delay, Obj) else delay
        least, most = self.duration(window, "min"), self.duration(window, "max")
        if (lo := self.seconds_of(least)) is not None and (hi := self.seconds_of(most)) is not None and lo > hi:
            shown = f"at most {format_duration(hi)}, before its min {format_duration(lo)}"
            self.problems.add(window.at("max"), f"message '{name}' arrives {shown}")
        return ir.Message(
            name,
            via if isinstance(via, str) else "",
            carries if isinstance(carries, str) else None,
            obj.get("description", ""),
            self.cite(obj),
            obj.loc,
            (least, most) if least is not None and most is not None else None,
            self.refs(obj, "assumes", self.assumptions, "assumption"),
        )

    def actor(self, name: str, obj: Obj) -> ir.Actor:
        profile = obj.get("profile")
        return ir.Actor(
            name,
            obj.get("description", ""),
            self.refs(obj, "knows", self.credentials, "credential"),
            self.refs(obj, "has", self.capabilities, "capability"),
            _frozen((k, v) for k, v in profile.items() if isinstance(v, str))
            if isinstance(profile, Obj)
            else _frozen(()),
            obj.loc,
        )

    def access_rule(self, obj: Obj) -> ir.AccessRule:
        self.ref(obj.get("channel"), self.channels, "channel", obj.at("channel"))
        self.ref(obj.get("credential"), self.credentials, "credential", obj.at("credential"))
        when = self.guard(obj["when"], None) if "when" in obj else None
        return ir.AccessRule(
            obj.get("channel", ""),
            obj.get("credential", ""),
            when,
            self.cite(obj),
            self.refs(obj, "assumes", self.assumptions, "assumption"),
            obj.loc,
            *access_factors(self, obj),
        )

    # --- behaviour ---------------------------------------------------------------------------
    def transitions(self, items: list[Any]) -> tuple[ir.Transition, ...]:
        out = []
        ids: dict[str, Location] = {}
        unguarded: dict[tuple[str, str], str] = {}
        for obj in items:
            if not isinstance(obj, Obj) or not isinstance(obj.get("id"), str):
                continue
            tid = obj["id"]
            if tid in ids:
                self.problems.add(obj.at("id"), f"transition id '{tid}' is already used (line {ids[tid].line})")
            ids.setdefault(tid, obj.at("id"))
            event = self.events.get(obj["event"]) if isinstance(obj.get("event"), str) else None
            self.ref(obj.get("event"), self.events, "event", obj.at("event"))
            if event is not None and event.capability is not None:
                capability_transition(self.problems, obj.at("event"), tid, event)
            sources = self.refs(obj, "from", self.states, "state")
            leaves_an_end(self.problems, obj.get("from"), self.states)
            target = obj.get("to")
            if _ok(target):
                self.ref(target, self.states, "state", obj.at("to"))
            inputs = {i.name: i for i in event.inputs} if event else {}
            guards = tuple(g for g in (self.guard(t, inputs) for t in _seq(obj.get("when"))) if g is not None)
            effects = tuple(e for e in (self.effect(t, inputs) for t in _seq(obj.get("do"))) if e is not None)
            if not _seq(obj.get("when")) and isinstance(obj.get("event"), str):
                unguarded_overlap(self.problems, obj.at("event"), obj["event"], tid, sources, unguarded)
            out.append(
                ir.Transition(
                    tid,
                    obj.get("event", ""),
                    sources,
                    target if isinstance(target, str) else None,
                    guards,
                    effects,
                    self.cite(obj),
                    self.refs(obj, "assumes", self.assumptions, "assumption"),
                    obj.loc,
                )
            )
        return tuple(out)

    def invariants(self, items: list[Any]) -> tuple[ir.Invariant, ...]:
        out = []
        seen: set[str] = set()
        for obj in items:
            if not isinstance(obj, Obj) or not isinstance(obj.get("id"), str) or "holds" not in obj:
                continue
            if obj["id"] in seen:
                self.problems.add(obj.at("id"), f"invariant id '{obj['id']}' is already used")
            seen.add(obj["id"])
            holds = self.guard(obj["holds"], None)
            if holds is not None:
                out.append(
                    ir.Invariant(
                        obj["id"],
                        obj.get("text", ""),
                        holds,
                        self.cite(obj),
                        self.refs(obj, "assumes", self.assumptions, "assumption"),
                        obj.loc,
                    )
                )
        return tuple(out)

    def input_of(self, name: Any, inputs: dict[str, ir.Input] | None, types: tuple[str, ...], where: Location) -> bool:
        """Check that a guard or effect names an input of the event, of a fitting type."""
        if not isinstance(name, str):
            return False
        if inputs is None:
            self.problems.add(
                where, f"'{name}': invariants and access rules describe states; they cannot read event inputs"
            )
            return False
        if not self.ref(name, inputs, "input of this event", where):
            return False
        if inputs[name].type not in types:
            self.problems.add(where, f"input '{name}' is a {inputs[name].type}; expected a {' or '.join(types)} input")
            return False
        return True

    def guard(self, tag: Any, inputs: dict[str, ir.Input] | None) -> ir.Guard | None:
        return build_guard(self, tag, inputs)

    def effect(self, tag: Any, inputs: dict[str, ir.Input]) -> ir.Effect | None:
        return build_effect(self, tag, inputs)

    def refs_in(self, values: Any, table: Mapping[str, Any], what: str) -> tuple[str, ...] | None:
        """Resolve a decoded list of names; None if any is unknown."""
        if not isinstance(values, Seq):
            return None
        ok = all([self.ref(v, table, what, where) for v, where in zip(values, values.item_locs, strict=True)])
        return tuple(values) if ok else None

    # --- traceability ------------------------------------------------------------------------
    def check_sources_used(self) -> None:
        for source in self.sources.values():
            if source.id not in self.source_refs:
                self.problems.add(
                    source.loc,
                    f"source '{source.id}' is quoted but nothing refers to it; cite it from a "
                    "rule, transition, invariant or assumption, or remove it",
                )
