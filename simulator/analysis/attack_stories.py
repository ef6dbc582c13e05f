"""The attackers' stories, and the dead ends': from the spec's start (or from where an attack
starts, told the member's values), the moves that lead there, then the member trying what they
know on each channel lost, each try expecting what the reference engine does."""

from __future__ import annotations

from collections.abc import Iterator

from credlab.model.engine import World
from credlab.model.errors import Location
from credlab.model.node import replace
from credlab.simulator.analysis.attacker import BYPASS, GOALS, TAKEOVER, Attack, AttackAnalysis, attacker_actor
from credlab.simulator.analysis.dead_end import GOAL as DEAD_END
from credlab.simulator.analysis.dead_end import DeadEnd, DeadEnds
from credlab.simulator.analysis.denial import GOAL as DENIAL
from credlab.simulator.analysis.denial import Denials
from credlab.simulator.analysis.findings import rests_on
from credlab.simulator.analysis.guessing import guesses
from credlab.simulator.analysis.paths import Move, search_random
from credlab.simulator.analysis.story_writer import WHERE, StoryWriter
from credlab.simulator.outputs import write_atomic
from credlab.simulator.results import Finding
from credlab.simulator.stories.knowledge import Knowledge
from credlab.simulator.stories.scenario import Advance, Expectation, Step, StoryValue
from credlab.simulator.stories.writer import scenario_file

Inputs = tuple[tuple[str, StoryValue], ...]


class AttackStories(StoryWriter):
    """Writes the stories of takeovers, denials, attacker capabilities and dead ends."""

    def at_once(self, attack: Attack, world: World | None = None, number: int = 1) -> Step:
        """For an attacker who needs no move: a step that only shows which credentials the goal's
        channels take now (one of them is what the attacker already knows); with ``world``, where
        a way round a factor ends: what the channel takes then."""
        spec, engine = self.explorer.spec, self.explorer.engine
        world = world or attack.start.world
        channels = (
            list(attack.taken)
            if attack.goal in (TAKEOVER, BYPASS)
            else [name for name, c in spec.channels.items() if c.kind in GOALS[attack.goal]]
        )
        access = tuple((ch, tuple(c for c in spec.credentials if engine.accepts(world, ch, c))) for ch in channels)
        return Step(number, Location(WHERE, number), advance=Advance(seconds=0), expect=Expectation(access=access))

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
            elif attack.goal == BYPASS:
                message = (
                    f"an attacker holding {held} gets in on {', '.join(attack.taken)} from {attack.start.state}{when}, "
                    f"where it takes {self.demands(attack)}: a way round the factor they lack"
                )
            else:
                message = f"an attacker holding {held} gets {attack.goal} from {attack.start.state}{when}"
            details = (
                ("goal", attack.goal),
                ("capabilities", [str(c) for c in attack.capabilities]),
                ("held", [c.name for c in attack.capabilities]),
                ("from_state", attack.start.state),
            ) + ((("channels", list(attack.taken)),) if attack.goal in (TAKEOVER, BYPASS) else ())
            written = self.attack_story(attack, attacker, message) if attacker is not None else None
            if attack.goal in (TAKEOVER, BYPASS):
                sources, assumes = rests_on(spec, attack.fired, attack.taken)
                findings.append(
                    Finding(
                        "takeover" if attack.goal == TAKEOVER else "recovery_bypasses_factor",
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

    def demands(self, attack: Attack) -> str:
        """``web_password and totp`` or ``pin, holding card``: what the channels an attack got round
        take where it began (each rule that applies there, one alternative per ``or``)."""
        spec, engine, world = self.explorer.spec, self.explorer.engine, attack.start.world
        texts = [
            " and ".join(rule.credentials) + (f", holding {', '.join(rule.requires)}" if rule.requires else "")
            for rule in spec.access
            if rule.channel in attack.taken and (rule.when is None or engine.holds(rule.when, world, {}))
        ]
        return " or ".join(dict.fromkeys(texts))

    def ending(self, attack: Attack, before: int) -> list[Step]:
        """What a story shows after the attacker's moves: the member's refused tries, or, after a
        way round a factor, what the channel takes now."""
        if attack.goal == BYPASS and attack.end is not None:
            return [self.at_once(attack, attack.end, before + 1)]
        return self.member_refused(attack, before)

    def member_refused(self, attack: Attack, before: int) -> list[Step]:
        """After a takeover, a denial or at a dead end: the member tries what they know on each
        channel taken over. Each try expects what the reference engine does with it there
        (refused, or a transition that counts a wrong secret); nothing where the attack ends in
        someone's session, which refuses the member whatever they know."""
        spec, engine, explorer, world = self.explorer.spec, self.explorer.engine, self.explorer, attack.end
        if attack.goal not in (TAKEOVER, DENIAL, DEAD_END) or world is None or world.owner is not None:
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
        has = [c.name for c in attack.capabilities if c.kind == "has"]
        shown = [name for name, c in spec.credentials.items() if c.device is not None and c.device in has]
        grants = {attacker: (has, [c.name for c in attack.capabilities if c.kind == "knows"] + shown)}
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
                steps=steps + self.ending(attack, len(steps)),
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
                steps=steps + self.ending(attack, len(steps)),
                header=header,
                flags={n: v for (n, f), v in zip(spec.flags.items(), world.flags, strict=True) if v != f.initial},
                running=[self.explorer.clocks.names[i] for i in self.explorer.clocks.ticking(world)],
                grants=grants,
            )
        else:
            return None
        write_atomic(path, text)
        return str(path)

    def dead_ends(self, found: DeadEnds) -> list[Finding]:
        """One finding per minimal set of losses that can leave the member with no way back."""
        spec, findings = self.explorer.spec, []
        for dead in found.found:
            attack = dead.attack
            lost = ", ".join(c.name for c in attack.capabilities)
            at = attack.end.state if attack.end is not None else attack.start.state
            after = len([m for m, marked in attack.joined or () if marked and m.event is not None])
            message = (
                f"a member who loses {lost} ({', '.join(dead.losses)}) "
                + (f"in {attack.start.state}" if not after else f"and then makes {after} move(s) reaches {at}, and")
                + " never gets access again: nothing they know works on any channel, and nothing they can still "
                "do gets them a credential that does"
                + "".join(
                    f"; {m}, on its way, goes to the {spec.channels[spec.messages[m].via].reaches} they lost"
                    for m, _, _ in attack.start.knowledge.transit
                    if spec.channels[spec.messages[m].via].reaches in {c.name for c in attack.capabilities}
                )
            )
            details = (
                ("lost", [c.name for c in attack.capabilities]),
                ("events", list(dead.losses)),
                ("from_state", attack.start.state),
                ("state", at),
                ("channels", list(attack.taken)),
            )
            sources, assumes = rests_on(spec, attack.fired, attack.taken)
            for event in dead.losses:
                sources += spec.events[event].sources
                assumes += spec.events[event].assumes
            findings.append(
                Finding(
                    "dead_end",
                    message,
                    self.dead_end_story(dead, message),
                    len(attack.joined or ()) + len(dead.losses),
                    details,
                    severity="high",
                    sources=tuple(dict.fromkeys(sources)),
                    assumes=tuple(dict.fromkeys(assumes)),
                )
            )
        return findings

    def dead_end_story(self, dead: DeadEnd, message: str) -> str:
        """From the spec's start: the member's moves, the losses, their moves after, their tries."""
        spec, attack = self.explorer.spec, dead.attack
        joined = attack.joined or ()
        before = [m for m, marked in joined if not marked]
        after = [m for m, marked in joined if marked]
        moves = before + [Move(event, ()) for event in dead.losses] + after
        steps = [m.as_step(n, Location(WHERE, n)) for n, m in enumerate(moves, 1)]
        for n in range(len(before), len(before) + len(dead.losses)):
            steps[n] = replace(steps[n], expect=Expectation(accepted=True))
        slug = "dead_end_after_losing_" + "_".join(c.name for c in attack.capabilities)
        path = self.out / f"{spec.name}-{slug}.yaml"
        text = scenario_file(
            spec=spec.name,
            name=slug,
            description=message + ".",
            state=attack.start.origin,
            credentials=self.explorer.initial_values,
            steps=steps + self.member_refused(attack, len(steps)),
            header=[
                f"Found by `credlab explore {self.replay}{self.variant}`: {message}.",
                f"Replay: {self.replay_command(path)}",
            ],
        )
        write_atomic(path, text)
        return str(path)
