"""Unlimited guessing: a channel that takes a guessable secret and never counts a wrong one.

A wrong guess that leaves the situation exactly as it was (refused, nothing counted, nothing
locked) can be repeated forever; if the right secret is still accepted there, an attacker may try
every value the policy allows. :func:`unlimited_guessing` looks for the first such situation the
member reaches (breadth-first, so the way there is a shortest one) for each channel and
credential the spec's access rules pair, and gives the event and inputs that show it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from credlab.model import ir
from credlab.simulator.analysis.exploration import Exploration
from credlab.simulator.analysis.explore import Explorer
from credlab.simulator.analysis.paths import search_random
from credlab.simulator.stories.scenario import SecretRef, StoryValue

GUESSES = 10
"""Wrong guesses a story shows before the right secret is still accepted."""


@dataclass(frozen=True, slots=True)
class Guessing:
    """Where a channel takes ``credential`` with no limit on wrong guesses, and how to show it."""

    channel: str
    credential: str
    event: str
    node: int
    """The first situation of the member's exploration where it shows."""
    transition: str
    """What the right secret fires there."""
    inputs: tuple[tuple[str, StoryValue], ...]
    """The guess's inputs, with the secret as the member's known value."""
    secret: str
    """The input that carries the guess."""

    def rule(self, spec: ir.Spec) -> ir.AccessRule:
        return next(r for r in spec.access if (r.channel, r.credential) == (self.channel, self.credential))


def unlimited_guessing(explorer: Explorer, found: Exploration) -> list[Guessing]:
    """Each access rule's channel and credential where a wrong guess can be repeated forever."""
    spec, engine = explorer.spec, explorer.engine
    pending = list(dict.fromkeys((r.channel, r.credential) for r in spec.access))
    found_at: list[Guessing] = []
    rng = search_random()
    for node, key in enumerate(found.keys):
        if not pending:
            break
        world, knowledge, _ = explorer.layout.decode(key)
        for channel, credential in list(pending):
            right = knowledge.resolve("known", credential)
            if right is None or not engine.accepts(world, channel, credential, right):
                continue
            for event, secret, inputs in guesses(spec, explorer, channel, credential):
                resolved = explorer.resolve(world, knowledge, inputs)
                if resolved is None:
                    continue
                step = engine.fire(world, event, resolved, rng, explorer.actor)[1]
                wrong = {**resolved, secret: explorer.wrong(world, credential)}
                unchanged = engine.fire(world, event, wrong, rng, explorer.actor)[0] == world
                if step.accepted and step.transition and unchanged:
                    found_at.append(Guessing(channel, credential, event, node, step.transition, inputs, secret))
                    pending.remove((channel, credential))
                    break
    return found_at


def guesses(
    spec: ir.Spec, explorer: Explorer, channel: str, credential: str
) -> Iterator[tuple[str, str, tuple[tuple[str, StoryValue], ...]]]:
    """(event, secret input, inputs) for each move the actor can make that authenticates on
    ``channel`` with the member's known ``credential``."""
    known = SecretRef("known", credential)
    seen: set[tuple[str, str, tuple[tuple[str, StoryValue], ...]]] = set()
    for event, moves in explorer.moves.items():
        for t in spec.transitions:
            if t.event != event:
                continue
            for g in _authenticating(t.guards):
                for move in moves:
                    inputs = dict(move.inputs)
                    on = g.channel if g.channel is not None else inputs.get(g.channel_from or "")
                    guess = (event, g.secret, move.inputs)
                    if on == channel and inputs.get(g.secret) == known and guess not in seen:
                        seen.add(guess)
                        yield guess


def _authenticating(guards: tuple[ir.Guard, ...]) -> Iterator[ir.Authenticates]:
    """The ``authenticates`` guards a transition's guards require (not under a negation)."""
    for g in guards:
        if isinstance(g, ir.Authenticates):
            yield g
        elif isinstance(g, ir.All):
            yield from _authenticating(g.guards)
