"""What a finding rests on, and whether the spec accepts it.

A finding of one of the risk kinds (:data:`~credlab.simulator.results.RISKS`) names the policy
sentences and assumptions it rests on — those of the transitions its story fires and of the
access rules of the channels it is about — so an analyst can see which reading of the text to
question. A spec's ``accepted_findings:`` mark matching findings accepted, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from credlab.model import ir
from credlab.model.node import replace
from credlab.simulator.analysis.exploration import Edge, Exploration
from credlab.simulator.analysis.explore import Explorer
from credlab.simulator.analysis.paths import search_random
from credlab.simulator.results import ANALYSED_RISKS, Finding


def rests_on(
    spec: ir.Spec, transitions: Iterable[str], channels: Iterable[str] = (), awaited: ir.Message | None = None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(sources, assumptions) of ``transitions`` (by id), of the access rules on ``channels`` and of
    the delayed message ``awaited`` whose arrival ends the finding, each once, in the order met."""
    by_id = {t.id: t for t in spec.transitions}
    wanted = set(channels)
    cited: list[ir.Transition | ir.AccessRule | ir.Message] = [by_id[t] for t in transitions if t in by_id]
    cited += [rule for rule in spec.access if rule.channel in wanted]
    cited += [awaited] if awaited is not None else []
    sources = dict.fromkeys(s for element in cited for s in element.sources)
    assumes = dict.fromkeys(a for element in cited for a in element.assumes)
    return tuple(sources), tuple(assumes)


@dataclass(frozen=True, slots=True)
class Replayed:
    """What the moves on the way to a situation did, replayed on the reference engine."""

    fired: tuple[str, ...]
    """The transitions fired, in order (a lapse contributes its deadline's expiry transitions)."""
    disclosed: tuple[tuple[str, str, str], ...]
    """(message, credential, plaintext) of each secret a message carried: kept in memory only."""


def replay_path(explorer: Explorer, found: Exploration, node: int) -> Replayed:
    """Replay the shortest path to ``node`` of ``found`` (explored by ``explorer``)."""
    engine, rng = explorer.engine, search_random()
    fired: list[str] = []
    disclosed: list[tuple[str, str, str]] = []
    path: list[tuple[int, Edge]] = []
    while (edge := found.via[node]) is not None:
        node = found.parent_of[node]
        path.append((node, edge))
    for source, edge in reversed(path):
        world, knowledge = found.worlds[source]
        steps = []
        if edge.move is not None and edge.move.event is not None:
            resolved = explorer.resolve(world, knowledge, edge.move.inputs)
            if resolved is not None:
                steps.append(engine.fire(world, edge.move.event, resolved, rng, explorer.actor)[1])
        if edge.lapse:
            steps += engine.lapse(world, [explorer.clocks.names[i] for i in edge.lapse], rng)[1]
        fired += [step.transition for step in steps if step.transition]
        disclosed += [d for step in steps for d in step.disclosed]
    return Replayed(tuple(fired), tuple(disclosed))


def detail(finding: Finding, name: str) -> object:
    return dict(finding.details).get(name)


def covers(accepted: ir.AcceptedFinding, finding: Finding) -> bool:
    """Whether ``accepted`` is about ``finding``: the same kind, and each narrowing it gives met."""
    if accepted.kind != finding.kind:
        return False
    if accepted.channel is not None:
        channels = detail(finding, "channels") or [detail(finding, "channel")]
        if not isinstance(channels, list) or accepted.channel not in channels:
            return False
    if accepted.capabilities is not None:
        held = detail(finding, "held")
        if not isinstance(held, list) or sorted(held) != sorted(accepted.capabilities):
            return False
    return True


def accept(spec: ir.Spec, findings: Iterable[Finding]) -> list[Finding]:
    """``findings``, each risk the spec accepts marked with the first entry that accepts it."""
    marked = []
    for finding in findings:
        entry = next((a for a in spec.accepted_findings if covers(a, finding)), None)
        marked.append(replace(finding, accepted=entry) if entry is not None else finding)
    return marked


def unmatched(spec: ir.Spec, findings: Iterable[Finding]) -> list[Finding]:
    """An information finding for each accepted finding of an analysed kind that matches nothing."""
    found = list(findings)
    return [
        Finding(
            "unmatched-acceptance",
            f"accepted_findings entry at line {a.loc.line} ({a.kind}"
            + (f", channel {a.channel}" if a.channel else "")
            + (f", capabilities [{', '.join(a.capabilities)}]" if a.capabilities is not None else "")
            + ") matches no finding",
            details=(("accepted_kind", a.kind), ("line", a.loc.line)),
        )
        for a in spec.accepted_findings
        if a.kind in ANALYSED_RISKS and not any(covers(a, f) for f in found)
    ]
