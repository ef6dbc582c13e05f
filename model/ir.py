"""The typed, immutable intermediate representation of a validated spec.

Every name in the IR has been resolved: a :class:`Transition`'s source states exist, a guard's
credential exists, and so on. Backends (the ``transitions`` machine, diagrams, the simulator)
read only the IR, never YAML. Each element keeps its :class:`~model.errors.Location`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from model.errors import Location

Severity = Literal["reject", "advise"]
Boundary = Literal["inclusive", "exclusive"]

_NOWHERE = Location("<builtin>")


# --- policies -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LengthCheck:
    minimum: int
    maximum: int


@dataclass(frozen=True, slots=True)
class AlphabetCheck:
    classes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MustIncludeCheck:
    classes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AvoidPersonalInfoCheck:
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NotUsedElsewhereCheck:
    pass


RuleCheck = LengthCheck | AlphabetCheck | MustIncludeCheck | AvoidPersonalInfoCheck | NotUsedElsewhereCheck


@dataclass(frozen=True, slots=True)
class PolicyRule:
    id: str
    severity: Severity
    check: RuleCheck
    message: str
    sources: tuple[str, ...] = ()
    assumes: tuple[str, ...] = ()
    loc: Location = _NOWHERE


@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    kind: str
    rules: tuple[PolicyRule, ...]
    description: str = ""
    loc: Location = _NOWHERE


@dataclass(frozen=True, slots=True)
class Credential:
    name: str
    kind: str
    policy: str
    initially_set: bool = False
    description: str = ""
    sources: tuple[str, ...] = ()
    loc: Location = _NOWHERE


# --- guards: a closed vocabulary, never code ---------------------------------------------------
@dataclass(frozen=True, slots=True)
class Matches:
    input: str
    credential: str


@dataclass(frozen=True, slots=True)
class Authenticates:
    secret: str
    channel: str | None = None
    channel_from: str | None = None


@dataclass(frozen=True, slots=True)
class Satisfies:
    input: str
    policy: str


@dataclass(frozen=True, slots=True)
class IsSet:
    credential: str


@dataclass(frozen=True, slots=True)
class FlagSet:
    flag: str


@dataclass(frozen=True, slots=True)
class Given:
    input: str


@dataclass(frozen=True, slots=True)
class InputTrue:
    input: str


@dataclass(frozen=True, slots=True)
class InputIn:
    input: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Within:
    deadline: str


@dataclass(frozen=True, slots=True)
class Expired:
    deadline: str


@dataclass(frozen=True, slots=True)
class InState:
    states: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Accepts:
    channel: str
    credential: str


@dataclass(frozen=True, slots=True)
class Not:
    guard: Guard


@dataclass(frozen=True, slots=True)
class All:
    guards: tuple[Guard, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    guards: tuple[Guard, ...]


@dataclass(frozen=True, slots=True)
class Implies:
    condition: Guard
    consequence: Guard


Guard = (
    Matches
    | Authenticates
    | Satisfies
    | IsSet
    | FlagSet
    | Given
    | InputTrue
    | InputIn
    | Within
    | Expired
    | InState
    | Accepts
    | Not
    | All
    | AnyOf
    | Implies
)


# --- effects ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SetCredential:
    credential: str
    input: str


@dataclass(frozen=True, slots=True)
class ClearCredential:
    credential: str


@dataclass(frozen=True, slots=True)
class RandomizeCredential:
    credential: str


@dataclass(frozen=True, slots=True)
class SetFlag:
    flag: str
    value: bool


@dataclass(frozen=True, slots=True)
class StartDeadline:
    deadline: str


@dataclass(frozen=True, slots=True)
class StopDeadline:
    deadline: str


@dataclass(frozen=True, slots=True)
class Send:
    message: str


Effect = SetCredential | ClearCredential | RandomizeCredential | SetFlag | StartDeadline | StopDeadline | Send


# --- the rest of the language -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Source:
    id: str
    quote: str
    loc: Location = _NOWHERE


@dataclass(frozen=True, slots=True)
class Assumption:
    id: str
    question: str
    choice: str
    sources: tuple[str, ...] = ()
    loc: Location = _NOWHERE


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    type: str
    default: int
    description: str = ""
    sources: tuple[str, ...] = ()
    loc: Location = _NOWHERE


@dataclass(frozen=True, slots=True)
class Channel:
    name: str
    kind: str
    description: str = ""
    reaches: str | None = None
    loc: Location = _NOWHERE


@dataclass(frozen=True, slots=True)
class AccessRule:
    channel: str
    credential: str
    when: Guard | None = None
    sources: tuple[str, ...] = ()
    assumes: tuple[str, ...] = ()
    loc: Location = _NOWHERE


@dataclass(frozen=True, slots=True)
class Actor:
    name: str
    description: str = ""
    knows: tuple[str, ...] = ()
    has: tuple[str, ...] = ()
    profile: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))
    loc: Location = _NOWHERE


@dataclass(frozen=True, slots=True)
class Flag:
    name: str
    initial: bool = False
    description: str = ""
    loc: Location = _NOWHERE


@dataclass(frozen=True, slots=True)
class Deadline:
    name: str
    duration: int | str
    """Seconds, or the name of the duration parameter that gives them."""
    boundary: Boundary
    on_expiry: str | None = None
    description: str = ""
    sources: tuple[str, ...] = ()
    assumes: tuple[str, ...] = ()
    loc: Location = _NOWHERE


@dataclass(frozen=True, slots=True)
class Message:
    name: str
    via: str
    carries: str | None = None
    description: str = ""
    sources: tuple[str, ...] = ()
    loc: Location = _NOWHERE


@dataclass(frozen=True, slots=True)
class State:
    name: str
    description: str
    lifecycle: bool = False
    group: str | None = None
    sources: tuple[str, ...] = ()
    loc: Location = _NOWHERE


@dataclass(frozen=True, slots=True)
class Input:
    name: str
    type: str
    optional: bool = False
    values: tuple[str, ...] = ()
    description: str = ""
    loc: Location = _NOWHERE


@dataclass(frozen=True, slots=True)
class Event:
    name: str
    inputs: tuple[Input, ...] = ()
    internal: bool = False
    requires: tuple[str, ...] = ()
    description: str = ""
    sources: tuple[str, ...] = ()
    loc: Location = _NOWHERE

    def input(self, name: str) -> Input | None:
        return next((i for i in self.inputs if i.name == name), None)


@dataclass(frozen=True, slots=True)
class Transition:
    id: str
    event: str
    sources_states: tuple[str, ...]
    target: str | None
    """None: stay in the same state (an internal transition)."""
    guards: tuple[Guard, ...] = ()
    effects: tuple[Effect, ...] = ()
    sources: tuple[str, ...] = ()
    assumes: tuple[str, ...] = ()
    loc: Location = _NOWHERE


@dataclass(frozen=True, slots=True)
class Invariant:
    id: str
    text: str
    holds: Guard
    sources: tuple[str, ...] = ()
    assumes: tuple[str, ...] = ()
    loc: Location = _NOWHERE


@dataclass(frozen=True, slots=True)
class Document:
    file: str
    text: str
    unquoted: tuple[tuple[str, str], ...] = ()
    loc: Location = _NOWHERE


@dataclass(frozen=True, slots=True, eq=False)
class Spec:
    """A whole validated spec. Name-keyed tables keep the file's order.

    Compared and hashed by identity, so compiled backends can be cached per spec object.
    """

    path: str
    name: str
    title: str
    description: str
    document: Document | None
    sources: MappingProxyType[str, Source]
    assumptions: MappingProxyType[str, Assumption]
    parameters: MappingProxyType[str, Parameter]
    credentials: MappingProxyType[str, Credential]
    policies: MappingProxyType[str, Policy]
    capabilities: MappingProxyType[str, str]
    channels: MappingProxyType[str, Channel]
    access: tuple[AccessRule, ...]
    actors: MappingProxyType[str, Actor]
    flags: MappingProxyType[str, Flag]
    deadlines: MappingProxyType[str, Deadline]
    messages: MappingProxyType[str, Message]
    states: MappingProxyType[str, State]
    initial: tuple[str, ...]
    events: MappingProxyType[str, Event]
    transitions: tuple[Transition, ...]
    invariants: tuple[Invariant, ...]

    def parameter_values(self, overrides: dict[str, int] | None = None) -> dict[str, int]:
        """Each parameter's value: its default unless ``overrides`` names it."""
        values = {name: p.default for name, p in self.parameters.items()}
        values.update(overrides or {})
        return values

    def deadline_seconds(self, deadline: Deadline, overrides: dict[str, int] | None = None) -> int:
        if isinstance(deadline.duration, int):
            return deadline.duration
        return self.parameter_values(overrides)[deadline.duration]
