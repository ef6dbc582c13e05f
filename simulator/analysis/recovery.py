"""Recoverability: from every reachable situation, can the member get back to online access?

A backward search from the situations where a value the member knows works online, over the
steps exploration kept (those that start where the member has no access). With zones, a step
that only some valuations of its source can take (a lapse in one order) is "uncertain": a
situation that gets back only through such steps is undecided, and the property is then
``unknown``, never ``holds``.
"""

from __future__ import annotations

from collections import deque

from credlab.simulator.analysis.exploration import Exploration, Violation
from credlab.simulator.results import Builtin, PropertyId


def check_recoverable(found: Exploration) -> None:
    """Record in ``found`` the first situation (breadth-first) from which no path leads back —
    all its valuations are reachable and none gets back: a failure — and the situations whose
    only ways back are uncertain (``found.undecided_recovery``)."""
    count = len(found.keys)
    if found.good.count(0) == 0:  # everywhere is already back
        return
    good = [n for n in range(count) if found.good[n]]
    maybe = _back_from(found, good, universal_only=False)
    surely = _back_from(found, good, universal_only=True) if found.uncertain else maybe
    stuck = [n for n in range(count) if not maybe[n]]
    if stuck and found.complete:
        found.violations.append(
            Violation(
                PropertyId.builtin(Builtin.RECOVERABLE),
                "the member can no longer get back to online access",
                stuck[0],  # BFS numbering: the shortest path to a stuck situation
            )
        )
    found.undecided_recovery = [n for n in range(count) if maybe[n] and not surely[n]]


def _back_from(found: Exploration, good: list[int], *, universal_only: bool) -> bytearray:
    """Which situations (1 for each) have a path of (universal) steps to one of ``good``."""
    predecessors: list[list[int]] = [[] for _ in found.keys]
    uncertain = found.uncertain if universal_only else set()
    for source, target in zip(found.sources, found.targets, strict=True):
        if not uncertain or (source, target) not in uncertain:
            predecessors[target].append(source)
    reached = bytearray(len(found.keys))
    for node in good:
        reached[node] = 1
    frontier = deque(good)
    while frontier:
        for source in predecessors[frontier.popleft()]:
            if not reached[source]:
                reached[source] = 1
                frontier.append(source)
    return reached
