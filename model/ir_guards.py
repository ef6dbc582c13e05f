"""Guards and effects: the closed vocabulary of what a transition checks and does (never code).

Re-exported by :mod:`credlab.model.ir`, where the rest of the language lives.
"""

from __future__ import annotations

from credlab.model.node import node


# --- guards: a closed vocabulary, never code ---------------------------------------------------
@node
class Matches:
    input: str
    credential: str


@node
class Authenticates:
    secret: str
    channel: str | None = None
    channel_from: str | None = None


@node
class Satisfies:
    input: str
    policy: str


@node
class IsSet:
    credential: str


@node
class FlagSet:
    flag: str


@node
class Given:
    input: str


@node
class InputTrue:
    input: str


@node
class InputIn:
    input: str
    values: tuple[str, ...]


@node
class CountAtLeast:
    counter: str
    value: int


@node
class CodesLeft:
    """A code set still has at least ``at_least`` unused codes."""

    credential: str
    at_least: int


@node
class Within:
    deadline: str


@node
class Expired:
    deadline: str


@node
class InState:
    states: tuple[str, ...]


@node
class Accepts:
    channel: str
    credential: str


@node
class Not:
    guard: Guard


@node
class All:
    guards: tuple[Guard, ...]


@node
class AnyOf:
    guards: tuple[Guard, ...]


@node
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
    | CountAtLeast
    | CodesLeft
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
@node
class SetCredential:
    credential: str
    input: str


@node
class UseCode:
    """The code the input names is used up: it no longer matches (a single-use recovery code)."""

    credential: str
    input: str


@node
class ClearCredential:
    credential: str


@node
class RandomizeCredential:
    credential: str


@node
class SetFlag:
    flag: str
    value: bool


@node
class Increment:
    counter: str


@node
class ResetCounter:
    counter: str


@node
class StartDeadline:
    deadline: str


@node
class StopDeadline:
    deadline: str


@node
class Send:
    message: str


Effect = (
    SetCredential
    | UseCode
    | ClearCredential
    | RandomizeCredential
    | SetFlag
    | Increment
    | ResetCounter
    | StartDeadline
    | StopDeadline
    | Send
)
