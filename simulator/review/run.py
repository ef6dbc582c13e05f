"""``credlab diff``: what a change to a policy does, for the reviewer of the pull request.

:func:`diff_specs` compares two versions of a spec four ways and returns one typed
:class:`DiffReport` (rendered by :mod:`~credlab.simulator.review.render`):

1. the text: elements added, removed, changed or renamed (:mod:`credlab.model.spec_diff`);
2. the behaviour: the joint search's verdict with the shortest story to each kind of difference
   (:mod:`~credlab.simulator.review.behaviour`), the properties and findings whose verdict
   changed between the two versions' explorations, and each password or PIN policy whose
   accepted strings changed (counts and shortest witnesses, from the policy algebra);
3. the stories: which stories of the spec's library change outcome.

The verdict is three-valued like every claim credlab makes: ``same`` only after a complete
joint search found nothing and no policy accepts other strings; ``differs`` with what differs;
``unknown`` with what stopped the search.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from credlab.model import ir
from credlab.model.engine import Engine
from credlab.model.node import node
from credlab.model.policy_measures import Comparison, compare
from credlab.model.spec_diff import Change, structural_changes
from credlab.simulator.analysis.explore_report import ExploreOptions, explore_report
from credlab.simulator.analysis.shortest import member_exploration
from credlab.simulator.results import ExploreReport, Finding
from credlab.simulator.review.behaviour import Behaviour, Verdict, compare_behaviour
from credlab.simulator.review.impact import Impact, scenario_impact

Json = dict[str, Any]


@node
class VerdictChange:
    """A property or a finding whose verdict differs between the versions' explorations."""

    what: str
    old: str
    new: str


@node
class Reach:
    """A state reached, or a transition fired, in one version's exploration only."""

    element: str
    name: str
    only_in: str


@node
class DiffReport:
    old: str
    new: str
    changes: tuple[Change, ...]
    behaviour: Behaviour
    policies: tuple[Comparison, ...]
    """Each policy both versions declare whose accepted strings differ."""
    verdicts: tuple[VerdictChange, ...]
    impact: tuple[Impact, ...]
    explored: tuple[bool, bool] = (True, True)
    """Whether each version's own exploration was complete (verdict changes are only as good)."""
    reach: tuple[Reach, ...] = ()
    """What only one version reaches (listed only when both explorations were complete)."""

    @property
    def verdict(self) -> Verdict:
        if self.policies or self.behaviour.verdict == "differs":
            return "differs"
        return self.behaviour.verdict

    @property
    def ok(self) -> bool:
        """No behavioural difference, after a complete search: what exit 0 claims."""
        return self.verdict == "same"

    def to_json(self) -> Json:
        from credlab.simulator.review.render import report_json

        return report_json(self)


def _policies(old: ir.Spec, new: ir.Spec) -> tuple[Comparison, ...]:
    found = []
    for name, policy in old.policies.items():
        other = new.policies.get(name)
        if other is None:
            continue
        comparison = compare(policy, other, names=("old", "new"))
        if comparison.relation != "equal":
            found.append(comparison)
    return tuple(found)


def _finding_key(finding: Finding) -> str:
    details = ", ".join(f"{k}={v}" for k, v in finding.details if k not in {"steps", "duration"})
    return f"{finding.kind} ({details})" if details else finding.kind


def _finding_text(finding: Finding | None) -> str:
    if finding is None:
        return "absent"
    shown = finding.severity + (f", lasts {finding.duration}" if finding.duration else "")
    return shown + (", accepted" if finding.accepted else "")


def _verdicts(old: ExploreReport, new: ExploreReport) -> tuple[VerdictChange, ...]:
    changes: list[VerdictChange] = []
    mine = {str(p.property): p.verdict for p in old.properties}
    theirs = {str(p.property): p.verdict for p in new.properties}
    for name in [*mine, *(n for n in theirs if n not in mine)]:
        if mine.get(name) != theirs.get(name):
            changes.append(VerdictChange(f"property {name}", mine.get(name, "absent"), theirs.get(name, "absent")))
    found_old = {_finding_key(f): f for f in old.findings}
    found_new = {_finding_key(f): f for f in new.findings}
    for key in [*found_old, *(k for k in found_new if k not in found_old)]:
        a, b = _finding_text(found_old.get(key)), _finding_text(found_new.get(key))
        if a != b:
            changes.append(VerdictChange(f"finding {key}", a, b))
    return tuple(changes)


def _reach(old: ir.Spec, new: ir.Spec, renamed: dict[str, str], max_states: int) -> tuple[Reach, ...] | None:
    """States and transitions one version's exploration reaches and the other's does not (by the
    old version's names); None when either exploration stopped at its bound."""
    reached: list[tuple[set[str], set[str]]] = []
    for spec in (old, new):
        _, found = member_exploration(Engine(spec), max_states)  # the search explore_report made
        if not found.complete:
            return None
        states = {world.state for world, _ in found.worlds}
        reached.append((states, {renamed.get(t, t) for t in found.first_fired}))
    only: list[Reach] = []
    for index, element in ((0, "state"), (1, "transition")):
        mine, theirs = reached[0][index], reached[1][index]
        only += [Reach(element, name, "old") for name in sorted(mine - theirs)]
        only += [Reach(element, name, "new") for name in sorted(theirs - mine)]
    return tuple(only)


def diff_specs(
    old: ir.Spec,
    new: ir.Spec,
    *,
    out: Path = Path("build/diff"),
    scenarios: tuple[Path, ...] = (),
    max_states: int = 200_000,
    limit: int = 12,
    explore: bool = True,
    names: tuple[str, str] | None = None,
) -> DiffReport:
    """Compare ``old`` and ``new``; stories and explorations go under ``out``; ``scenarios``
    are the story files whose outcomes are compared (default: ``./scenarios/``); ``names`` are
    what the report calls the versions (default: their paths)."""
    changes = structural_changes(old, new)
    renamed = {c.name: c.was for c in changes if c.kind == "renamed" and c.element == "transition" and c.was}
    behaviour = compare_behaviour(old, new, renamed, out / "stories", max_states=max_states, limit=limit)
    verdicts: tuple[VerdictChange, ...] = ()
    reach: tuple[Reach, ...] = ()
    explored = (True, True)
    if explore:
        reports = [
            explore_report(spec, {}, ExploreOptions(max_states, out / side))
            for side, spec in (("old", old), ("new", new))
        ]
        verdicts = _verdicts(reports[0], reports[1])
        explored = (reports[0].complete, reports[1].complete)
        reach = _reach(old, new, renamed, max_states) or ()
    impact = scenario_impact(old, new, scenarios)
    shown = names or (old.path, new.path)
    return DiffReport(shown[0], shown[1], changes, behaviour, _policies(old, new), verdicts, impact, explored, reach)
