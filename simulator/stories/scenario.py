"""Scenario files → checked, typed stories about one spec.

Loading has the same quality as spec loading: YAML read as written, unknown keys refused with a
suggestion, and every name (state, event, input, credential, channel, rule, transition, message,
flag, counter, deadline, parameter, actor, source, assumption) resolved against the spec at load
time, with all problems reported at once as ``path:line:col``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

from credlab.model import ir
from credlab.model.durations import parse_duration
from credlab.model.errors import Location, Problems, ScenarioError, SpecError
from credlab.model.filekind import is_spec_file
from credlab.model.node import node
from credlab.model.policy import PolicyContext, enforced_ok, evaluate
from credlab.model.schema import INVALID, Decoder, Obj, Raw, Seq, Tag, did_you_mean
from credlab.model.yamlsrc import load_nodes
from credlab.simulator.stories.schema import SCENARIO_FILE


@node
class SecretRef:
    """``{known: amc_pin}``: a secret named by what it is; resolved while the story runs."""

    kind: str
    credential: str

    def describe(self) -> str:
        return f"the {self.kind} {self.credential}"


StoryValue = str | bool | SecretRef


@node
class Advance:
    """Move the clock by ``seconds``, by a parameter's value, or to a deadline's limit ± ``offset``."""

    seconds: int | None = None
    parameter: str | None = None
    until: str | None = None
    offset: int = 0


@node
class Expectation:
    state: str | None = None
    accepted: bool | None = None
    transition: str | None = None
    broke: tuple[str, ...] | None = None
    failed_guard: str | None = None
    access: tuple[tuple[str, tuple[str, ...]], ...] | None = None
    received: tuple[str, ...] | None = None
    credentials: tuple[tuple[str, bool], ...] = ()
    flags: tuple[tuple[str, bool], ...] = ()
    counters: tuple[tuple[str, int], ...] = ()


@node
class Step:
    number: int
    loc: Location
    event: str | None = None
    inputs: tuple[tuple[str, StoryValue], ...] = ()
    actor: str | None = None
    advance: Advance | None = None
    expect: Expectation | None = None
    note: str = ""


@node
class Given:
    state: str
    actor: str | None
    credentials: tuple[tuple[str, str], ...] = ()
    flags: tuple[tuple[str, bool], ...] = ()
    running: tuple[str, ...] = ()
    grants: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = ()
    """(actor, capabilities it has, credentials it knows) for this story, replacing the spec's."""


@node
class Scenario:
    name: str
    file: str
    loc: Location
    spec: str
    given: Given
    steps: tuple[Step, ...]
    description: str = ""
    covers: tuple[str, ...] = ()
    assumes: tuple[str, ...] = ()


def default_actor(spec: ir.Spec) -> str | None:
    """Who acts when a story does not say: ``member`` if declared, else the first actor."""
    return "member" if "member" in spec.actors else next(iter(spec.actors), None)


@node
class ScenarioFile:
    """A scenario file read and decoded once: its structure, before it is checked against a spec."""

    shown: str
    decoder: Decoder
    top: Any

    @property
    def spec_name(self) -> str | None:
        """The ``spec:`` the file is about (None if it names none readable)."""
        name = self.top.get("spec") if isinstance(self.top, Obj) else None
        return name if isinstance(name, str) else None


def read_scenario_file(path: Path) -> ScenarioFile:
    """Read and decode a scenario file (structure only); raises :class:`ScenarioError` if unreadable."""
    try:
        shown, root = load_nodes(path, what="scenario")
    except SpecError as error:
        raise ScenarioError(error.problems) from None
    decoder = Decoder(shown)
    return ScenarioFile(shown, decoder, SCENARIO_FILE.decode(root, decoder))


def spec_name_of(path: Path) -> str | None:
    """The ``spec:`` a scenario file is about (None if the file has none readable)."""
    try:
        return read_scenario_file(path).spec_name
    except ScenarioError:
        return None


def load_scenarios(path: Path, spec: ir.Spec) -> list[Scenario]:
    """Load and check every scenario of ``path`` against ``spec``; raises :class:`ScenarioError`."""
    return scenarios_in(read_scenario_file(path), spec)


def scenarios_in(read: ScenarioFile, spec: ir.Spec) -> list[Scenario]:
    """Check every scenario of a file read once against ``spec``; raises :class:`ScenarioError`."""
    top, problems = read.top, read.decoder.problems
    scenarios: list[Scenario] = []
    if isinstance(top, Obj):
        if isinstance(top.get("spec"), str) and top["spec"] != spec.name:
            problems.add(top.at("spec"), f"these scenarios are about spec '{top['spec']}', not '{spec.name}'")
        else:
            checker = _Checker(spec, read.shown, problems)
            names: set[str] = set()
            for item in _items(top.get("scenarios")):
                if isinstance(item, Obj) and isinstance(item.get("name"), str):
                    if item["name"] in names:
                        problems.add(item.at("name"), f"scenario name '{item['name']}' is already used in this file")
                    names.add(item["name"])
                    scenarios.append(checker.scenario(item))
    problems.raise_if_any(ScenarioError)
    return scenarios


Where = Location | Callable[[], Location]
"""A position, or how to find it: most names resolve, and their positions are never shown."""


def _located(where: Where) -> Location:
    return where if isinstance(where, Location) else where()


def _pairs(obj: Any) -> Iterable[tuple[str, Any, Where]]:
    """(key, value, where the key stands) of a decoded mapping: an unknown name is its key."""
    if isinstance(obj, Obj):
        for key, value in obj.items():
            yield key, value, partial(obj.key_at, key)


class _Checker:
    """Resolves a decoded scenario's names against the spec."""

    def __init__(self, spec: ir.Spec, shown: str, problems: Problems) -> None:
        self.spec, self.shown, self.problems = spec, shown, problems
        self.transition_ids = {t.id: t for t in spec.transitions}
        self.rule_ids = {r.id: r for p in spec.policies.values() for r in p.rules}

    def ref(self, name: Any, table: Mapping[str, Any], what: str, where: Where) -> bool:
        if not isinstance(name, str) or name in table:  # the usual case: no list of names is made
            return isinstance(name, str)
        names = list(table)
        listed = f" (the spec declares: {', '.join(names)})" if names else f" (the spec declares no {what}s)"
        hint = did_you_mean(name, names) or (listed if len(names) <= 8 else "")
        self.problems.add(_located(where), f"unknown {what} '{name}'{hint}")
        return False

    def acceptable(self, credential: str, value: str, actor: Any, where: Where) -> None:
        """A story starts from credentials their policy accepts: a value no member could have set
        would make every later step prove nothing. The value itself is never repeated; a set of
        codes is given as its codes separated by spaces, each of which the policy must accept."""
        declared = self.spec.credentials[credential]
        if declared.codes is not None:
            codes = value.split()
            if len(codes) != declared.codes:
                self.problems.add(
                    _located(where),
                    f"the given {credential} has {len(codes)} codes; the spec's set has {declared.codes}",
                )
            for code in codes:
                self.acceptable_value(credential, code, actor, where)
            return
        self.acceptable_value(credential, value, actor, where)

    def acceptable_value(self, credential: str, value: str, actor: Any, where: Where) -> None:
        policy = self.spec.policies[self.spec.credentials[credential].policy]
        if enforced_ok(policy, value) and not any(
            r.severity == "reject" and isinstance(r.check, ir.AvoidPersonalInfoCheck) for r in policy.rules
        ):
            return  # the usual case, and the cheap one: no rule needs the actor's profile
        profile = self.spec.actors[actor].profile if isinstance(actor, str) and actor in self.spec.actors else {}
        verdict = evaluate(policy, value, PolicyContext(profile))
        if not verdict.accepted:
            broken = ", ".join(r.rule for r in verdict.violations)
            self.problems.add(
                _located(where),
                f"the given {credential} breaks policy {policy.name} ({broken}); "
                "a story starts from a value the policy accepts",
            )

    def names(self, values: Any, table: Mapping[str, Any], what: str) -> tuple[str, ...]:
        if not isinstance(values, Seq):
            return ()
        ok = [self.ref(v, table, what, where) for v, where in zip(values, values.item_locs, strict=True)]
        return tuple(v for v, good in zip(values, ok, strict=True) if good)

    def scenario(self, obj: Obj) -> Scenario:
        spec = self.spec
        given_obj: Obj = obj["given"] if isinstance(obj.get("given"), Obj) else Obj(obj.loc)
        state = given_obj.get("state", spec.initial[0])
        self.ref(state, spec.states, "state", partial(given_obj.at, "state"))
        actor = given_obj.get("actor", default_actor(spec))
        if actor is not None:
            self.ref(actor, spec.actors, "actor", partial(given_obj.at, "actor"))
        credentials = []
        given_credentials = given_obj.get("credentials")
        for name, value, where in _pairs(given_credentials):
            if self.ref(name, spec.credentials, "credential", where) and isinstance(value, str):
                credentials.append((name, value))
                self.acceptable(
                    name, value, actor, given_credentials.at(name) if isinstance(given_credentials, Obj) else where
                )
        flags = [(n, v) for n, v, w in _pairs(given_obj.get("flags")) if self.ref(n, spec.flags, "flag", w)]
        running = self.names(given_obj.get("running"), spec.deadlines, "deadline")
        grants = tuple(
            (
                name,
                self.names(grant.get("has"), spec.capabilities, "capability"),
                self.names(grant.get("knows"), spec.credentials, "credential"),
            )
            for name, grant, at in _pairs(given_obj.get("actors"))
            if self.ref(name, spec.actors, "actor", at) and isinstance(grant, Obj)
        )
        given = Given(
            state if isinstance(state, str) else spec.initial[0],
            actor,
            tuple(credentials),
            tuple(flags),
            running,
            grants,
        )
        steps = tuple(
            self.step(number, item, where)
            for number, (item, where) in enumerate(
                zip(_items(obj.get("steps")), _locs(obj.get("steps")), strict=True), 1
            )
            if isinstance(item, Obj)
        )
        return Scenario(
            obj["name"],
            self.shown,
            obj.loc,
            spec.name,
            given,
            steps,
            obj.get("description", ""),
            self.names(obj.get("covers"), spec.sources, "source"),
            self.names(obj.get("assumes"), spec.assumptions, "assumption"),
        )

    def step(self, number: int, obj: Obj, where: Location) -> Step:
        has_event, has_advance = "do" in obj, "advance" in obj
        if has_event == has_advance:
            self.problems.add(where, "a step either fires an event ('do:') or moves the clock ('advance:'), not both")
        if "as" in obj:
            self.ref(obj["as"], self.spec.actors, "actor", partial(obj.at, "as"))
        event = self.spec.events.get(obj["do"]) if isinstance(obj.get("do"), str) else None
        if (
            has_event
            and self.ref(obj.get("do"), self.spec.events, "event", partial(obj.at, "do"))
            and event
            and event.internal
            and event.delivers is None  # a delayed message's arrival is the story's to time
        ):
            self.problems.add(obj.at("do"), f"'{event.name}' is internal: credlab fires it itself (advance the clock)")
        if event and event.capability and obj.get("as", event.capability.actor) != event.capability.actor:
            self.problems.add(
                obj.at("as"),
                f"'{event.name}' changes what {event.capability.actor} holds: it is theirs, not {obj['as']}'s",
            )
        inputs = self.inputs(event, obj.get("with"), obj.at("with") if "with" in obj else where) if event else ()
        if "with" in obj and not has_event:
            self.problems.add(obj.at("with"), "'with:' gives an event's inputs; this step fires no event")
        advance = self.advance(obj.get("advance"), obj.at("advance")) if has_advance else None
        expect = self.expectation(obj["expect"]) if isinstance(obj.get("expect"), Obj) else None
        actor = obj.get("as") if isinstance(obj.get("as"), str) else None
        return Step(
            number, where, obj.get("do") if event else None, inputs, actor, advance, expect, obj.get("note", "")
        )

    def inputs(self, event: ir.Event, given: Any, where: Location) -> tuple[tuple[str, StoryValue], ...]:
        if given is None:
            given = Obj(where)
        if not isinstance(given, Obj):
            return ()  # not a mapping: the decoder has said so, where
        declared = {i.name: i for i in event.inputs}
        out: list[tuple[str, StoryValue]] = []
        for name, value, at in _pairs(given):
            if not self.ref(name, declared, f"input of '{event.name}'", at) or value is INVALID:
                continue
            converted = self.input_value(declared[name], value, given.at(name))
            if converted is not None:
                out.append((name, converted))
        missing = [
            i.name for i in event.inputs if not i.optional and i.name not in dict(out) and i.name not in (given or {})
        ]
        if missing:
            self.problems.add(where, f"'{event.name}' needs input(s): {', '.join(missing)}")
        return tuple(out)

    def input_value(self, declared: ir.Input, value: Any, where: Location) -> StoryValue | None:
        if isinstance(value, Tag):
            if declared.type != "secret":
                self.problems.add(
                    where, f"input '{declared.name}' is a {declared.type}; secret references fit secret inputs"
                )
                return None
            return (
                SecretRef(value.kind, value.value)
                if self.ref(value.value, self.spec.credentials, "credential", value.value_loc)
                else None
            )
        assert isinstance(value, Raw)
        if declared.type == "bool":
            if value.plain and value.text in ("true", "false"):
                return value.text == "true"
            self.problems.add(where, f"input '{declared.name}' is true or false, not '{value.text}'")
            return None
        if declared.type in ("channel", "choice"):
            allowed = dict.fromkeys(declared.values) if declared.values else self.spec.channels
            return value.text if self.ref(value.text, allowed, f"value of '{declared.name}'", where) else None
        return value.text  # a secret, exactly as written: 0123 stays "0123"

    def advance(self, value: Any, where: Location) -> Advance | None:
        if isinstance(value, int):
            return Advance(seconds=value)
        if isinstance(value, str):
            if not self.ref(value, self.spec.parameters, "duration parameter", where):
                return None
            return Advance(parameter=value)
        if isinstance(value, Obj) and self.ref(
            value.get("until"), self.spec.deadlines, "deadline", partial(value.at, "until")
        ):
            return Advance(until=value["until"], offset=self.offset(value.get("offset", "0s"), value.at("offset")))
        return None

    def offset(self, text: Any, where: Location) -> int:
        if not isinstance(text, str):
            return 0
        sign = -1 if text.startswith("-") else 1
        try:
            return sign * parse_duration(text.lstrip("+-"))
        except ValueError as error:
            self.problems.add(where, f"offset: {error} (a sign may lead: -1s, +1m)")
            return 0

    def expectation(self, obj: Obj) -> Expectation:
        spec = self.spec
        if isinstance(obj.get("state"), str):
            self.ref(obj["state"], spec.states, "state", partial(obj.at, "state"))
        if isinstance(obj.get("transition"), str):
            self.ref(obj["transition"], self.transition_ids, "transition", partial(obj.at, "transition"))
        rules = self.rule_ids
        access = None
        if isinstance(obj.get("access"), Obj):
            access = tuple(
                (channel, self.names(creds, spec.credentials, "credential"))
                for channel, creds, at in _pairs(obj["access"])
                if self.ref(channel, spec.channels, "channel", at)
            )
        return Expectation(  # every field, in order: a node built positionally is built fastest
            obj.get("state") if isinstance(obj.get("state"), str) else None,
            obj.get("accepted") if isinstance(obj.get("accepted"), bool) else None,
            obj.get("transition") if isinstance(obj.get("transition"), str) else None,
            self.names(obj["broke"], rules, "policy rule") if "broke" in obj else None,
            obj.get("failed_guard") if isinstance(obj.get("failed_guard"), str) else None,
            access,
            self.names(obj["received"], spec.messages, "message") if "received" in obj else None,
            self.table(obj.get("credentials"), spec.credentials, "credential", lambda v: v == "set"),
            self.table(obj.get("flags"), spec.flags, "flag", bool),
            self.table(obj.get("counters"), spec.counters, "counter", int),
        )

    def table(self, obj: Any, declared: Mapping[str, Any], what: str, convert: Any) -> tuple[tuple[str, Any], ...]:
        return tuple(
            (name, convert(value))
            for name, value, at in _pairs(obj)
            if self.ref(name, declared, what, at) and value is not INVALID
        )


def _items(steps: Any) -> list[Any]:
    return list(steps) if isinstance(steps, Seq) else []


def _locs(steps: Any) -> list[Location]:
    return list(steps.item_locs) if isinstance(steps, Seq) else []


def scenario_files(paths: Iterable[Path]) -> list[Path]:
    """Scenario files named directly, or found (recursively, sorted) in the folders named; in a folder,
    spec files are passed over (a folder may hold specs beside its stories)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.yaml") if p.is_file() and not is_spec_file(p)))
        else:
            found.append(path)
    return found
