"""What an actor knows: each credential's values as they learned them, and what reached them by mail.

Immutable and hashable, so exploration can keep it in a state key. Secret references in
scenarios (``known``, ``previous``, ``mailed``) resolve against it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from credlab.model import ir
from credlab.model.node import node, replace

History = tuple[tuple[str, tuple[str, ...]], ...]


KEPT = 2
"""Values kept per credential: the latest and the one before (``known`` and ``previous``).
Keeping no more keeps exploration finite: older values are never referred to."""


def _append(history: History, credential: str, value: str) -> History:
    table = dict(history)
    values = table.get(credential, ())
    if values and values[-1] == value:
        return history
    table[credential] = (*values, value)[-KEPT:]
    return tuple(sorted(table.items()))


def _values(history: History, credential: str) -> tuple[str, ...]:
    for name, values in history:  # a handful of credentials: a scan beats building a dict
        if name == credential:
            return values
    return ()


@node
class Knowledge:
    known: History = ()
    mailed: History = ()
    transit: tuple[tuple[str, str, str], ...] = ()
    """(message, credential, value) sent to the actor that has not arrived yet (one per message:
    a message sent again replaces the one in flight)."""
    held: tuple[str, ...] = ()
    """In a search for denials of service: the channels where the member had something that works
    when the attacker started (see :mod:`credlab.simulator.analysis.denial`)."""
    attacked: bool = False
    """In that search: whether the attacker changed something yet."""

    def learn(self, credential: str, value: str) -> Knowledge:
        """The actor now knows ``value`` as the latest value of ``credential``."""
        return replace(self, known=_append(self.known, credential, value))

    def receive(self, credential: str, value: str) -> Knowledge:
        """``value`` reached the actor by mail (so they know it too)."""
        return replace(
            self, known=_append(self.known, credential, value), mailed=_append(self.mailed, credential, value)
        )

    def post(self, message: str, credential: str, value: str) -> Knowledge:
        """``value`` is on its way to the actor in ``message``: known once it arrives."""
        transit = (*(t for t in self.transit if t[0] != message), (message, credential, value))
        return replace(self, transit=tuple(sorted(transit)))

    def arrive(self, message: str) -> Knowledge:
        """``message`` arrived: what it carries reaches the actor (nothing if none was on its way)."""
        carried = next((t for t in self.transit if t[0] == message), None)
        if carried is None:
            return self
        rest = replace(self, transit=tuple(t for t in self.transit if t[0] != message))
        return rest.receive(carried[1], carried[2])

    def forget(self, credentials: frozenset[str]) -> Knowledge:
        """The actor no longer has ``credentials``' values (a code only a lost device showed)."""
        if not credentials:
            return self
        return replace(
            self,
            known=tuple(h for h in self.known if h[0] not in credentials),
            mailed=tuple(h for h in self.mailed if h[0] not in credentials),
        )

    def resolve(self, kind: str, credential: str) -> str | None:
        """The value a ``known``/``previous``/``mailed`` reference means now, or None."""
        if kind == "mailed":
            values = _values(self.mailed, credential)
            return values[-1] if values else None
        values = _values(self.known, credential)
        if kind == "known":
            return values[-1] if values else None
        if kind == "previous":
            return values[-2] if len(values) >= 2 else None
        return None


NOTHING = Knowledge()
"""What an actor knows before anything: shared, since a Knowledge never changes."""


def next_code(sheet: str, unused: Callable[[str], bool]) -> str:
    """The code of a set one presents: the first still unused on the sheet, else its first."""
    codes = sheet.split()
    return next((code for code in codes if unused(code)), codes[0] if codes else sheet)


def learned_settings(transition: ir.Transition, inputs: Mapping[str, str | bool]) -> list[tuple[str, str]]:
    """(credential, value) that ``transition`` set from the inputs its actor typed: what they now know."""
    return [
        (effect.credential, str(inputs[effect.input]))
        for effect in transition.effects
        if isinstance(effect, ir.SetCredential) and isinstance(inputs.get(effect.input), str)
    ]
