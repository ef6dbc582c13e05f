"""Recoverability: from every reachable situation, can the member get back to online access?

A situation in a final state is an end the spec declares (a closed account): it is not asked to
get back, though the way to it is (a member with no way back but into an end is stuck).

A backward search from the situations where a value the member knows works online, over the
steps exploration kept (those that start where the member has no access). With zones, a step
that only some valuations of its source can take (a lapse in one order) is "uncertain": a
situation that gets back only through such steps is undecided, and the property is then
``unknown``, never ``holds``.
"""

from __future__ import annotations

from array import array
from itertools import accumulate

from credlab.simulator.analysis.exploration import Exploration, Violation
from credlab.simulator.results import Builtin, PropertyId


def check_recoverable(found: Exploration) -> None:
    """Record in ``found`` the first situation (breadth-first) from which no path leads back —
    all its valuations are reachable and none gets back: a failure — and the situations whose
    only ways back are uncertain (``found.undecided_recovery``)."""
    if found.good.count(0) == 0:  # everywhere is already back
        return
    maybe = _back_from(found, universal_only=False)
    layout = found.layout
    ends = layout.final_states
    stuck = maybe.find(0)  # BFS numbering: the first is the end of a shortest path to one
    while stuck >= 0 and ends and layout.state_of(found.keys[stuck]) in ends:  # a final state is an end
        stuck = maybe.find(0, stuck + 1)
    if stuck >= 0 and found.complete:
        found.violations.append(
            Violation(
                PropertyId.builtin(Builtin.RECOVERABLE),
                "the member can no longer get back to online access",
                stuck,
            )
        )
    if found.uncertain:
        surely = _back_from(found, universal_only=True)
        found.undecided_recovery = [
            n for n in range(len(maybe)) if maybe[n] and not surely[n] and layout.state_of(found.keys[n]) not in ends
        ]


def _back_from(found: Exploration, *, universal_only: bool) -> bytearray:
    """Which situations (1 for each) have a path of (universal) steps to one where a value the
    member knows works online. The steps are read backwards from arrays grouped by target (4
    bytes a step and a situation): a list per situation would cost more than the search did."""
    count = len(found.good)
    uncertain = found.uncertain if universal_only else set()
    steps = [i for i, pair in enumerate(zip(found.sources, found.targets, strict=True)) if pair not in uncertain]
    starts = array("i", bytes(4 * (count + 1)))
    for i in steps:
        starts[found.targets[i] + 1] += 1
    starts = array("i", accumulate(starts))
    predecessors, filled = array("i", bytes(4 * len(steps))), array("i", starts)
    for i in steps:
        target = found.targets[i]
        predecessors[filled[target]] = found.sources[i]
        filled[target] += 1
    reached = bytearray(found.good)
    queue = array("i", (n for n in range(count) if reached[n]))
    head = 0
    while head < len(queue):
        node = queue[head]
        head += 1
        for at in range(starts[node], starts[node + 1]):
            source = predecessors[at]
            if not reached[source]:
                reached[source] = 1
                queue.append(source)
    return reached
