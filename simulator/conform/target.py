"""What credlab needs of a system under test: the adapter protocol.

A target is driven one member at a time. credlab resets it to a fresh member holding some
credentials, performs the spec's events with concrete inputs, asks whether a channel takes a
credential's value now, and moves its clock. Each performed event returns an
:class:`Observation`: accepted or refused, the messages the system sent (with the secret each
carries, such as the new PIN on a postcard), and optionally a projection of its state.

Secrets the system chooses (a random PIN) are the system's: credlab checks that the policy
allows them and adopts them, so later steps present what the system really sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from credlab.model.hashing import Secret
from credlab.model.ir import InputValue


class CannotStart(Exception):
    """The target cannot be put in a story's starting situation (a state other than the initial
    ones, flags, running deadlines): the story is skipped with this reason, never failed."""


@dataclass(frozen=True, slots=True)
class Delivered:
    """A message the system sent, and the credential value it carries, if any (kept as a :class:`Secret`)."""

    message: str
    carries: str | None = None
    value: Secret | None = None


@dataclass(frozen=True, slots=True)
class Observation:
    accepted: bool
    delivered: tuple[Delivered, ...] = ()
    state: str | None = None
    """The system's state as a spec state name, for targets that can tell (None: not observed)."""
    observed: bool = True
    """False: the system has no part in this event (the post delivering a card); nothing is compared."""
    violations: tuple[tuple[str, str], ...] = ()
    """(expected, observed) for what the target checked on its own: a server error, an earlier
    reset link that still works, a refusal that answers differently for an unknown member."""


class Target(Protocol):
    """The adapter a system under test offers credlab."""

    name: str

    def reset(
        self,
        state: str,
        credentials: Mapping[str, str],
        *,
        flags: Mapping[str, bool],
        running: tuple[str, ...],
        actor: str | None,
    ) -> None:
        """A fresh member in ``state`` holding ``credentials`` (plaintext test data), ``actor`` at
        its screen; raise :class:`CannotStart` when the system cannot begin there."""

    def perform(self, event: str, inputs: Mapping[str, InputValue], actor: str | None) -> Observation:
        """Cause ``event`` with ``inputs`` as ``actor``, and say what could be observed."""

    def access(self, channel: str, credential: str, value: str) -> bool | None:
        """Whether ``channel`` lets in whoever presents ``value`` as ``credential`` now (None: the
        target cannot tell, and nothing is compared)."""

    def advance(self, seconds: int) -> None:
        """Move the system's clock ``seconds`` forward."""

    def after_step(self, running: frozenset[str]) -> tuple[tuple[str, str], ...]:
        """What the target checks on its own once a step is done, knowing which of the spec's
        deadlines run then: (expected, observed) for each thing that is wrong."""

    def exchange(self) -> tuple[str, ...]:
        """What was said to the system since the last call (for HTTP, cURL lines), secrets redacted."""

    def close(self) -> None:
        """Release the member (and anything the target opened for it)."""
