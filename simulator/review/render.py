"""A :class:`~credlab.simulator.review.run.DiffReport` as JSON, text, and a pull-request comment.

The Markdown form is what a CI job posts on a pull request: the verdict and the counts first,
then each part folded in ``<details>``, within :data:`COMMENT_LIMIT` characters (GitHub refuses
longer comments; lists are cut with a line saying how many were left out).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from credlab.model.policy_measures import Comparison, Part
from credlab.simulator.results_policies import part_json, shown

if TYPE_CHECKING:
    from credlab.simulator.review.run import DiffReport

COMMENT_LIMIT = 65_000
"""Characters a pull-request comment may hold (GitHub's limit is 65,536)."""

VERDICT_TEXT = {
    "same": "no behavioural difference (the joint search ended)",
    "differs": "the versions behave differently",
    "unknown": "unknown: the behaviours were not compared in full",
}


def _policy_json(c: Comparison) -> dict[str, Any]:
    return {
        "policy": c.a,
        "relation": c.relation,
        "only_in_old": part_json(c.only_a),
        "only_in_new": part_json(c.only_b),
    }


def report_json(report: DiffReport) -> dict[str, Any]:
    b = report.behaviour
    return {
        "ok": report.ok,
        "old": report.old,
        "new": report.new,
        "verdict": report.verdict,
        "structural": [
            {
                "kind": c.kind,
                "element": c.element,
                "name": c.name,
                "was": c.was,
                "fields": list(c.fields),
                "details": list(c.details),
                "old": str(c.old) if c.old else None,
                "new": str(c.new) if c.new else None,
            }
            for c in report.changes
        ],
        "behaviour": {
            "verdict": b.verdict,
            "reason": b.reason,
            "complete": b.complete,
            "starts": [{"state": s, "only_in": side} for s, side in b.starts],
            "stories": [
                {
                    "summary": s.summary,
                    "what": s.what,
                    "start": s.start,
                    "steps": s.steps,
                    "scenario_file": s.scenario_file,
                    "written_for": s.written_for,
                    "old": {"outcome": s.old.outcome, "message": s.old.message},
                    "new": {"outcome": s.new.outcome, "message": s.new.message},
                    "tells_apart": s.tells_apart,
                }
                for s in b.stories
            ],
        },
        "policies": [_policy_json(c) for c in report.policies],
        "verdict_changes": [{"what": v.what, "old": v.old, "new": v.new} for v in report.verdicts],
        "explored_completely": {"old": report.explored[0], "new": report.explored[1]},
        "reached_in_one_version": [{"element": r.element, "name": r.name, "only_in": r.only_in} for r in report.reach],
        "scenario_impact": [
            {"file": i.file, "scenario": i.scenario, "old": i.old, "new": i.new, "message": i.message}
            for i in report.impact
        ],
    }


def _count(part: Part) -> str:
    return "infinitely many" if part.count is None else f"{part.count:,}"


def _witness(part: Part) -> str:
    return "none" if part.shortest is None else shown(part.shortest)


def _story_line(story: Any) -> str:
    if story.tells_apart:
        replayed = f"passes on {story.written_for}, " + (
            f"{story.new.outcome} on new ({story.new.message})"
            if story.written_for == "old"
            else f"{story.old.outcome} on old ({story.old.message})"
        )
    else:
        replayed = f"does not replay as a difference (old: {story.old.outcome}, new: {story.new.outcome})"
    return f"{story.summary} — {story.steps} steps, {story.scenario_file}: {replayed}"


def text_lines(report: DiffReport) -> Iterator[str]:
    b = report.behaviour
    yield f"{report.old} → {report.new}: {VERDICT_TEXT[report.verdict]}"
    yield f"structure: {len(report.changes)} change(s)"
    for c in report.changes:
        where = " ".join(str(loc) for loc in (c.old, c.new) if loc is not None)
        yield f"  {c}" + (f"  [{where}]" if where else "")
    yield f"behaviour: {b.verdict} — {b.reason}"
    for state, side in b.starts:
        yield f"  a story may start in {state} only in the {side} version"
    for story in b.stories:
        yield f"  {_story_line(story)}"
    for p in report.policies:
        yield (
            f"policy {p.a}: {p.relation}; only old accepts {_count(p.only_a)} (shortest {_witness(p.only_a)}), "
            f"only new accepts {_count(p.only_b)} (shortest {_witness(p.only_b)})"
        )
    if report.verdicts:
        yield "verdicts that changed (each version explored on its own):"
        for v in report.verdicts:
            yield f"  {v.what}: {v.old} → {v.new}"
    if not all(report.explored):
        yield "  (an exploration stopped at its bound: its verdicts are unknown, not holds)"
    for r in report.reach:
        yield f"{r.element} {r.name} is reached only in the {r.only_in} version"
    yield f"stories whose outcome changes: {len(report.impact)}"
    for i in report.impact:
        yield f"  {i.file} {i.scenario}: {i.old} → {i.new}" + (f" ({i.message})" if i.message else "")


def _folded(title: str, lines: list[str], budget: int) -> str:
    """A ``<details>`` block of ``lines`` cut to fit ``budget`` characters."""
    head, tail = f"<details><summary>{title}</summary>\n\n", "\n</details>\n"
    body: list[str] = []
    used = len(head) + len(tail)
    for n, line in enumerate(lines):
        if used + len(line) + 200 > budget:
            body.append(f"- … and {len(lines) - n} more (see `credlab diff --format json`)")
            break
        body.append(line)
        used += len(line) + 1
    return head + "\n".join(body) + tail


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(report: DiffReport, diagram: str | None = None) -> str:
    """The report as a pull-request comment: summary first, details folded, within the limit;
    ``diagram`` (Mermaid text) is drawn in a folded section of its own if it fits."""
    b = report.behaviour
    kinds: dict[str, int] = {}
    for c in report.changes:
        kinds[c.kind] = kinds.get(c.kind, 0) + 1
    counts = ", ".join(f"{n} {k}" for k, n in kinds.items()) or "none"
    summary = [
        f"## credlab diff: {VERDICT_TEXT[report.verdict]}",
        "",
        f"`{report.old}` → `{report.new}`",
        "",
        "| | |",
        "|---|---|",
        f"| Structural changes | {counts} |",
        f"| Behaviour | {_cell(b.verdict + ' — ' + b.reason)} |",
        f"| Distinguishing stories | {len(b.stories)} |",
        f"| Policies accepting other strings | {len(report.policies)} |",
        f"| Verdicts changed | {len(report.verdicts)} |",
        f"| Reached in one version only | {len(report.reach)} |",
        f"| Stories changing outcome | {len(report.impact)} |",
        "",
    ]
    sections = [
        ("Structural changes", [f"- {_cell(str(c))}" for c in report.changes]),
        ("Distinguishing stories", [f"- {_cell(_story_line(s))}" for s in b.stories]),
        (
            "Password and PIN policies",
            [
                f"- `{c.a}`: {c.relation}; only old: {_count(c.only_a)} ({_cell(_witness(c.only_a))}), "
                f"only new: {_count(c.only_b)} ({_cell(_witness(c.only_b))})"
                for c in report.policies
            ],
        ),
        ("Verdicts that changed", [f"- {_cell(v.what)}: {v.old} → {v.new}" for v in report.verdicts]),
        ("Reached in one version only", [f"- {r.element} `{r.name}`: {r.only_in}" for r in report.reach]),
        ("Stories whose outcome changes", [f"- `{i.file}` {i.scenario}: {i.old} → {i.new}" for i in report.impact]),
    ]
    text = "\n".join(summary)
    if diagram is not None:
        drawing = f"<details><summary>Diff diagram</summary>\n\n```mermaid\n{diagram.rstrip()}\n```\n\n</details>\n"
        if len(text) + len(drawing) < COMMENT_LIMIT // 2:  # the lists come first if it is that big
            text += "\n" + drawing
    budget = COMMENT_LIMIT - len(text)
    for title, lines in sections:
        if not lines:
            continue
        block = _folded(f"{title} ({len(lines)})", lines, max(budget // 2, 1_000))
        if len(block) > budget:
            break
        text += "\n" + block
        budget -= len(block) + 1
    return text
