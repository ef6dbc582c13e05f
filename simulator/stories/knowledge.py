"""What an actor knows: each credential's values as they learned them, and what reached them by mail.

Immutable and hashable, so exploration can keep it in a state key. Secret references in
scenarios (``known``, ``previous``, ``mailed``) resolve against it.
"""

from __future__ import annotations

from credlab.model.node import node

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

    def learn(self, credential: str, value: str) -> Knowledge:
        """The actor now knows ``value`` as the latest value of ``credential``."""
        return Knowledge(_append(self.known, credential, value), self.mailed)

    def receive(self, credential: str, value: str) -> Knowledge:
        """``value`` reached the actor by mail (so they know it too)."""
        return Knowledge(_append(self.known, credential, value), _append(self.mailed, credential, value))

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
