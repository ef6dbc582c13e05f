"""The stories exploration writes: a shortest counterexample for each failed property, and a
story for each lockout window and each channel that takes unlimited guesses (the attackers'
stories are :mod:`~credlab.simulator.analysis.attack_stories`'s)."""

from __future__ import annotations

from pathlib import Path

from credlab.model import ir
from credlab.model.delivery import deliverable, in_transit
from credlab.model.durations import format_duration
from credlab.model.errors import Location
from credlab.model.node import node, replace
from credlab.model.overrides import set_arguments
from credlab.simulator.analysis.attacker import lockout_windows
from credlab.simulator.analysis.exploration import Exploration, Violation
from credlab.simulator.analysis.explore import Explorer
from credlab.simulator.analysis.findings import replay_path, rests_on
from credlab.simulator.analysis.guessing import GUESSES, unlimited_guessing
from credlab.simulator.analysis.paths import Move
from credlab.simulator.outputs import write_atomic
from credlab.simulator.results import Counterexample, Finding, PropertyId
from credlab.simulator.stories.knowledge import Knowledge
from credlab.simulator.stories.scenario import Expectation, SecretRef
from credlab.simulator.stories.writer import scenario_file

WHERE = "<explore>"


@node
class ExploreOptions:
    """How far to explore and where the stories go. ``replay`` is the spec path that replay
    commands written into the stories name (by default, the path the spec was loaded from)."""

    max_states: int = 200_000
    out: Path = Path("build/explore")
    replay: str | None = None


class StoryWriter:
    """Writes the stories of one exploration's failures and findings."""

    def __init__(self, explorer: Explorer, found: Exploration, options: ExploreOptions, overrides: dict[str, int]):
        self.explorer, self.found, self.out = explorer, found, options.out
        self.replay = options.replay or explorer.spec.path
        self.variant = set_arguments(overrides)

    def violation(self, violation: Violation) -> Counterexample:
        spec, found = self.explorer.spec, self.found
        state, moves = found.path(violation.node, violation.then)
        slug = violation.property.slug
        path = self.out / f"{spec.name}-{slug}.yaml"
        steps = [move.as_step(n, Location(WHERE, n)) for n, move in enumerate(moves, start=1)]
        text = scenario_file(
            spec=spec.name,
            name=f"explore_{slug.replace('-', '_')}",  # a story's name: deadlock-free is explore_deadlock_free
            description=f"Shortest path found by credlab explore to a situation where {violation.property} fails.",
            state=state,
            credentials=self.explorer.initial_values,
            steps=steps,
            header=[
                f"Shortest counterexample found by `credlab explore {self.replay}{self.variant}`: "
                f"{violation.property} fails.",
                f"{violation.description.rstrip('.')}. Replay: {self.replay_command(path)}",
            ],
        )
        write_atomic(path, text)
        return Counterexample(
            violation.property, len(moves), str(path), violation.description, self.replay_command(path)
        )

    def replay_command(self, story: Path) -> str:
        return f"credlab simulate {self.replay} {story}{self.variant}"

    def lockouts(self) -> list[Finding]:
        findings = []
        for channel, where in lockout_windows(self.explorer, self.found).items():
            lockout = PropertyId("lockout", channel)
            written = self.violation(Violation(lockout, f"nothing the member knows works on {channel}", where))
            world, knowledge = self.found.worlds[where]
            awaited = self.awaited(knowledge, channel)
            lifted = None if awaited else self.lifted_by(where, channel)
            fired = replay_path(self.explorer, self.found, where).fired
            sources, assumes = rests_on(self.explorer.spec, fired, [channel], awaited)
            if lifted is not None:
                sources, assumes = sources + lifted.sources, assumes + lifted.assumes
                lasts = self.engine_seconds(lifted)
                until = f"until {lifted.name} lapses, {format_duration(lasts)} after it starts"
            else:
                until = self.lasts(awaited, "they act")
            ends = awaited.name if awaited else lifted.name if lifted else None
            findings.append(
                Finding(
                    "lockout_window",
                    f"the member can reach {world.state}, where nothing they know works on {channel} {until}",
                    written.scenario_file,
                    written.steps,
                    (("channel", channel), ("state", world.state)) + ((("until", ends),) if ends else ()),
                    severity="medium",
                    sources=tuple(dict.fromkeys(sources)),
                    assumes=tuple(dict.fromkeys(assumes)),
                    duration=self.window(awaited) if awaited else format_duration(lasts) if lifted else None,
                )
            )
        return findings

    def lifted_by(self, node: int, channel: str) -> ir.Deadline | None:
        """A deadline (not a message's) whose lapse gives the member something that works on
        ``channel`` again: a freeze that lifts, say (None when no lapse does)."""
        spec, explorer = self.explorer.spec, self.explorer
        for edge, world, knowledge, _, _ in explorer.successors(self.found, node):
            values = {v for _, history in knowledge.known for v in history}
            if edge.lapse and explorer.engine.grants(world, channel, values, explorer.presents):
                lapsed = [spec.deadlines[explorer.clocks.names[i]] for i in edge.lapse]
                return next((d for d in lapsed if d.delivery is None), None)
        return None

    def engine_seconds(self, deadline: ir.Deadline) -> int:
        engine = self.explorer.engine
        return engine.durations[engine.deadline_index[deadline.name]]

    def lasts(self, awaited: ir.Message | None, otherwise: str) -> str:
        """How long a window lasts: until a delayed message on its way arrives, or ``otherwise``."""
        return (
            f"until {awaited.name} arrives, {self.window(awaited)} after it is sent"
            if awaited
            else f"until {otherwise}"
        )

    def awaited(self, knowledge: Knowledge, channel: str) -> ir.Message | None:
        """A delayed message on its way to the member with a credential ``channel`` takes."""
        spec = self.explorer.spec
        taken = {r.credential for r in spec.access if r.channel == channel}
        return next((spec.messages[m] for m, c, _ in knowledge.transit if c in taken), None)

    def window(self, message: ir.Message) -> str:
        """``1d to 7d``: how long a message on its way takes, with this run's parameters."""
        engine = self.explorer.engine
        least, most = (engine.durations[engine.deadline_index[d(message.name)]] for d in (deliverable, in_transit))
        return f"{format_duration(least)} to {format_duration(most)}"

    def guessing(self) -> list[Finding]:
        """One finding per channel and credential that takes unlimited wrong guesses."""
        spec, found, findings = self.explorer.spec, self.found, []
        for guess in unlimited_guessing(self.explorer, found):
            state, moves = found.path(guess.node)
            where = found.worlds[guess.node][0].state
            wrong = tuple(
                (n, SecretRef("wrong", guess.credential) if n == guess.secret else v) for n, v in guess.inputs
            )
            tries = [Move(guess.event, wrong)] * GUESSES
            steps = [m.as_step(n, Location(WHERE, n)) for n, m in enumerate(moves, start=1)]
            steps += [
                replace(m.as_step(n, Location(WHERE, n)), expect=Expectation(state=where, accepted=False))
                for n, m in enumerate(tries, start=len(steps) + 1)
            ]
            right = Move(guess.event, guess.inputs)
            steps.append(
                replace(
                    right.as_step(len(steps) + 1, Location(WHERE, len(steps) + 1)),
                    expect=Expectation(accepted=True, transition=guess.transition),
                )
            )
            slug = f"unlimited_guessing-{guess.channel}-{guess.credential}"
            message = (
                f"{guess.channel} takes the member's {guess.credential} with no limit on wrong guesses: in {where}, "
                f"{GUESSES} wrong ones change nothing and the right one is still accepted"
            )
            path = self.out / f"{spec.name}-{slug}.yaml"
            text = scenario_file(
                spec=spec.name,
                name=f"explore_{slug.replace('-', '_')}",
                description=message + ".",
                state=state,
                credentials=self.explorer.initial_values,
                steps=steps,
                header=[
                    f"Found by `credlab explore {self.replay}{self.variant}`: {message}.",
                    f"Replay: {self.replay_command(path)}",
                ],
            )
            write_atomic(path, text)
            rule = guess.rule(spec)
            sources, assumes = rests_on(spec, (guess.transition,), ())
            findings.append(
                Finding(
                    "unlimited_guessing",
                    message,
                    str(path),
                    len(steps),
                    (("channel", guess.channel), ("credential", guess.credential), ("state", where)),
                    severity="high" if spec.credentials[guess.credential].kind == "pin" else "medium",
                    sources=tuple(dict.fromkeys(rule.sources + sources)),
                    assumes=tuple(dict.fromkeys(rule.assumes + assumes)),
                )
            )
        return findings
