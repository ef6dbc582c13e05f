"""Shortest paths to every state, transition, signature and broken invariant, from exploration.

Random testing is shallow (hypothesis#376): a transition that needs six precise steps is rarely
reached by chance. Fuzzing starts from these paths and lint reports what none reaches. They come
from the explorer (:mod:`~credlab.simulator.analysis.explore`): breadth-first over packed
situations, so each path is a shortest one, with the shortest concrete waits that realise it.
The member's whole exploration is kept per process (:func:`member_exploration`): in one
``credlab check`` fuzzing's paths and ``credlab explore``'s verdicts come from one search.
"""

from __future__ import annotations

from collections.abc import Callable

from credlab.model import ir
from credlab.model.engine import Engine
from credlab.simulator.analysis.exploration import Exploration
from credlab.simulator.analysis.explore import Explorer
from credlab.simulator.analysis.paths import Key, Paths, signature

MAX_NODES = 20_000
"""Situations a search visits at most (a bound: lint says when it stopped there)."""


_EXPLORED: dict[tuple[ir.Spec, tuple[tuple[str, int], ...]], tuple[Explorer, Exploration]] = {}


def member_exploration(
    engine: Engine, max_states: int, progress: Callable[[Exploration], None] | None = None
) -> tuple[Explorer, Exploration]:
    """The default actor's exploration of ``engine``'s spec and parameters, properties checked,
    done once per process when it completes within ``max_states``: the shortest paths fuzzing
    starts from and ``credlab explore``'s verdicts in one ``credlab check`` come from one search."""
    key = (engine.spec, tuple(sorted(engine.parameters.items())))
    cached = _EXPLORED.get(key)
    if cached is not None and len(cached[1].keys) <= max_states:
        return cached
    explorer = Explorer(engine, max_states=max_states, progress=progress)
    found = explorer.explore()
    if found.complete:
        if len(_EXPLORED) > 4:  # a long-lived process exploring many variants: keep memory bounded
            _EXPLORED.clear()
        _EXPLORED[key] = (explorer, found)
    return explorer, found


def search(engine: Engine, *, signatures: bool = False, max_nodes: int = MAX_NODES) -> Paths:
    """Shortest paths to every transition and state (and, with ``signatures``, to every
    :func:`~credlab.simulator.analysis.paths.signature` and to a situation breaking each invariant
    that some situation breaks); without ``signatures`` the search ends once every transition
    has fired."""
    wanted = len(engine.spec.transitions)
    if signatures:  # the whole space: the exploration `credlab explore` would make, shared
        explorer, found = member_exploration(engine, max_nodes)
    else:

        def everything_fired(found: Exploration, node: int) -> bool:
            return len(found.first_fired) == wanted

        explorer = Explorer(engine, max_states=max_nodes)
        found = explorer.explore(check=False, stop=everything_fired)
    paths = Paths(explored=len(found.keys), complete=found.complete or len(found.first_fired) == wanted)
    for transition, (node, edge) in sorted(found.first_fired.items(), key=lambda item: item[1][0]):
        paths.transitions[transition] = found.path(node, edge)
    first_state: dict[str, int] = {}
    first_signature: dict[Key, int] = {}
    first_broken: dict[str, int] = {}
    for node, (world, _) in enumerate(found.worlds):
        first_state.setdefault(world.state, node)
        if signatures:
            first_signature.setdefault(signature(world), node)
            for invariant in explorer.violated(found.keys[node]):
                first_broken.setdefault(invariant, node)
    paths.states = {state: found.path(node) for state, node in first_state.items()}
    paths.signatures = {sig: found.path(node) for sig, node in first_signature.items()}
    paths.violations = {invariant: found.path(node) for invariant, node in first_broken.items()}
    return paths


_SEARCHES: dict[tuple[ir.Spec, tuple[tuple[str, int], ...], bool], Paths] = {}


def shortest_paths(engine: Engine, *, signatures: bool = False) -> Paths:
    """The default actor's shortest paths for ``engine``'s spec and parameters, searched once per
    process: lint, fuzzing and attacker analysis in one `credlab check` share the search.
    A search with signatures also answers one without (same breadth-first order)."""
    parameters = tuple(sorted(engine.parameters.items()))
    for wanted in (True,) if signatures else (False, True):
        found = _SEARCHES.get((engine.spec, parameters, wanted))
        if found is not None:
            return found
    if len(_SEARCHES) > 32:  # a long-lived process checking many variants: keep memory bounded
        _SEARCHES.clear()
    found = search(engine, signatures=signatures)
    _SEARCHES[(engine.spec, parameters, signatures)] = found
    return found
