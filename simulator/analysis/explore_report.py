"""Exploration as a result: every property's verdict and every finding, each failure and finding
with a replayable story written under ``out`` (see :func:`explore_report`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

from credlab.model import ir
from credlab.model.delivery import deliverable, in_transit
from credlab.model.durations import format_duration
from credlab.model.engine import Engine, World
from credlab.model.errors import Location
from credlab.model.ir import Spec
from credlab.model.node import node, replace
from credlab.model.overrides import describe_overrides, set_arguments
from credlab.simulator.analysis.attacker import (
    GOALS,
    TAKEOVER,
    Attack,
    AttackAnalysis,
    attacker_actor,
    attacks,
    lockout_windows,
)
from credlab.simulator.analysis.denial import GOAL as DENIAL
from credlab.simulator.analysis.denial import Denials, denials
from credlab.simulator.analysis.exploration import Exploration, Violation
from credlab.simulator.analysis.explore import Explorer
from credlab.simulator.analysis.findings import accept, replay_path, rests_on, unmatched
from credlab.simulator.analysis.guessing import GUESSES, guesses, unlimited_guessing
from credlab.simulator.analysis.paths import Move, search_random
from credlab.simulator.analysis.shortest import member_exploration
from credlab.simulator.outputs import write_atomic
from credlab.simulator.results import (
    FINDING_MEANING,
    Builtin,
    Counterexample,
    ExploreReport,
    Finding,
    PropertyId,
    PropertyResult,
)
from credlab.simulator.stories.knowledge import Knowledge
from credlab.simulator.stories.scenario import Advance, Expectation, SecretRef, Step, StoryValue
from credlab.simulator.stories.writer import scenario_file

Inputs = tuple[tuple[str, StoryValue], ...]

WHERE = "<explore>"
KINDS_IN_ORDER = list(FINDING_MEANING)
"""Findings are listed risks first, in the vocabulary's order, then information."""


@node
class ExploreOptions:
    """How far to explore and where the stories go. ``replay`` is the spec path that replay
    commands written into the stories name (by default, the path the spec was loaded from)."""

    max_states: int = 200_000
    out: Path = Path("build/explore")
    replay: str | None = None


def properties(spec: Spec) -> list[PropertyId]:
    """Every property exploration checks, in report order: the declared invariants, then the built-ins."""
    return [PropertyId.invariant(inv.id) for inv in spec.invariants] + [PropertyId.builtin(b) for b in Builtin]


class _Writer:
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
            name=f"explore_{slug}",
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
            fired = replay_path(self.explorer, self.found, where).fired
            sources, assumes = rests_on(self.explorer.spec, fired, [channel], awaited)
            findings.append(
                Finding(
                    "lockout_window",
                    f"the member can reach {world.state}, where nothing they know works on {channel} "
                    + self.lasts(awaited, "they act"),
                    written.scenario_file,
                    written.steps,
                    (("channel", channel), ("state", world.state)) + ((("until", awaited.name),) if awaited else ()),
                    severity="medium",
                    sources=sources,
                    assumes=assumes,
                    duration=self.window(awaited) if awaited else None,
                )
            )
        return findings

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

    def at_once(self, attack: Attack) -> Step:
        """For an attacker who needs no move: a step that only shows which credentials the goal's
        channels take now (one of them is what the attacker already knows)."""
        spec, world, engine = self.explorer.spec, attack.start.world, self.explorer.engine
        channels = (
            list(attack.taken)
            if attack.goal == TAKEOVER
            else [name for name, c in spec.channels.items() if c.kind in GOALS[attack.goal]]
        )
        access = tuple((ch, tuple(c for c in spec.credentials if engine.accepts(world, ch, c))) for ch in channels)
        return Step(1, Location(WHERE, 1), advance=Advance(seconds=0), expect=Expectation(access=access))

    def denials(self, found: Denials, analysis: AttackAnalysis) -> list[Finding]:
        """One finding per minimal capability set that denies the member channels, but those a
        takeover with no more capabilities explains (the takeover is the finding)."""
        spec, findings = self.explorer.spec, []
        attacker: str | None = attacker_actor(spec) if attacker_actor(spec) in spec.actors else None
        takeovers = [a for a in analysis.attacks if a.goal == TAKEOVER]
        for attack in found.attacks:
            if any(
                set(t.capabilities) <= set(attack.capabilities) and set(attack.taken) <= set(t.taken) for t in takeovers
            ):
                continue
            held = ", ".join(str(c) for c in attack.capabilities) or "nothing"
            steps = len(attack.moves) if attack.moves is not None else None
            knows = attack.member_knows(spec)
            awaited = next((m for c in attack.taken if (m := self.awaited(knows, c)) is not None), None)
            message = (
                f"an attacker holding {held}, who knows no secret of the member's, leaves the member nothing that "
                f"works on {', '.join(attack.taken)} from {attack.start.state}"
                + (f" in {steps} step(s)" if steps else " at once")
                + ", "
                + self.lasts(awaited, "the member acts")
            )
            details = (
                ("capabilities", [str(c) for c in attack.capabilities]),
                ("held", [c.name for c in attack.capabilities]),
                ("from_state", attack.start.state),
                ("channels", list(attack.taken)),
            ) + ((("until", awaited.name),) if awaited else ())
            written = self.attack_story(attack, attacker, message) if attacker is not None else None
            sources, assumes = rests_on(spec, attack.fired, attack.taken, awaited)
            findings.append(
                Finding(
                    "denial_of_service",
                    message,
                    written,
                    steps,
                    details,
                    severity="high",
                    sources=sources,
                    assumes=assumes,
                    duration=self.window(awaited) if awaited else None,
                )
            )
        return findings

    def attacks(self, analysis: AttackAnalysis) -> list[Finding]:
        spec = self.explorer.spec
        # a story can only name a declared actor
        attacker: str | None = attacker_actor(spec) if attacker_actor(spec) in spec.actors else None
        findings = []
        for attack in analysis.attacks:
            held = ", ".join(str(c) for c in attack.capabilities) or "nothing"
            steps = len(attack.moves) if attack.moves is not None else None
            when = f" in {steps} step(s)" if steps else " at once"
            if attack.goal == TAKEOVER:
                lost = ", ".join(attack.taken)
                message = (
                    f"an attacker holding {held} takes over from {attack.start.state}{when}: on {lost} the "
                    "attacker's values work and none of the member's do"
                )
            else:
                message = f"an attacker holding {held} gets {attack.goal} from {attack.start.state}{when}"
            details = (
                ("goal", attack.goal),
                ("capabilities", [str(c) for c in attack.capabilities]),
                ("held", [c.name for c in attack.capabilities]),
                ("from_state", attack.start.state),
            ) + ((("channels", list(attack.taken)),) if attack.goal == TAKEOVER else ())
            written = self.attack_story(attack, attacker, message) if attacker is not None else None
            if attack.goal == TAKEOVER:
                sources, assumes = rests_on(spec, attack.fired, attack.taken)
                findings.append(
                    Finding(
                        "takeover",
                        message,
                        written,
                        steps,
                        details,
                        severity="high",
                        sources=sources,
                        assumes=assumes,
                    )
                )
            else:
                findings.append(Finding("attacker-capabilities", message, written, steps, details))
        return findings

    def member_refused(self, attack: Attack, before: int) -> list[Step]:
        """After a takeover: the member tries what they know on each channel taken over. Each try
        expects what the reference engine does with it there (refused, or a transition that
        counts a wrong secret); nothing where the attack ends in someone's session, which
        refuses the member whatever they know."""
        spec, engine, explorer, world = self.explorer.spec, self.explorer.engine, self.explorer, attack.end
        if attack.goal not in (TAKEOVER, DENIAL) or world is None or world.owner is not None:
            return []
        knows, steps = attack.member_knows(spec), list[Step]()
        for channel in attack.taken:
            for event, inputs in self.member_tries(world, knows, channel):
                resolved = explorer.resolve(world, knows, inputs)
                assert resolved is not None, "a try is made of what the member knows"
                world, step = engine.fire(world, event, resolved, search_random(), explorer.actor)
                n = before + len(steps) + 1
                expect = Expectation(accepted=step.accepted, transition=step.transition)
                steps.append(replace(Move(event, inputs).as_step(n, Location(WHERE, n)), expect=expect))
                break
        return steps

    def member_tries(self, world: World, knows: Knowledge, channel: str) -> Iterator[tuple[str, Inputs]]:
        """The member's moves that present a value they know, which ``channel`` no longer takes."""
        spec, engine = self.explorer.spec, self.explorer.engine
        for credential in dict.fromkeys(r.credential for r in spec.access if r.channel == channel):
            value = knows.resolve("known", credential)
            if value is None or engine.accepts(world, channel, None, value):
                continue
            for event, _, inputs in guesses(spec, self.explorer, channel, credential):
                if self.explorer.resolve(world, knows, inputs) is not None:
                    yield event, inputs

    def attack_story(self, attack: Attack, attacker: str, message: str) -> str | None:
        spec = self.explorer.spec
        name = f"{attack.goal.replace(' ', '_').replace('-', '_')}_with_" + (
            "_".join(c.name for c in attack.capabilities) or "nothing"
        )
        path = self.out / f"{spec.name}-attacker-{name}.yaml"
        grants = {
            attacker: (
                [c.name for c in attack.capabilities if c.kind == "has"],
                [c.name for c in attack.capabilities if c.kind == "knows"],
            )
        }
        header = [f"Found by `credlab explore {self.replay}{self.variant}`: {message}."]
        if attack.joined is not None:  # the member's way there, then the attacker's moves
            steps = [
                m.as_step(n, Location(WHERE, n), attacker if by_attacker else None)
                for n, (m, by_attacker) in enumerate(attack.joined, 1)
            ]
            steps = steps or [self.at_once(attack)]
            text = scenario_file(
                spec=spec.name,
                name=f"attacker_{name}",
                description=message + ".",
                state=attack.start.origin,
                credentials=self.explorer.initial_values,
                steps=steps + self.member_refused(attack, len(steps)),
                header=header,
                grants=grants,
            )
        elif attack.moves is not None:  # from where the attack starts, told the member's values
            world, knowledge = attack.start.world, attack.start.knowledge
            steps = [m.as_step(n, Location(WHERE, n), attacker) for n, m in enumerate(attack.moves, 1)] or [
                self.at_once(attack)
            ]
            text = scenario_file(
                spec=spec.name,
                name=f"attacker_{name}",
                description=message + ".",
                state=attack.start.state,
                credentials={c: v for c in spec.credentials if (v := knowledge.resolve("known", c)) is not None},
                steps=steps + self.member_refused(attack, len(steps)),
                header=header,
                flags=dict(zip(spec.flags, world.flags, strict=True)),
                running=[self.explorer.clocks.names[i] for i in self.explorer.clocks.ticking(world)],
                grants=grants,
            )
        else:
            return None
        write_atomic(path, text)
        return str(path)


def _undecided(found: Exploration) -> str:
    state = found.worlds[found.undecided_recovery[0]][0].state
    return (
        f"from {len(found.undecided_recovery)} situation(s) (the first in {state}) the only ways back "
        "are deadlines lapsing in an order that depends on how long the member waited; "
        "the zones do not decide whether every wait gets back"
    )


def explore_report(
    spec: Spec,
    overrides: dict[str, int],
    options: ExploreOptions,
    progress: Callable[[Exploration], None] | None = None,
) -> ExploreReport:
    """Explore ``spec`` under ``overrides``; write a story for each failed property and finding.
    The report's ``seconds`` are the whole of it: exploration, attacker analysis and stories."""
    started = time.perf_counter()
    explorer, found = member_exploration(Engine(spec, overrides), options.max_states, progress)
    writer = _Writer(explorer, found, options, overrides)
    first: dict[PropertyId, Violation] = {}
    for violation in found.violations:
        first.setdefault(violation.property, violation)
    bound = (
        ""
        if found.complete
        else f"the search stopped at --max-states {options.max_states} after {len(found.worlds)} situations; "
        "raise --max-states to decide it"
    )
    results = []
    for prop in properties(spec):
        failed = first.get(prop)
        if failed is not None:  # a violation met on the way is real, complete search or not
            results.append(PropertyResult(prop, "fails", writer.violation(failed)))
        elif found.complete and prop == PropertyId.builtin(Builtin.RECOVERABLE) and found.undecided_recovery:
            results.append(PropertyResult(prop, "unknown", bound=_undecided(found)))
        elif found.complete:
            results.append(PropertyResult(prop, "holds"))
        else:
            results.append(PropertyResult(prop, "unknown", bound=bound))
    findings = [
        Finding("unreachable-state", f"no explored situation is in state '{s}'", details=(("name", s),))
        for s in spec.states
        if s not in found.states
    ] + [
        Finding(
            "never-enabled", f"transition '{t.id}' never fires in any explored situation", details=(("name", t.id),)
        )
        for t in spec.transitions
        if t.id not in found.transitions
    ]
    undecided: list[str] = []
    if found.complete:
        analysis = attacks(explorer.engine, found, options.max_states)
        denied = denials(explorer, found, options.max_states)
        risks = writer.lockouts() + writer.guessing() + writer.attacks(analysis) + writer.denials(denied, analysis)
        findings += risks + unmatched(spec, risks)
        undecided += [
            f"whether an attacker holding {', '.join(str(c) for c in held) or 'nothing'} gets {goal}: "
            f"the search stopped at --max-states {options.max_states} after {searched} situations; "
            "raise --max-states to decide it"
            for goal, held, searched in analysis.undecided
        ] + [
            f"whether an attacker holding {', '.join(held) or 'nothing'} denies the member a channel: the search "
            f"stopped at --max-states {options.max_states} after {searched} situations; raise --max-states to decide it"
            for held, searched in denied.undecided
        ]
    else:
        undecided.append("risks and attacker capabilities: not analysed (they need the whole space)")
    return ExploreReport(
        spec=spec.path,
        overrides=describe_overrides(overrides),
        states=len(found.worlds),
        edges=found.edges,
        seconds=time.perf_counter() - started,
        complete=found.complete,
        properties=tuple(results),
        findings=tuple(sorted(accept(spec, findings), key=lambda f: KINDS_IN_ORDER.index(f.kind))),
        undecided=tuple(undecided),
    )
