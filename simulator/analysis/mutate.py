"""Mutation analysis: which rules of a spec does nothing protect?

Each mutant is the spec with one small change an author could have made by mistake: a guard
dropped or negated, a target swapped, an effect dropped, a deadline shifted by a second or
doubled, its boundary flipped, a policy rule weakened, an access rule dropped or one of its parts
dropped, a message's delay dropped, a capability an event requires dropped, a value no longer
tied to its device, a code set whose codes work again and again. A mutant is
*killed* when the spec's own checks notice: one of its scenarios fails, or exploration finds
a declared invariant (or deadlock-freedom, determinism, recoverability) broken. A mutant that
survives points at a rule nothing exercises — the analyst's to-do list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import MappingProxyType

from credlab.model import ir
from credlab.model.delivery import without_delay
from credlab.model.engine import Engine
from credlab.model.errors import Location
from credlab.model.machine import CompiledSpec
from credlab.model.node import node, replace
from credlab.model.render import effect_text, guard_text
from credlab.simulator.analysis.attacker import attacks
from credlab.simulator.analysis.exploration import Exploration
from credlab.simulator.analysis.explore import Explorer
from credlab.simulator.analysis.joint import JOINT_SEARCH_BOUND, UNDECIDED, distinguish
from credlab.simulator.analysis.paths import Move
from credlab.simulator.engine.clocks import Clocks
from credlab.simulator.stories.runner import run_scenario
from credlab.simulator.stories.scenario import Scenario

KINDS = (
    "drop-guard",
    "negate-guard",
    "swap-target",
    "drop-effect",
    "shift-deadline",
    "flip-boundary",
    "weaken-rule",
    "drop-access",
    "drop-session",
    "drop-final",
    "drop-delay",
    "drop-requires",
    "drop-part",
    "drop-device",
    "reuse-codes",
)


ATTACKER_KINDS = frozenset({"drop-part", "drop-device"})
"""Mutants that change who can act, not what the member meets: stories and the joint search (the
member, holding everything) cannot tell them apart; the attacker analysis can, and judges them."""

AttackOutcomes = frozenset[tuple[str, tuple[str, ...]]]
"""(goal, capabilities) of every minimal attack, or the empty set when some search was undecided."""


@node
class Mutant:
    id: str
    kind: str
    description: str
    location: Location
    sources: tuple[str, ...]
    spec: ir.Spec


@node
class MutantVerdict:
    mutant: Mutant
    killed: bool
    by: str
    """What killed it: a scenario's name, or a property exploration found broken; "" if it survived."""
    explanation: str = ""
    """For a survivor: an equivalent mutant, or the shortest story that would tell it apart."""
    witness: tuple[str, tuple[Move, ...]] | None = None
    """For a distinguishable survivor: the starting state and moves of that story."""


def _with_transition(spec: ir.Spec, index: int, transition: ir.Transition) -> ir.Spec:
    transitions = (*spec.transitions[:index], transition, *spec.transitions[index + 1 :])
    return replace(spec, transitions=transitions)


def mutants(spec: ir.Spec) -> Iterator[Mutant]:
    """Every mutant of ``spec``, in a stable order."""
    states = list(spec.states)
    for i, t in enumerate(spec.transitions):
        for g, guard in enumerate(t.guards):
            text = guard_text(guard)
            dropped = replace(t, guards=t.guards[:g] + t.guards[g + 1 :])
            yield Mutant(
                f"{t.id}:drop-guard:{g}",
                "drop-guard",
                f"{t.id} without '{text}'",
                t.loc,
                t.sources,
                _with_transition(spec, i, dropped),
            )
            negated = replace(t, guards=(*t.guards[:g], ir.Not(guard), *t.guards[g + 1 :]))
            yield Mutant(
                f"{t.id}:negate-guard:{g}",
                "negate-guard",
                f"{t.id} with 'not ({text})'",
                t.loc,
                t.sources,
                _with_transition(spec, i, negated),
            )
        if t.target is not None:
            other = states[(states.index(t.target) + 1) % len(states)]
            yield Mutant(
                f"{t.id}:swap-target",
                "swap-target",
                f"{t.id} goes to {other} instead of {t.target}",
                t.loc,
                t.sources,
                _with_transition(spec, i, replace(t, target=other)),
            )
        for e, effect in enumerate(t.effects):
            dropped_effect = replace(t, effects=t.effects[:e] + t.effects[e + 1 :])
            yield Mutant(
                f"{t.id}:drop-effect:{e}",
                "drop-effect",
                f"{t.id} without '{effect_text(effect)}'",
                t.loc,
                t.sources,
                _with_transition(spec, i, dropped_effect),
            )
    yield from _deadline_mutants(spec)
    yield from _rule_mutants(spec)
    for flag, kind, what in (
        ("session", "drop-session", "is anyone's screen, not the session of whoever reached it"),
        ("final", "drop-final", "is no longer an end of the lifecycle"),
    ):
        for name, state in spec.states.items():
            if getattr(state, flag):
                unmarked = MappingProxyType({**spec.states, name: replace(state, **{flag: False})})
                yield Mutant(
                    f"{name}:{kind}", kind, f"{name} {what}", state.loc, state.sources, replace(spec, states=unmarked)
                )
    yield from _actor_mutants(spec)
    yield from _factor_mutants(spec)
    for a, access in enumerate(spec.access):
        rest = spec.access[:a] + spec.access[a + 1 :]
        yield Mutant(
            f"access:{a}:drop",
            "drop-access",
            f"{access.channel} no longer takes {access.credential}",
            access.loc,
            access.sources,
            replace(spec, access=rest),
        )


def _deadline_mutants(spec: ir.Spec) -> Iterator[Mutant]:
    def with_deadline(name: str, changed: ir.Deadline) -> ir.Spec:
        return replace(spec, deadlines=MappingProxyType({**spec.deadlines, name: changed}))

    for name, deadline in spec.deadlines.items():
        seconds = spec.deadline_seconds(deadline)
        for label, value in (("+1s", seconds + 1), ("-1s", seconds - 1), ("x2", seconds * 2)):
            if value > 0:
                yield Mutant(
                    f"{name}:shift-deadline:{label}",
                    "shift-deadline",
                    f"{name} lasts {label} ({value}s)",
                    deadline.loc,
                    deadline.sources,
                    with_deadline(name, replace(deadline, duration=value)),
                )
        flipped = "inclusive" if deadline.boundary == "exclusive" else "exclusive"
        yield Mutant(
            f"{name}:flip-boundary",
            "flip-boundary",
            f"{name}'s boundary is {flipped}",
            deadline.loc,
            deadline.sources,
            with_deadline(name, replace(deadline, boundary=flipped)),
        )


def _actor_mutants(spec: ir.Spec) -> Iterator[Mutant]:
    """A message that arrives at once; an event that no longer needs a capability."""
    for name, message in spec.messages.items():
        if message.delay is not None:
            yield Mutant(
                f"{name}:drop-delay",
                "drop-delay",
                f"{name} arrives the instant it is sent",
                message.loc,
                message.sources,
                without_delay(spec, name),
            )
    for name, event in spec.events.items():
        for capability in event.requires:
            unneeded = replace(event, requires=tuple(c for c in event.requires if c != capability))
            yield Mutant(
                f"{name}:drop-requires:{capability}",
                "drop-requires",
                f"{name} no longer requires {capability}",
                event.loc,
                event.sources,
                replace(spec, events=MappingProxyType({**spec.events, name: unneeded})),
            )


def _factor_mutants(spec: ir.Spec) -> Iterator[Mutant]:
    """Access that takes one thing fewer; a value anyone who learned it can present, not only
    whoever holds its device; single-use codes that are never used up."""
    for a, access in enumerate(spec.access):
        if access.parts < 2:
            continue
        droppable = access.credentials if access.also else ()  # a rule takes at least one credential
        for part in (*droppable, *access.requires):
            if part in access.requires:
                fewer = replace(access, requires=tuple(r for r in access.requires if r != part))
                what = f"no longer needs {part} held"
            elif part == access.credential:
                fewer = replace(access, credential=access.also[0], also=access.also[1:])
                what = f"no longer takes {part}"
            else:
                fewer = replace(access, also=tuple(c for c in access.also if c != part))
                what = f"no longer takes {part}"
            yield Mutant(
                f"access:{a}:drop-part:{part}",
                "drop-part",
                f"{access.channel} {what} (takes {' + '.join(access.credentials)})",
                access.loc,
                access.sources,
                replace(spec, access=(*spec.access[:a], fewer, *spec.access[a + 1 :])),
            )
    for name, credential in spec.credentials.items():
        if credential.device is not None:
            loose = MappingProxyType({**spec.credentials, name: replace(credential, device=None)})
            yield Mutant(
                f"{name}:drop-device",
                "drop-device",
                f"{name} can be presented without {credential.device}",
                credential.loc,
                credential.sources,
                replace(spec, credentials=loose),
            )
        if credential.codes is not None:
            kept = tuple(
                replace(
                    t, effects=tuple(e for e in t.effects if not (isinstance(e, ir.UseCode) and e.credential == name))
                )
                for t in spec.transitions
            )
            if kept != spec.transitions:
                yield Mutant(
                    f"{name}:reuse-codes",
                    "reuse-codes",
                    f"{name}'s codes are never used up",
                    credential.loc,
                    credential.sources,
                    replace(spec, transitions=kept),
                )


def _rule_mutants(spec: ir.Spec) -> Iterator[Mutant]:
    for name, policy in spec.policies.items():
        for r, rule in enumerate(policy.rules):
            if rule.severity != "reject":
                continue
            weakened = replace(
                policy, rules=(*policy.rules[:r], replace(rule, severity="advise"), *policy.rules[r + 1 :])
            )
            policies = MappingProxyType({**spec.policies, name: weakened})
            yield Mutant(
                f"{name}.{rule.id}:weaken-rule",
                "weaken-rule",
                f"{name}.{rule.id} only advises",
                rule.loc,
                rule.sources,
                replace(spec, policies=policies),
            )


def judge(
    mutant: Mutant,
    scenarios: list[Scenario],
    explore: bool,
    max_states: int,
    seed: int = 0,
    spec_side: Explorer | None = None,
    baseline: Callable[[], AttackOutcomes | None] | None = None,
) -> MutantVerdict:
    """Run the spec's checks on ``mutant``: scenarios first (cheap), then exploration (sharing
    ``spec_side``'s tables, an explorer of the spec the mutant comes from, where it can), then,
    for :data:`ATTACKER_KINDS`, the attacker analysis against the spec's own (``baseline``)."""
    compiled = CompiledSpec(mutant.spec, mutant.spec.parameter_values())
    for scenario in scenarios:
        result = run_scenario(compiled, scenario, seed)
        if not result.passed:
            return MutantVerdict(mutant, True, f"scenario {scenario.name}")
    if explore:
        engine = Engine(mutant.spec)
        layout = None if spec_side is None else spec_side.layout.twin(mutant.spec, Clocks(engine))
        explorer = Explorer(engine, max_states=max_states, layout=layout)
        if spec_side is not None:  # the mutant computes only the rows of what its mutation changes
            explorer.share(spec_side)
        found = explorer.explore()
        if found.violations:
            return MutantVerdict(mutant, True, f"explore: {found.violations[0].property}")
        before = baseline() if baseline is not None and mutant.kind in ATTACKER_KINDS else None
        after = attack_outcomes(engine, found, max_states) if before else None
        if before and after:
            changed = sorted(after - before) or sorted(before - after)
            if changed:
                goal, held = changed[0]
                gets = "gets" if changed[0] in after else "no longer gets"
                return MutantVerdict(mutant, True, f"attacker analysis: holding {' + '.join(held)} {gets} {goal}")
    return MutantVerdict(mutant, False, "")


def attack_outcomes(engine: Engine, found: Exploration, max_states: int) -> AttackOutcomes | None:
    """What the attacker analysis finds on a complete exploration; None where it cannot say."""
    if not found.complete:
        return None
    analysis = attacks(engine, found, max_states)
    if analysis.undecided:
        return None
    return frozenset((a.goal, tuple(str(c) for c in a.capabilities)) for a in analysis.attacks)


def explain(verdict: MutantVerdict, original: ir.Spec) -> MutantVerdict:
    """Say why a survivor survived: equivalent, or which story would have caught it."""
    if verdict.mutant.kind == "drop-session":  # the joint search plays one actor: it cannot tell
        return replace(
            verdict,
            explanation="no story has another actor act on this screen while it is someone's session; add one "
            "(their event there must be refused)",
        )
    witness = distinguish(original, verdict.mutant.spec)
    if witness == UNDECIDED:
        return replace(
            verdict,
            explanation=f"not told apart within {JOINT_SEARCH_BOUND:,} joint situations: the search stopped before "
            "it could say whether any story can catch it (unknown, not equivalent)",
        )
    if witness is None and verdict.mutant.kind in ATTACKER_KINDS:
        return replace(
            verdict,
            explanation="the member's stories cannot tell (the member holds everything), and the attacker analysis "
            "finds the same smallest attacks with or without it: every attack it opens is already open to an "
            "attacker holding less somewhere; a finding narrowed to a state would be needed to catch it",
        )
    if witness is None:
        return replace(
            verdict,
            explanation="equivalent for every input credlab tries: in every reachable situation it accepts, refuses "
            "and changes the same as the spec, so no story can catch it; the element it touches looks redundant",
        )
    assert not isinstance(witness, str)
    state, moves = witness
    story = ", ".join(m.text() for m in moves)
    return replace(
        verdict,
        explanation=f"no story checks it: from {state}, {story} behaves differently; add that story",
        witness=witness,
    )


def analyse(
    spec: ir.Spec,
    scenarios: list[Scenario],
    *,
    explore: bool = True,
    max_states: int = 50_000,
    progress: Callable[[int, int], None] | None = None,
) -> list[MutantVerdict]:
    """Judge every mutant of ``spec``."""
    every = list(mutants(spec))
    verdicts = []
    spec_side = Explorer(Engine(spec), max_states=max_states) if explore else None
    known: list[AttackOutcomes | None] = []

    def baseline() -> AttackOutcomes | None:  # the spec's own, computed once and only if needed
        if not known:
            engine = Engine(spec)
            known.append(attack_outcomes(engine, Explorer(engine, max_states=max_states).explore(), max_states))
        return known[0]

    for done, mutant in enumerate(every, start=1):
        verdict = judge(mutant, scenarios, explore, max_states, spec_side=spec_side, baseline=baseline)
        verdicts.append(verdict if verdict.killed else explain(verdict, spec))
        if progress is not None:
            progress(done, len(every))
    return verdicts
