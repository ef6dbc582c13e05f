"""Behaviour profiles: how often members do what, in YAML (``examples/profiles/ana_members.yaml``)::

    credlab_profile: 1
    spec: ana_web_password
    start:                                   # where members stand on day 0
      - {state: web_password_set, share: 80%, credentials: [web_password]}
      - {state: unregistered, share: 20%}
    habits:                                  # per state: what they do, and when
      web_password_set:
        - {every: 3d, do: login, with: {secret: {known: web_password}}}
      registration_screen:
        - {after: 2m, do: register, with: {pin: {known: amc_pin}, new_password: {new: web_password}}}
    forgets: {web_password: 2y}              # mean time until a member forgets it
    responses:                               # what they do when something keeps failing
      - when: {refused: login, times: 2}
        choose:
          - {chance: 80%, do: request_email_reset, with: {identified: {chance: 95%}}}
    attackers:                               # people who try to get in as the member
      - {name: leaked_pin, share: 5%, knows: [amc_pin],
         habits: {unregistered: [{every: 30d, do: login, with: {secret: {known: amc_pin}}}]}}
    report: {members: 400, sweeps: {reset_link_ttl: [30m, 2h, 24h]}}   # what credlab check studies

``every: D`` is a habit with exponential gaps of mean D while in the state; ``after: D`` (or
``{min, max}``, uniform) happens once each time the member enters the state, ``chance`` of the
time. An input is a literal, ``{known: C}`` (what the member knows of C, or a wrong guess once
forgotten), ``{new: C}`` (a fresh value C's policy accepts), ``{wrong: C}``, or ``{chance: P}``
for a yes/no input. Every name is checked against the spec when the profile is loaded.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from credlab.model import ir
from credlab.model.errors import Location, Problems, SpecError
from credlab.model.scalars import AnyScalar, Bool, DurationText, Int, Name, Probability, Text
from credlab.model.schema import Either, Field, ListOf, MapOf, Obj, Raw, Record, Tag, Tagged
from credlab.model.yamlsrc import load_nodes
from credlab.simulator.documents import read_document

DURATION = DurationText()
WINDOW = Either(
    DURATION, Record("window", {"min": Field(DURATION, required=True), "max": Field(DURATION, required=True)})
)
SOURCE = Either(
    AnyScalar(),
    Tagged(
        "input source",
        {
            "known": Name(doc="The value the member knows (a wrong guess once forgotten)."),
            "new": Name(doc="A fresh value the credential's policy accepts."),
            "wrong": Name(doc="A value the policy accepts that is not the credential's."),
            "chance": Probability(doc="A yes/no input: yes this share of the time."),
        },
    ),
)
ACTION_FIELDS = {
    "do": Field(Name(), required=True, doc="The spec's event."),
    "with": Field(MapOf(SOURCE, what="input"), doc="Its inputs."),
    "chance": Field(Probability(), doc="The share of the time it happens (default: always)."),
}
HABITS = MapOf(
    ListOf(Record("habit", {**ACTION_FIELDS, "every": Field(DURATION), "after": Field(WINDOW)})), what="state"
)
PROFILE = Record(
    "profile",
    {
        "credlab_profile": Field(Int(), required=True),
        "spec": Field(Name(), required=True),
        "description": Field(Text()),
        "actor": Field(Name(), doc="The spec's actor the members are (default: the one who knows the credentials)."),
        "start": Field(
            ListOf(
                Record(
                    "start",
                    {
                        "state": Field(Name(), required=True),
                        "share": Field(Probability(), required=True),
                        "credentials": Field(
                            ListOf(Name()), doc="Set (to a random value) and known, beyond the initial ones."
                        ),
                        "flags": Field(ListOf(Name())),
                    },
                )
            ),
            required=True,
        ),
        "habits": Field(HABITS, required=True),
        "attackers": Field(
            ListOf(
                Record(
                    "attacker",
                    {
                        "name": Field(Name(), required=True),
                        "share": Field(Probability(), required=True, doc="The share of members who have one."),
                        "actor": Field(Name(), doc="The spec's actor they play (default: one who is not the member)."),
                        "capabilities": Field(ListOf(Name()), doc="The spec's capabilities they hold."),
                        "knows": Field(ListOf(Name()), doc="Credentials whose value they know from the start."),
                        "habits": Field(HABITS, required=True),
                    },
                )
            ),
            doc="People who try to get in as the member: each outcome says how often they succeed.",
        ),
        "forgets": Field(MapOf(DURATION, what="credential"), doc="Mean time until a member forgets a credential."),
        "report": Field(
            Record(
                "report plan",
                {
                    "members": Field(Int(minimum=1), doc="How many members the report simulates (default 1000)."),
                    "horizon": Field(DURATION, doc="Over how long (default 365d)."),
                    "sweeps": Field(
                        MapOf(ListOf(Text()), what="parameter"),
                        doc="Parameters whose values the report compares, each with its values as written.",
                    ),
                    "grid": Field(Bool(), doc="Sweep the two parameters together: every pair of their values."),
                },
            ),
            doc="What `credlab check` studies with this profile, for its report.",
        ),
        "responses": Field(
            ListOf(
                Record(
                    "response",
                    {
                        "when": Field(
                            Record(
                                "trigger",
                                {
                                    "refused": Field(Name(), required=True),
                                    "times": Field(Int(minimum=1), required=True),
                                },
                            ),
                            required=True,
                        ),
                        "choose": Field(ListOf(Record("option", ACTION_FIELDS)), required=True),
                    },
                )
            )
        ),
    },
)


@dataclass(frozen=True, slots=True)
class Known:
    credential: str


@dataclass(frozen=True, slots=True)
class New:
    credential: str


@dataclass(frozen=True, slots=True)
class Wrong:
    credential: str


@dataclass(frozen=True, slots=True)
class Chance:
    probability: float


Source = str | bool | Known | New | Wrong | Chance


@dataclass(frozen=True, slots=True)
class Action:
    event: str
    inputs: tuple[tuple[str, Source], ...] = ()
    chance: float = 1.0


@dataclass(frozen=True, slots=True)
class Habit:
    action: Action
    every: int | None
    """Mean seconds between times, exponentially distributed (None: a one-shot ``after``)."""
    after: tuple[int, int] | None
    """Seconds after entering the state, uniform between the two."""


@dataclass(frozen=True, slots=True)
class Response:
    refused: str
    times: int
    options: tuple[Action, ...]


@dataclass(frozen=True, slots=True)
class Start:
    state: str
    share: float
    credentials: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Attacker:
    name: str
    actor: str
    share: float
    capabilities: tuple[str, ...]
    knows: tuple[str, ...]
    habits: Mapping[str, tuple[Habit, ...]]


@dataclass(frozen=True, slots=True)
class ReportPlan:
    members: int = 1000
    horizon: int = 365 * 86_400
    sweeps: tuple[tuple[str, tuple[str, ...]], ...] = ()
    grid: bool = False


@dataclass(frozen=True, slots=True)
class Profile:
    path: str
    spec: str
    actor: str
    starts: tuple[Start, ...]
    habits: Mapping[str, tuple[Habit, ...]]
    forgets: Mapping[str, int]
    responses: tuple[Response, ...]
    description: str = ""
    report: ReportPlan | None = None
    attackers: tuple[Attacker, ...] = ()


class _Checker:
    def __init__(self, spec: ir.Spec, problems: Problems) -> None:
        self.spec, self.problems = spec, problems

    def action(self, obj: Obj) -> Action | None:
        event = self.spec.events.get(obj["do"])
        if event is None or event.capability is not None:
            self.problems.add(obj.at("do"), f"the spec has no event '{obj['do']}' a member can do")
            return None
        declared = {i.name: i for i in event.inputs}
        inputs: list[tuple[str, Source]] = []
        given: Obj = obj.get("with") or Obj()
        for name, raw in given.items():
            spec_input = declared.get(name)
            if spec_input is None:
                self.problems.add(
                    given.key_at(name), f"'{obj['do']}' has no input '{name}'; it has: {', '.join(declared) or 'none'}"
                )
                continue
            source = self.source(raw, given.at(name), spec_input)
            if source is not None:
                inputs.append((name, source))
        for name, spec_input in declared.items():
            if not spec_input.optional and name not in given:
                self.problems.add(obj.at("do"), f"'{obj['do']}' needs its input '{name}'")
        return Action(obj["do"], tuple(inputs), obj.get("chance", 1.0))

    def source(self, raw: Any, where: Location, spec_input: ir.Input) -> Source | None:
        if isinstance(raw, Tag):
            if raw.kind == "chance":
                if spec_input.type != "bool":
                    self.problems.add(
                        where, f"{{chance: ...}} is for yes/no inputs; '{spec_input.name}' is a {spec_input.type}"
                    )
                    return None
                return Chance(raw.value)
            if raw.value not in self.spec.credentials:
                self.problems.add(raw.value_loc, f"the spec has no credential '{raw.value}'")
                return None
            if spec_input.type != "secret":
                self.problems.add(where, f"'{spec_input.name}' is a {spec_input.type} input, not a secret")
                return None
            if raw.kind == "known":
                return Known(raw.value)
            return New(raw.value) if raw.kind == "new" else Wrong(raw.value)
        text = raw.text if isinstance(raw, Raw) else str(raw)
        if spec_input.type == "bool":
            if text not in ("true", "false"):
                self.problems.add(where, f"'{spec_input.name}' is yes/no: true, false or {{chance: P}}")
                return None
            return text == "true"
        if spec_input.values and text not in spec_input.values:
            self.problems.add(where, f"'{text}' is not one of {', '.join(spec_input.values)}")
            return None
        return text


def _actor(spec: ir.Spec, top: Obj, problems: Problems) -> str:
    if "actor" in top:
        if top["actor"] not in spec.actors:
            problems.add(top.at("actor"), f"the spec has no actor '{top['actor']}'")
        return str(top["actor"])
    knowing = [name for name, actor in spec.actors.items() if actor.knows]
    return knowing[0] if knowing else next(iter(spec.actors), "member")


def _habits(obj: Obj, spec: ir.Spec, check: _Checker, problems: Problems) -> dict[str, tuple[Habit, ...]]:
    habits: dict[str, tuple[Habit, ...]] = {}
    for state, items in obj.items():
        if state not in spec.states:
            problems.add(obj.key_at(state), f"the spec has no state '{state}'")
            continue
        found: list[Habit] = []
        for item in items:
            if ("every" in item) == ("after" in item):
                problems.add(item.loc, "a habit happens every D (a rate) or after D (once per visit): give one")
                continue
            action = check.action(item)
            after = item.get("after")
            window = (after, after) if isinstance(after, int) else (after["min"], after["max"]) if after else None
            if window is not None and window[0] > window[1]:
                problems.add(item.at("after"), "min is after max")
            if item.get("every") == 0:
                problems.add(item.at("every"), "every 0s would happen infinitely often; give a mean time")
                continue
            if action is not None:
                found.append(Habit(action, item.get("every"), window))
        habits[state] = tuple(found)
    return habits


def _attackers(
    items: list[Obj], spec: ir.Spec, member: str, check: _Checker, problems: Problems
) -> tuple[Attacker, ...]:
    found: list[Attacker] = []
    others = [name for name in spec.actors if name != member]
    for item in items:
        actor = item.get("actor") or (others[0] if others else "")
        if actor not in spec.actors or actor == member:
            where = item.at("actor") if "actor" in item else item.loc
            problems.add(
                where, f"an attacker plays one of the spec's actors other than {member}: {', '.join(others) or 'none'}"
            )
        for name in item.get("capabilities", ()):
            if name not in spec.capabilities:
                problems.add(item.at("capabilities"), f"the spec has no capability '{name}'")
        for name in item.get("knows", ()):
            if name not in spec.credentials:
                problems.add(item.at("knows"), f"the spec has no credential '{name}'")
        habits = _habits(item["habits"], spec, check, problems)
        found.append(
            Attacker(
                item["name"],
                actor,
                item["share"],
                tuple(item.get("capabilities", ())),
                tuple(item.get("knows", ())),
                habits,
            )
        )
    if len({a.name for a in found}) != len(found):
        problems.add(items[0].loc, "each attacker needs a name of its own")
    return tuple(found)


def load_profile(path: str | os.PathLike[str], spec: ir.Spec) -> Profile:
    """Read and check a behaviour profile for ``spec``; raises :class:`SpecError` with every located problem."""
    top, problems = read_document(path, spec, PROFILE, "profile")
    shown = str(path)
    check = _Checker(spec, problems)
    starts: list[Start] = []
    for item in top["start"]:
        if item["state"] not in spec.states:
            problems.add(item.at("state"), f"the spec has no state '{item['state']}'")
        for name in item.get("credentials", ()):
            if name not in spec.credentials:
                problems.add(item.at("credentials"), f"the spec has no credential '{name}'")
        for name in item.get("flags", ()):
            if name not in spec.flags:
                problems.add(item.at("flags"), f"the spec has no flag '{name}'")
        starts.append(
            Start(item["state"], item["share"], tuple(item.get("credentials", ())), tuple(item.get("flags", ())))
        )
    if abs(sum(s.share for s in starts) - 1) > 1e-9:
        problems.add(top.at("start"), f"the start shares add up to {sum(s.share for s in starts):.4g}, not 100%")
    habits = _habits(top["habits"], spec, check, problems)
    forgets: dict[str, int] = {}
    for name, seconds in (top.get("forgets") or {}).items():
        if name not in spec.credentials:
            problems.add(top["forgets"].key_at(name), f"the spec has no credential '{name}'")
        forgets[name] = seconds
    responses: list[Response] = []
    for item in top.get("responses") or ():
        trigger = item["when"]
        if trigger["refused"] not in spec.events:
            problems.add(trigger.at("refused"), f"the spec has no event '{trigger['refused']}'")
        options = tuple(a for a in (check.action(o) for o in item["choose"]) if a is not None)
        if sum(o.chance for o in options) > 1 + 1e-9:
            problems.add(item.at("choose"), "the options' chances add up to more than 100%")
        responses.append(Response(trigger["refused"], trigger["times"], options))
    actor = _actor(spec, top, problems)
    plan = None
    if "report" in top:
        given = top["report"]
        sweeps: Obj = given.get("sweeps") or Obj()
        for name in sweeps:
            if name not in spec.parameters:
                problems.add(sweeps.key_at(name), f"the spec has no parameter '{name}'")
        plan = ReportPlan(
            given.get("members", 1000),
            given.get("horizon", 365 * 86_400),
            tuple((name, tuple(values)) for name, values in sweeps.items()),
            bool(given.get("grid", False)),
        )
        if plan.grid and len(plan.sweeps) != 2:
            problems.add(given.at("grid"), "a grid sweeps two parameters together: give exactly two under sweeps")
    attackers = _attackers(top.get("attackers") or [], spec, actor, check, problems)
    problems.raise_if_any()
    about = top.get("description", "")
    return Profile(shown, spec.name, actor, tuple(starts), habits, forgets, tuple(responses), about, plan, attackers)


def profiles_for(spec: ir.Spec, folder: Path) -> list[Path]:
    """The behaviour profiles in ``folder`` that are about ``spec`` (by its name), in name order."""
    found = []
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else ():
        try:
            _, root = load_nodes(path, what="profile")
        except SpecError:
            continue  # an unreadable file is not this spec's profile; loading it by name says why
        if not isinstance(root, yaml.MappingNode):
            continue
        top = {k.value: v.value for k, v in root.value if isinstance(v, yaml.ScalarNode)}
        if "credlab_profile" in top and top.get("spec") == spec.name:
            found.append(path)
    return found
