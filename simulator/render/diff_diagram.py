"""The diff diagram of ``credlab diff``: one drawing of both versions, marked by what changed.

The drawing is of the *union* of the two versions — the new one, plus the states and transitions
only the old one has — drawn by the same view, Graphviz and Mermaid writers as ``credlab
diagram``, with each state and transition marked (:data:`~credlab.simulator.render.view.CHANGES`):
added green, removed red and dashed, changed orange, renamed purple, unchanged grey. A transition
a changed deadline (or the parameter it lasts) times counts as changed, and a state as changed
when a transition at it is. Mermaid cannot colour an arrow, so a changed transition's label also
starts with a mark (``+``, ``−``, ``~``, ``↻``); the legend says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from credlab.model import ir
from credlab.model.node import replace as replace_node
from credlab.model.spec_diff import Change
from credlab.simulator.outputs import write_atomic
from credlab.simulator.render.dot import dot_available, render, to_dot
from credlab.simulator.render.mermaid import MARKS, to_mermaid
from credlab.simulator.render.view import Label, View, build_view

T = TypeVar("T")
FAMILIES = (
    "sources",
    "assumptions",
    "parameters",
    "credentials",
    "policies",
    "capabilities",
    "channels",
    "actors",
    "flags",
    "counters",
    "deadlines",
    "messages",
    "states",
    "events",
)
"""What the union takes from both versions (the new one's where both declare it)."""


def union_spec(old: ir.Spec, new: ir.Spec, renamed: frozenset[str]) -> ir.Spec:
    """``new`` with what only ``old`` declares added: its states and its transitions (those not
    renamed), and what they name, so the view can draw them."""
    ids = {t.id for t in new.transitions} | renamed
    removed = tuple(t for t in old.transitions if t.id not in ids)
    merged: dict[str, Any] = {}
    for name in FAMILIES:
        first: Mapping[str, object] = getattr(new, name)
        merged[name] = MappingProxyType({**getattr(old, name), **first})
    return replace_node(new, transitions=new.transitions + removed, **merged)


def transition_status(new: ir.Spec, changes: tuple[Change, ...]) -> dict[str, str]:
    """Each changed transition's change; one that a changed deadline (or its parameter) times is changed."""
    status: dict[str, str] = {c.name: c.kind for c in changes if c.element == "transition"}
    parameters = {c.name for c in changes if c.element == "parameter"}
    deadlines = {c.name for c in changes if c.element == "deadline"}
    timed = {
        d.on_expiry
        for d in new.deadlines.values()
        if d.on_expiry and (d.name in deadlines or (isinstance(d.duration, str) and d.duration in parameters))
    }
    for t in new.transitions:
        if t.event in timed:
            status.setdefault(t.id, "changed")
    return status


def state_status(old: ir.Spec, new: ir.Spec, changes: tuple[Change, ...]) -> dict[str, str]:
    """Each state of the union: added, removed, changed (it, or a transition from or to it), unchanged."""
    states = {c.name: c.kind for c in changes if c.element == "state"}
    named = set(transition_status(new, changes)) | {c.was for c in changes if c.element == "transition" and c.was}
    touched = {
        s
        for spec in (old, new)
        for t in spec.transitions
        if t.id in named
        for s in (*t.sources_states, t.target)
        if s is not None
    }
    status: dict[str, str] = {}
    for name in [*new.states, *(s for s in old.states if s not in new.states)]:
        kind = states.get(name)
        status[name] = kind if kind in ("added", "removed") else "changed" if kind or name in touched else "unchanged"
    return status


def _marked(label: Label, change: str) -> Label:
    return replace(label, event=MARKS[change] + label.event) if change in MARKS else label


def diff_view(old: ir.Spec, new: ir.Spec, changes: tuple[Change, ...]) -> View:
    """The view of both versions, each state and transition marked with its change."""
    renamed = frozenset(c.was for c in changes if c.kind == "renamed" and c.was)
    view = build_view(union_spec(old, new, renamed), detail="rules", merge=False)
    transitions, states = transition_status(new, changes), state_status(old, new, changes)
    nodes = tuple(
        replace(
            n,
            rows=tuple(replace(r, label=_marked(r.label, transitions.get(r.transition, ""))) for r in n.rows),
            lifecycle=False,  # the change's colour is the one fill a state gets
            change=states.get(n.name, "unchanged"),
        )
        for n in view.nodes
    )
    arrows = tuple(
        replace(
            a,
            label=_marked(a.label, transitions.get(a.transition, "")),
            change=transitions.get(a.transition, "unchanged"),
        )
        for a in view.arrows
    )
    shared = tuple(replace(r, label=_marked(r.label, transitions.get(r.transition, ""))) for r in view.shared)
    return replace(view, title=f"{view.title}: changes", nodes=nodes, arrows=arrows, shared=shared)


def write_diff_diagrams(old: ir.Spec, new: ir.Spec, changes: tuple[Change, ...], out: Path) -> DiffDiagram:
    """``diff.mmd`` and ``diff.dot`` under ``out`` (and ``diff.svg``, ``diff.png`` where Graphviz's
    ``dot`` is installed); returns the Mermaid text and the files written."""
    view = diff_view(old, new, changes)
    mermaid, source = to_mermaid(view, "credlab diff"), to_dot(view)
    written = [out / "diff.mmd", out / "diff.dot"]
    write_atomic(written[0], mermaid)
    write_atomic(written[1], source)
    if dot_available():
        for fmt in ("svg", "png"):
            path = out / f"diff.{fmt}"
            write_atomic(path, render(source, fmt))
            written.append(path)
    return DiffDiagram(mermaid, tuple(str(p) for p in written))


@dataclass(frozen=True, slots=True)
class DiffDiagram:
    mermaid: str
    files: tuple[str, ...]
