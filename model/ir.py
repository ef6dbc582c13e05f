"""The typed, immutable intermediate representation of a validated spec.

Elements are ``@node`` value classes (frozen, slotted, compared by value; see
:mod:`credlab.model.node` for why not dataclasses); the whole :class:`Spec` is one too, but
compared by identity, so compiled backends can be cached per loaded spec.

Every name in the IR has been resolved: a :class:`Transition`'s source states exist, a guard's
credential exists, and so on. Backends (the ``transitions`` machine, diagrams, the simulator)
read only the IR, never YAML. Each element keeps its :class:`~credlab.model.errors.Location`.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Literal

from credlab.model.errors import Location
from credlab.model.ir_findings import AcceptedFinding as AcceptedFinding
from credlab.model.ir_findings import FindingKind as FindingKind
from credlab.model.ir_guards import Accepts as Accepts
from credlab.model.ir_guards import All as All
from credlab.model.ir_guards import AnyOf as AnyOf
from credlab.model.ir_guards import Authenticates as Authenticates
from credlab.model.ir_guards import ClearCredential as ClearCredential
from credlab.model.ir_guards import CodesLeft as CodesLeft
from credlab.model.ir_guards import CountAtLeast as CountAtLeast
from credlab.model.ir_guards import Effect as Effect
from credlab.model.ir_guards import Expired as Expired
from credlab.model.ir_guards import FlagSet as FlagSet
from credlab.model.ir_guards import Given as Given
from credlab.model.ir_guards import Guard as Guard
from credlab.model.ir_guards import Implies as Implies
from credlab.model.ir_guards import Increment as Increment
from credlab.model.ir_guards import InputIn as InputIn
from credlab.model.ir_guards import InputTrue as InputTrue
from credlab.model.ir_guards import InState as InState
from credlab.model.ir_guards import IsSet as IsSet
from credlab.model.ir_guards import Matches as Matches
from credlab.model.ir_guards import Not as Not
from credlab.model.ir_guards import RandomizeCredential as RandomizeCredential
from credlab.model.ir_guards import ResetCounter as ResetCounter
from credlab.model.ir_guards import Satisfies as Satisfies
from credlab.model.ir_guards import Send as Send
from credlab.model.ir_guards import SetCredential as SetCredential
from credlab.model.ir_guards import SetFlag as SetFlag
from credlab.model.ir_guards import StartDeadline as StartDeadline
from credlab.model.ir_guards import StopDeadline as StopDeadline
from credlab.model.ir_guards import UseCode as UseCode
from credlab.model.ir_guards import Within as Within
from credlab.model.ir_policy import (
    AlphabetCheck as AlphabetCheck,
)
from credlab.model.ir_policy import (
    AvoidPersonalInfoCheck as AvoidPersonalInfoCheck,
)
from credlab.model.ir_policy import (
    CredentialKind as CredentialKind,
)
from credlab.model.ir_policy import (
    LengthCheck as LengthCheck,
)
from credlab.model.ir_policy import (
    MaxConsecutiveCheck as MaxConsecutiveCheck,
)
from credlab.model.ir_policy import (
    MustIncludeCheck as MustIncludeCheck,
)
from credlab.model.ir_policy import (
    MustIncludeOneOfCheck as MustIncludeOneOfCheck,
)
from credlab.model.ir_policy import (
    NotInListCheck as NotInListCheck,
)
from credlab.model.ir_policy import (
    NotUsedElsewhereCheck as NotUsedElsewhereCheck,
)
from credlab.model.ir_policy import (
    Policy as Policy,
)
from credlab.model.ir_policy import (
    PolicyRule as PolicyRule,
)
from credlab.model.ir_policy import (
    PrintableCheck as PrintableCheck,
)
from credlab.model.ir_policy import (
    RuleCheck as RuleCheck,
)
from credlab.model.ir_policy import (
    Severity as Severity,
)
from credlab.model.node import node, replace

Boundary = Literal["inclusive", "exclusive"]
InputValue = str | bool
ChannelKind = Literal["online", "voice", "in_person", "email", "post", "sms", "app", "screen"]
MESSAGE_KINDS: tuple[ChannelKind, ...] = ("email", "post", "sms", "app", "screen", "in_person")
"""The kinds of channel a message can go by (a screen shows it, in person it is handed over)."""
InputType = Literal["secret", "channel", "bool", "choice"]
ParameterType = Literal["duration"]
"""What an event's input holds when it fires: a secret or a channel name as text, or a yes/no."""

_NOWHERE = Location("<builtin>")
_EMPTY: MappingProxyType[str, str] = MappingProxyType({})


Factor = Literal["knowledge", "possession", "inherence"]
"""What a credential proves: something one knows (a PIN), has (a code the phone shows), or is."""


@node
class Credential:
    name: str
    kind: CredentialKind
    policy: str
    initially_set: bool = False
    description: str = ""
    sources: tuple[str, ...] = ()
    loc: Location = _NOWHERE
    assumes: tuple[str, ...] = ()
    factor: Factor = "knowledge"
    device: str | None = None
    """For a possession or inherence factor: the capability that produces its value (the phone
    with the authenticator app). Only an actor holding it can present the value."""
    codes: int | None = None
    """A set of this many single-use codes (recovery codes) instead of one value: any unused code
    matches, ``use_code`` uses one up, ``randomize_credential`` issues a new set and voids the old.
    Its plaintext is the codes separated by spaces; a story presenting it presents the first unused."""


# --- the rest of the language -------------------------------------------------------------------
@node
class Source:
    id: str
    quote: str
    loc: Location = _NOWHERE


@node
class Assumption:
    id: str
    question: str
    choice: str
    sources: tuple[str, ...] = ()
    loc: Location = _NOWHERE


@node
class Parameter:
    name: str
    type: ParameterType
    default: int
    description: str = ""
    sources: tuple[str, ...] = ()
    loc: Location = _NOWHERE
    assumes: tuple[str, ...] = ()


@node
class Channel:
    name: str
    kind: ChannelKind
    description: str = ""
    reaches: str | None = None
    loc: Location = _NOWHERE
    assumes: tuple[str, ...] = ()


@node
class AccessRule:
    """``channel`` lets in whoever presents ``credential`` (and every credential in ``also``)
    while holding ``requires`` (a card in the slot), when ``when`` holds. Several rules for one
    channel are alternatives (any of them); one rule's parts are all required."""

    channel: str
    credential: str
    when: Guard | None = None
    sources: tuple[str, ...] = ()
    assumes: tuple[str, ...] = ()
    loc: Location = _NOWHERE
    also: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()

    @property
    def credentials(self) -> tuple[str, ...]:
        return (self.credential, *self.also)

    @property
    def parts(self) -> int:
        """How many things the rule takes at once: its credentials and the capabilities it requires."""
        return len(self.credentials) + len(self.requires)


@node
class Actor:
    name: str
    description: str = ""
    knows: tuple[str, ...] = ()
    has: tuple[str, ...] = ()
    profile: MappingProxyType[str, str] = _EMPTY
    loc: Location = _NOWHERE


@node
class Flag:
    name: str
    initial: bool = False
    description: str = ""
    loc: Location = _NOWHERE


@node
class Counter:
    name: str
    maximum: int
    description: str = ""
    sources: tuple[str, ...] = ()
    loc: Location = _NOWHERE


@node
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
    delivery: str | None = None
    """Set on the two deadlines credlab adds for a message with a ``delay``: the message's name."""
    from_start: bool = False
    """Running from the moment the member starts in an initial state (a card's expiry), with no
    effect starting it; a story that starts elsewhere names it under ``running:``."""


@node
class Message:
    name: str
    via: str
    carries: str | None = None
    description: str = ""
    sources: tuple[str, ...] = ()
    loc: Location = _NOWHERE
    delay: tuple[int | str, int | str] | None = None
    """The least and the most time the message takes to arrive (seconds, or a duration
    parameter's name); None: it arrives the instant it is sent (see :mod:`credlab.model.delivery`)."""
    assumes: tuple[str, ...] = ()


@node
class State:
    name: str
    description: str
    lifecycle: bool = False
    group: str | None = None
    sources: tuple[str, ...] = ()
    loc: Location = _NOWHERE
    session: bool = False
    """A screen in the session of the actor whose event entered it: only they act on it."""
    final: bool = False
    """An end of the lifecycle: nothing leaves it (exploration expects no way on or back)."""
    assumes: tuple[str, ...] = ()
    """The assumptions a reading of the text makes about this state (why nothing leaves it, say)."""


@node
class Input:
    name: str
    type: InputType
    optional: bool = False
    values: tuple[str, ...] = ()
    description: str = ""
    loc: Location = _NOWHERE


@node
class CapabilityChange:
    """What a capability event does: ``actor`` gains or loses ``capability`` (the member's phone
    is lost, their mailbox regained; an attacker swaps the SIM). It changes what an actor holds,
    never the policy's state: no transition fires on it."""

    actor: str
    capability: str
    gained: bool

    def __str__(self) -> str:
        return f"{self.actor} {'gains' if self.gained else 'loses'} {self.capability}"


@node
class Event:
    name: str
    inputs: tuple[Input, ...] = ()
    internal: bool = False
    requires: tuple[str, ...] = ()
    description: str = ""
    sources: tuple[str, ...] = ()
    loc: Location = _NOWHERE
    delivers: str | None = None
    """The arrival of this message: an event credlab adds, fired by the post or the network."""
    assumes: tuple[str, ...] = ()
    capability: CapabilityChange | None = None
    """Set on a capability event (``gains:`` or ``loses:``): see :class:`CapabilityChange`."""

    def input(self, name: str) -> Input | None:
        return next((i for i in self.inputs if i.name == name), None)


@node
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
    delivers: str | None = None
    """The arrival of this message: a transition credlab adds (see :mod:`credlab.model.delivery`)."""


@node
class Invariant:
    id: str
    text: str
    holds: Guard
    sources: tuple[str, ...] = ()
    assumes: tuple[str, ...] = ()
    loc: Location = _NOWHERE


@node
class Document:
    file: str
    text: str
    unquoted: tuple[tuple[str, str], ...] = ()
    loc: Location = _NOWHERE


@node
class Spec:
    """A whole validated spec. Name-keyed tables keep the file's order.

    Compared and hashed by identity, so compiled backends can be cached per spec object.
    """

    __eq__ = object.__eq__
    __hash__ = object.__hash__

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
    counters: MappingProxyType[str, Counter]
    deadlines: MappingProxyType[str, Deadline]
    messages: MappingProxyType[str, Message]
    states: MappingProxyType[str, State]
    initial: tuple[str, ...]
    events: MappingProxyType[str, Event]
    transitions: tuple[Transition, ...]
    invariants: tuple[Invariant, ...]
    accepted_findings: tuple[AcceptedFinding, ...] = ()

    def assumed(self) -> list[tuple[str, ...]]:
        """The ``assumes:`` of every element that can carry one, each element's as written."""
        elements: list[tuple[str, ...]] = [t.assumes for t in self.transitions]
        elements += [inv.assumes for inv in self.invariants] + [rule.assumes for rule in self.access]
        elements += [r.assumes for p in self.policies.values() for r in p.rules]
        for table in (self.deadlines, self.states, self.messages, self.events, self.channels, self.credentials):
            elements += [element.assumes for element in table.values()]
        elements += [p.assumes for p in self.parameters.values()] + [a.assumes for a in self.accepted_findings]
        return elements

    def from_start(self, state: str) -> tuple[str, ...]:
        """The deadlines that run from time 0 when a member starts in ``state``."""
        return tuple(n for n, d in self.deadlines.items() if d.from_start) if state in self.initial else ()

    def parameter_values(self, overrides: dict[str, int] | None = None) -> dict[str, int]:
        """Each parameter's value: its default unless ``overrides`` names it."""
        values = {name: p.default for name, p in self.parameters.items()}
        values.update(overrides or {})
        return values

    def with_parameters(self, overrides: dict[str, int]) -> Spec:
        """The same spec with ``overrides`` as its parameters' defaults: a policy variant, for
        what describes a spec (diagrams, summaries) rather than runs it."""
        parameters = {n: replace(p, default=overrides.get(n, p.default)) for n, p in self.parameters.items()}
        return replace(self, parameters=MappingProxyType(parameters))

    def deadline_seconds(self, deadline: Deadline, overrides: dict[str, int] | None = None) -> int:
        if isinstance(deadline.duration, int):
            return deadline.duration
        return self.parameter_values(overrides)[deadline.duration]
