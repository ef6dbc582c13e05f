"""What changed in behaviour: the two versions searched together for what a story sees differ.

Both versions, padded to one vocabulary (:mod:`~credlab.simulator.review.vocabulary`), are
explored jointly on the engine ``credlab explore`` uses
(:class:`~credlab.simulator.analysis.joint.JointSearch`): the same moves played on both, every
deadline's lapse on either side, breadth-first, each version's member knowing what their own
version told them. Where they part — one accepts and the other refuses, another transition
fires, the state, credentials, flags, counters or what a channel accepts differ — the path
there is the shortest story that tells the versions apart. The search goes on past each
parting (not through it) to find every *kind* of difference, so a review lists each once with
its shortest story.

Each story is written as a scenario file whose last step expects what the old version does
(the new one where the old cannot run it), and is replayed on both versions as loaded: what a
review shows is what the replay did, not what the search believed.

"No behavioural difference" is said only when the joint search ended with nothing found;
a bound that stopped it makes the answer ``unknown``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from credlab.model import ir
from credlab.model.durations import format_duration
from credlab.model.engine import Engine
from credlab.model.errors import Location
from credlab.model.node import node, replace
from credlab.model.spec_diff import content
from credlab.simulator.analysis.explore import Explorer
from credlab.simulator.analysis.joint import Differ, JointSearch
from credlab.simulator.analysis.paths import Move
from credlab.simulator.engine.clocks import Clocks
from credlab.simulator.engine.packing import Layout
from credlab.simulator.outputs import write_atomic
from credlab.simulator.review.impact import Outcome, outcomes
from credlab.simulator.review.vocabulary import pad
from credlab.simulator.stories.scenario import Expectation
from credlab.simulator.stories.writer import scenario_file

Verdict = Literal["same", "differs", "unknown"]
Side = Literal["old", "new"]
WHERE = "<diff>"


@node
class Replay:
    """What one version did with a story: passed, failed at a step, or could not load it."""

    outcome: Outcome
    message: str = ""


@node
class Story:
    """The shortest story to one kind of difference, and what each version did with it."""

    summary: str
    """One line: the path and what differs at its last step, e.g. ``from unregistered, login,
    then request_postcard_reset: credentials old web_password=no, new web_password=yes``."""
    what: str
    start: str
    steps: int
    scenario_file: str
    written_for: Side
    old: Replay
    new: Replay

    @property
    def tells_apart(self) -> bool:
        """Whether the replay shows it: the story passes on one version and not on the other."""
        return (self.old.outcome == "passes") != (self.new.outcome == "passes")


@node
class Behaviour:
    verdict: Verdict
    reason: str
    """Why the verdict: what was searched, or what stopped the search."""
    stories: tuple[Story, ...] = ()
    complete: bool = False
    """Whether the joint search ended (every kind of difference is listed)."""
    starts: tuple[tuple[str, Side], ...] = ()
    """States a story may start from in one version only."""


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "accepts" if value else "refuses"
    if isinstance(value, tuple) and value and all(isinstance(v, tuple) and len(v) == 2 for v in value):
        return ", ".join(f"{k}={_shown_value(v)}" for k, v in value)
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value) or "nothing"
    return str(value)


def _shown_value(value: object) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _fires(side: tuple[object, ...]) -> str:
    fired, ends = side[0], side[1]
    assert isinstance(fired, tuple) and isinstance(ends, tuple)
    return (f"fires {', '.join(map(str, fired))}" if fired else "fires nothing") + f" and is in {ends[-1]}"


def summary(last: str, differ: Differ) -> str:
    """One line for a parting at step ``last``."""
    if differ.what == "lapse":
        old, new = differ.left, differ.right
        assert isinstance(old, tuple) and isinstance(new, tuple)
        return f"{last}: old {_fires(old)}, new {_fires(new)}"
    if differ.what == "accepted":
        return f"{last}: old {_shown(differ.left)}, new {_shown(differ.right)}"
    return f"{last}: {differ.what} old {_shown(differ.left)}, new {_shown(differ.right)}"


def _expectation(differ: Differ, side: Side, renamed_back: Mapping[str, str]) -> Expectation | None:
    """What the last step of the story expects on ``side``: the part that differs, as that side has it."""
    value = differ.left if side == "old" else differ.right
    match differ.what:
        case "accepted":
            return Expectation(accepted=bool(value))
        case "transition" if isinstance(value, tuple) and value:
            name = str(value[0])
            return Expectation(accepted=True, transition=renamed_back.get(name, name) if side == "new" else name)
        case "transition":
            return Expectation(accepted=True)
        case "state":
            return Expectation(state=str(value))
        case "credentials" if isinstance(value, tuple):
            return Expectation(credentials=value)
        case "flags" if isinstance(value, tuple):
            return Expectation(flags=value)
        case "counters" if isinstance(value, tuple):
            return Expectation(counters=value)
        case "access" if isinstance(value, tuple):
            return Expectation(access=value)
        case "lapse" if isinstance(differ.left, tuple) and isinstance(differ.right, tuple):
            return _after_lapse(differ.left, differ.right, side, renamed_back)
    return None


def _after_lapse(
    left: tuple[object, ...], right: tuple[object, ...], side: Side, renamed_back: Mapping[str, str]
) -> Expectation | None:
    """After a wait: the state where the sides end apart, else a transition only this side fired."""
    mine, theirs = (left, right) if side == "old" else (right, left)
    ends = (mine[1], theirs[1])
    if isinstance(ends[0], tuple) and isinstance(ends[1], tuple) and ends[0][-1] != ends[1][-1]:
        return Expectation(state=str(ends[0][-1]))
    fired, other = mine[0], theirs[0]
    assert isinstance(fired, tuple) and isinstance(other, tuple)
    only = [str(t) for t in fired if t not in other]
    if only:
        return Expectation(transition=renamed_back.get(only[0], only[0]) if side == "new" else only[0])
    return None


def replay(spec: ir.Spec, path: Path) -> Replay:
    """``path``'s one story run on ``spec`` as loaded."""
    outcome, message = next(iter(outcomes(spec, path).values()))
    return Replay(outcome, message)


def _write(
    old: ir.Spec,
    new: ir.Spec,
    number: int,
    start: str,
    moves: tuple[Move, ...],
    differ: Differ,
    out: Path,
    renamed_back: Mapping[str, str],
    credentials: Mapping[str, str],
) -> Story:
    last_move = moves[-1]
    seconds = last_move.advance.seconds if last_move.advance is not None else None
    last = last_move.event or (f"waiting {format_duration(seconds)}" if seconds else "at the start")
    path = out / f"{old.name}-difference-{number}.yaml"
    before = ", ".join(m.text() for m in moves[:-1])
    told = (f"from {start}, " + (f"{before}, then " if before else "")) + summary(last, differ)
    story: Story | None = None
    sides: tuple[Side, ...] = ("old", "new")
    for side in sides:
        steps = [m.as_step(n, Location(WHERE, n)) for n, m in enumerate(moves, start=1)]
        steps[-1] = replace(steps[-1], expect=_expectation(differ, side, renamed_back))
        text = scenario_file(
            spec=(old if side == "old" else new).name,
            name=f"difference_{number}",
            description=f"Told apart by credlab diff: {told}",
            state=start,
            credentials=credentials,
            steps=steps,
            header=[
                f"Shortest story where the two versions differ: {told}.",
                f"Its last step expects what the {side} version does.",
            ],
        )
        write_atomic(path, text)
        story = Story(told, differ.what, start, len(moves), str(path), side, replay(old, path), replay(new, path))
        if story.tells_apart or side == "new":
            break
    assert story is not None
    return story


def joint_layout(old: ir.Spec, new: ir.Spec) -> Layout:
    """A layout of ``old`` whose fields are wide enough for ``new``'s values too."""
    mine, theirs = Layout(old, Clocks(Engine(old))), Layout(new, Clocks(Engine(new)))
    widths = {k: max(f.width, theirs.fields[k].width) for k, f in mine.fields.items() if k != "zone"}
    return Layout(old, Clocks(Engine(old)), widths)


def compare_behaviour(
    old: ir.Spec,
    new: ir.Spec,
    renamed: Mapping[str, str],
    out: Path,
    *,
    max_states: int = 200_000,
    limit: int = 12,
) -> Behaviour:
    """Search ``old`` and ``new`` jointly; ``renamed`` maps new transition ids to the old ones they
    rename. Stories go to ``out``."""
    padded = pad(old, new)
    if isinstance(padded, str):
        return Behaviour("unknown", f"not searched: {padded}")
    if content(replace(padded.old, path="", document=None)) == content(replace(padded.new, path="", document=None)):
        # the same declarations, element for element: nothing to search (the texts may differ)
        return Behaviour("same", "the versions declare the same machine, element for element", (), True)
    engine = Engine(padded.old)
    left = Explorer(engine, layout=joint_layout(padded.old, padded.new), broken=True)
    left.ambiguity = False
    search = JointSearch(left, padded.new, hidden=padded.hidden, renamed=renamed)
    found, complete = search.differences(max_states, limit)
    starts: tuple[tuple[str, Side], ...] = tuple((s, "old") for s in old.initial if s not in new.initial)
    starts += tuple((s, "new") for s in new.initial if s not in old.initial)
    back = {v: k for k, v in renamed.items()}
    alike = {n for n, c in old.credentials.items() if c.initially_set == new.credentials[n].initially_set}
    given = {n: v for n, v in left.initial_values.items() if n in alike}  # else the story would set it on both
    stories = tuple(
        _write(old, new, n, start, moves, differ, out, back, given) for n, (start, moves, differ) in enumerate(found, 1)
    )
    if stories or starts:
        scope = "every kind of difference is listed" if complete else f"the first {len(stories)} kinds are listed"
        return Behaviour("differs", f"the joint search found differences; {scope}", stories, complete, starts)
    unseen = sorted(n for n, st in old.states.items() if n in new.states and st.session != new.states[n].session)
    if complete and unseen and len(old.actors) > 1:  # whose screen it is: only another actor's story sees it
        return Behaviour(
            "unknown",
            f"the joint search ended with no difference, but it plays the member only, and whether "
            f"{', '.join(unseen)} is someone's session changed: a story of another actor acting there would tell",
            (),
            True,
        )
    if complete:
        ended = f"the joint search ended after {search.searched:,} joint situations"
        return Behaviour("same", f"no story tells the versions apart: {ended}", (), True)
    return Behaviour(
        "unknown", f"no difference within {max_states:,} joint situations; the search stopped before it ended"
    )
