"""What a diagram of a spec shows, independent of how it is drawn.

:func:`build_view` turns a :class:`~credlab.model.ir.Spec` into a :class:`View`: states with their
tooltips, transitions with short labels, channels, deadlines, and the overlays (a trace drawn as
a numbered path, coverage greying). The DOT and Mermaid writers only lay out a ``View``, so the
two formats always agree on what is drawn.

Drawing conventions (UML state machines, which reviewers already read):

* A transition with a target is an :class:`Arrow` from each source state. When it has several
  sources they meet in a junction dot first, so its label is drawn once.
* A transition without a target stays in its state (an *internal* transition, no exit or
  entry): it is a :class:`Row` inside the state's box, like UML's internal-activity compartment.
  One that applies in most states (``authenticate`` at a service desk from anywhere) is drawn
  once, in the "in every state" box (:attr:`View.shared`), naming the states it skips.
* An arrow or row whose event is a deadline's ``on_expiry`` is an expiry: dashed, labelled with
  the deadline's duration and boundary.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from credlab.model import ir
from credlab.model.render import deadline_text, delay_text, guard_text, spec_effect_text

LINE_WIDTH = 48
"""Guard and effect lines longer than this are shortened in labels (the tooltip has them whole)."""
MAX_GUARD_LINES = 5
"""More guards than this are summarized as ``… N more``."""
CHANGES = {
    "added": ("#2E7D32", "#D9F2D9", "green", "added by the new version"),
    "removed": ("#C62828", "#FADBD8", "red, dashed", "removed by the new version"),
    "changed": ("#E65100", "#FFE5C2", "orange", "changed (or a transition at it changed)"),
    "renamed": ("#6A1B9A", "#EBDDF3", "purple", "renamed, otherwise the same"),
    "unchanged": ("#BDBDBD", "#FAFAFA", "grey", "unchanged"),
}
"""A diff diagram's marks: each change's line colour, fill, colour's name and legend text."""
SHARED_SHARE = 0.5
"""An internal transition in more than this share of the states goes to the "in every state" box."""


@dataclass(frozen=True, slots=True)
class Label:
    """A transition in short form: ``event [guards] / effects``, each part a list of lines."""

    event: str
    guards: tuple[str, ...]
    effects: tuple[str, ...]
    deadline: str | None = None
    """``reset_link: 2h (reset_link_ttl), exclusive`` on an expiry transition."""
    rule: str | None = None
    """With ``--detail rules``: the id of the transition (or transitions) drawn, in place of its
    guards and effects (the tooltip keeps them whole)."""

    def one_line(self, head: str | None = None) -> str:
        """``event [g1, g2] / e1, e2`` for formats that cannot break lines; ``head`` replaces
        the event's name (to add step numbers or channels to it)."""
        text = self.event if head is None else head
        if self.deadline:
            text += f" after {self.deadline}"
        if self.rule:
            text += f" ({self.rule})"
        if self.guards:
            text += f" [{', '.join(self.guards)}]"
        if self.effects:
            text += f" / {', '.join(self.effects)}"
        return text


@dataclass(frozen=True, slots=True)
class Row:
    """An internal transition, drawn as a line inside a state (or in the "in every state" box)."""

    transition: str
    label: Label
    channels: tuple[str, ...]
    tooltip: str
    expiry: bool
    missed: bool = False
    steps: tuple[int, ...] = ()
    """Numbers of the path steps that fired it (``--highlight``)."""
    where: str = ""
    """Only in the shared box: ``every state`` or ``every state but a, b``."""


@dataclass(frozen=True, slots=True)
class Node:
    """A state."""

    name: str
    lifecycle: bool
    group: str | None
    initial: bool
    tooltip: str
    rows: tuple[Row, ...] = ()
    missed: bool = False
    visited: bool = False
    focus: bool = False
    session: bool = False
    """A screen in the session of whoever reached it (only they act on it)."""
    final: bool = False
    """An end of the lifecycle: nothing leaves it."""
    change: str | None = None
    """In a diff diagram: ``added``, ``removed``, ``changed`` or ``unchanged`` (see :data:`CHANGES`)."""


@dataclass(frozen=True, slots=True)
class Arrow:
    """A transition with a target, from one or more source states."""

    transition: str
    sources: tuple[str, ...]
    target: str
    label: Label
    channels: tuple[str, ...]
    tooltip: str
    expiry: bool
    missed: bool = False
    steps: tuple[tuple[int, str], ...] = ()
    """(path step number, source state) for each time it fired (``--highlight``)."""
    change: str | None = None
    """In a diff diagram: as :attr:`Node.change`, or ``renamed``."""


@dataclass(frozen=True, slots=True)
class ChannelKey:
    """A legend entry: a channel drawn in this diagram."""

    name: str
    kind: str
    description: str
    index: int
    """Position among the spec's channels: the same channel keeps its colour in every view."""


@dataclass(frozen=True, slots=True)
class PathStep:
    """One transition that fired in a trace: the ``number``-th of the drawn path."""

    number: int
    trace_step: int
    transition: str
    source: str
    target: str


@dataclass(frozen=True, slots=True)
class Highlight:
    """A trace drawn as a numbered path (``--highlight``)."""

    file: str
    start: str
    steps: tuple[PathStep, ...]


@dataclass(frozen=True, slots=True)
class Shading:
    """What a run never exercised, greyed out (``--coverage``)."""

    file: str
    missed_states: frozenset[str]
    missed_transitions: frozenset[str]
    summary: str
    """``states 6/8, transitions 15/19``."""


@dataclass(frozen=True, slots=True)
class View:
    """Everything a diagram draws, in a stable order (the spec file's)."""

    name: str
    title: str
    nodes: tuple[Node, ...]
    arrows: tuple[Arrow, ...]
    shared: tuple[Row, ...]
    channels: tuple[ChannelKey, ...]
    deadlines: tuple[str, ...]
    focus: str | None = None
    highlight: Highlight | None = None
    coverage: Shading | None = None
    groups: tuple[str, ...] = field(default=())
    capability_events: tuple[str, ...] = field(default=())
    """``mailbox_lost (member loses mailbox)``: events no transition fires on (drawn in the legend)."""
    detail: str = "rules"
    credentials: tuple[str, ...] = field(default=())
    """What is not a plain memorised secret, for the legend: a factor other than knowledge, the
    device a value comes from, a set of single-use codes, access that takes several things at once."""

    def node(self, name: str) -> Node:
        return next(n for n in self.nodes if n.name == name)


# --- channels and labels ------------------------------------------------------------------------
def _walk(guards: tuple[ir.Guard, ...]) -> Iterator[ir.Guard]:
    for guard in guards:
        yield guard
        match guard:
            case ir.Not(guard=inner):
                yield from _walk((inner,))
            case ir.All(guards=parts) | ir.AnyOf(guards=parts):
                yield from _walk(parts)
            case ir.Implies(condition=a, consequence=b):
                yield from _walk((a, b))


def transition_channels(spec: ir.Spec, transition: ir.Transition) -> tuple[str, ...]:
    """The channels a transition goes through: those its guards name (``authenticates`` on a
    channel, a channel input restricted by ``input_in``, ``accepts``) and those of the messages
    it sends. In the spec's channel order."""
    event = spec.events[transition.event]
    found: set[str] = set()

    def input_channels(name: str) -> tuple[str, ...]:
        declared = event.input(name)
        if declared is None or declared.type != "channel":
            return ()
        return declared.values or tuple(spec.channels)

    for guard in _walk(transition.guards):
        match guard:
            case ir.Authenticates(channel=str(channel)):
                found.add(channel)
            case ir.Authenticates(channel_from=str(name)):
                found.update(input_channels(name))
            case ir.InputIn(input=name, values=values) if input_channels(name):
                found.update(values)
            case ir.Accepts(channel=channel):
                found.add(channel)
    for effect in transition.effects:
        if isinstance(effect, ir.Send):
            found.add(spec.messages[effect.message].via)
    return tuple(name for name in spec.channels if name in found)


def expiry_deadline(spec: ir.Spec, transition: ir.Transition) -> ir.Deadline | None:
    """The deadline whose expiry fires this transition, if any."""
    return next((d for d in spec.deadlines.values() if d.on_expiry == transition.event), None)


def shorten(text: str, width: int = LINE_WIDTH) -> str:
    """``text`` cut to ``width`` characters, ending in ``…`` when cut."""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def transition_label(spec: ir.Spec, transition: ir.Transition, detail: str = "full") -> Label:
    """``transition``'s label at ``detail`` (one of :data:`~credlab.simulator.render.diagram_formats.DETAILS`)."""
    if transition.delivers is not None:  # credlab's own parts of a delayed message are not shown
        window = delay_text(spec, spec.messages[transition.delivers])
        return Label(event=transition.event, guards=(f"{window} after it is sent",), effects=(), deadline=None)
    deadline = expiry_deadline(spec, transition)
    when = deadline_text(spec, deadline) if deadline else None
    if detail != "full":
        return Label(transition.event, (), (), when, transition.id if detail == "rules" else None)
    guards = [shorten(guard_text(g)) for g in transition.guards]
    if len(guards) > MAX_GUARD_LINES:
        hidden = len(guards) - (MAX_GUARD_LINES - 1)
        guards = [*guards[: MAX_GUARD_LINES - 1], f"… {hidden} more (see tooltip)"]
    return Label(
        event=transition.event,
        guards=tuple(guards),
        effects=tuple(shorten(text) for e in transition.effects if (text := spec_effect_text(spec, e)) is not None),
        deadline=when,
    )


# --- tooltips: the policy text behind each element ----------------------------------------------
def _quotes(spec: ir.Spec, source_ids: tuple[str, ...]) -> list[str]:
    return [f"  {sid}: “{spec.sources[sid].quote}”" for sid in source_ids if sid in spec.sources]


def state_tooltip(spec: ir.Spec, state: ir.State) -> str:
    kinds = [
        k
        for k, on in (
            ("lifecycle state", state.lifecycle),
            ("initial", state.name in spec.initial),
            ("session: only whoever reached it acts here", state.session),
            ("final: an end of the lifecycle, nothing leaves it", state.final),
        )
        if on
    ]
    lines = [f"state {state.name}" + (f" ({', '.join(kinds)})" if kinds else ""), state.description]
    if state.group:
        lines.append(f"group: {state.group}")
    if state.assumes:
        lines.append(f"assumes: {', '.join(state.assumes)}")
    if state.sources:
        lines += ["source:", *_quotes(spec, state.sources)]
    return "\n".join(lines)


def transition_tooltip(spec: ir.Spec, transition: ir.Transition, channels: tuple[str, ...]) -> str:
    target = transition.target or "(stays in the same state)"
    lines = [
        f"transition {transition.id} (event {transition.event})",
        f"from {', '.join(transition.sources_states)} to {target}",
    ]
    deadline = expiry_deadline(spec, transition)
    if deadline:
        lines.append(f"fires when the deadline expires: {deadline_text(spec, deadline)}")
    if transition.guards:
        lines += ["when:", *(f"  {guard_text(g)}" for g in transition.guards)]
    if transition.effects:
        lines += ["do:", *(f"  {text}" for e in transition.effects if (text := spec_effect_text(spec, e)))]
    if channels:
        lines.append(f"channels: {', '.join(channels)}")
    if transition.sources:
        lines += ["source:", *_quotes(spec, transition.sources)]
    if transition.assumes:
        lines.append(f"assumes: {', '.join(transition.assumes)}")
    return "\n".join(lines)


# --- the view --------------------------------------------------------------------------------------
def neighbourhood(spec: ir.Spec, state: str) -> set[str]:
    """``state`` and the states one transition away from it, either way."""
    near = {state}
    for t in spec.transitions:
        if t.target == state:
            near.update(t.sources_states)
        if state in t.sources_states and t.target:
            near.add(t.target)
    return near


def _where(spec: ir.Spec, states: tuple[str, ...]) -> str:
    skipped = [name for name in spec.states if name not in states]
    return "every state" if not skipped else f"every state but {', '.join(skipped)}"


def build_view(
    spec: ir.Spec,
    *,
    focus: str | None = None,
    highlight: Highlight | None = None,
    coverage: Shading | None = None,
    detail: str = "rules",
    merge: bool = True,
) -> View:
    """The diagram of ``spec``; with ``focus``, only that state's neighbourhood and the
    transitions into and out of it. ``focus`` must name a state of the spec. ``detail``: how much
    labels say (``rules``, ``full`` or ``events``). ``merge=False`` draws each transition as an
    arrow of its own (a diff marks each one)."""
    shown = neighbourhood(spec, focus) if focus else set(spec.states)
    missed_states = coverage.missed_states if coverage else frozenset()
    missed_transitions = coverage.missed_transitions if coverage else frozenset()
    fired = highlight.steps if highlight else ()

    def touches(t: ir.Transition) -> bool:
        return focus is None or focus in t.sources_states or t.target == focus

    rows: dict[str, list[Row]] = {name: [] for name in spec.states}
    shared: list[Row] = []
    arrows: list[Arrow] = []
    parallel: dict[tuple[object, ...], int] = {}
    """Arrows by what their label says and where they go: transitions that agree are merged."""
    for t in spec.transitions:
        channels = transition_channels(spec, t)
        label, tooltip = transition_label(spec, t, detail), transition_tooltip(spec, t, channels)
        expiry, missed = expiry_deadline(spec, t) is not None, t.id in missed_transitions
        steps = [s for s in fired if s.transition == t.id]
        if t.target is None:
            if len(t.sources_states) > SHARED_SHARE * len(spec.states):
                if focus is None or focus in t.sources_states:
                    numbers = tuple(s.number for s in steps)
                    where = _where(spec, t.sources_states)
                    shared.append(Row(t.id, label, channels, tooltip, expiry, missed, numbers, where))
                continue
            for source in t.sources_states:
                if source in shown and (focus is None or source == focus):
                    numbers = tuple(s.number for s in steps if s.source == source)
                    rows[source].append(Row(t.id, label, channels, tooltip, expiry, missed, numbers))
            continue
        if not touches(t):
            continue
        sources = tuple(s for s in t.sources_states if s in shown and (t.target == focus or s == focus or not focus))
        if sources and t.target in shown:
            numbered = tuple((s.number, s.source) for s in steps if s.source in sources)
            arrow = Arrow(t.id, sources, t.target, label, channels, tooltip, expiry, missed, numbered)
            key = (transition_label(spec, t).one_line(), t.target, channels, expiry, missed)
            # where labels show no guards, transitions with one event between the same states
            # are one arrow naming each rule (three "sign_in via web" labels would sit on each other)
            beside = (label.event, label.deadline, t.target, sources, channels, expiry, missed)
            if merge and key in parallel:  # another transition says the same from other states: one arrow
                arrows[parallel[key]] = _merged(arrows[parallel[key]], arrow)
            elif merge and detail != "full" and beside in parallel:
                arrows[parallel[beside]] = _merged(arrows[parallel[beside]], arrow)
            else:
                parallel[key] = parallel[beside] = len(arrows)
                arrows.append(arrow)

    visited = {s.source for s in fired} | {s.target for s in fired} | ({highlight.start} if highlight else set())
    nodes = tuple(
        Node(
            name=name,
            lifecycle=state.lifecycle,
            group=state.group,
            initial=name in spec.initial,
            tooltip="\n\n".join([state_tooltip(spec, state), *(r.tooltip for r in rows[name])]),
            rows=tuple(rows[name]),
            missed=name in missed_states,
            visited=name in visited,
            focus=name == focus,
            session=state.session,
            final=state.final,
        )
        for name, state in spec.states.items()
        if name in shown
    )
    used = {c for a in arrows for c in a.channels} | {c for n in nodes for r in n.rows for c in r.channels}
    used |= {c for r in shared for c in r.channels}
    return View(
        detail=detail,
        name=spec.name,
        title=spec.title or spec.name,
        nodes=nodes,
        arrows=tuple(arrows),
        shared=tuple(shared),
        channels=tuple(
            ChannelKey(c.name, c.kind, c.description, i) for i, c in enumerate(spec.channels.values()) if c.name in used
        ),
        deadlines=tuple(deadline_text(spec, d) for d in spec.deadlines.values() if d.delivery is None)
        + tuple(f"{m.name} arrives {delay_text(spec, m)} after it is sent" for m in spec.messages.values() if m.delay),
        focus=focus,
        highlight=highlight,
        coverage=coverage,
        groups=tuple(dict.fromkeys(n.group for n in nodes if n.group)),
        capability_events=tuple(f"{e.name} ({e.capability})" for e in spec.events.values() if e.capability),
        credentials=credential_notes(spec),
    )


def _merged(first: Arrow, other: Arrow) -> Arrow:
    """One arrow for two transitions with the same event, guards, effects and target."""
    rule = f"{first.label.rule}, {other.label.rule}" if first.label.rule and other.label.rule else first.label.rule
    return Arrow(
        first.transition,
        tuple(dict.fromkeys(first.sources + other.sources)),
        first.target,
        Label(first.label.event, first.label.guards, first.label.effects, first.label.deadline, rule),
        first.channels,
        f"{first.tooltip}\n\n{other.tooltip}",
        first.expiry,
        first.missed,
        tuple(sorted(first.steps + other.steps)),
    )


def credential_notes(spec: ir.Spec) -> tuple[str, ...]:
    """``credential recovery_codes (possession, a set of 10 single-use codes)``, ``access on atm
    takes pin while holding card``: one line per credential or access rule a reader could not guess from its name."""
    notes = []
    for c in spec.credentials.values():
        parts: list[str] = [c.factor] if c.factor != "knowledge" or c.device or c.codes else []
        parts += [f"from {c.device}"] if c.device else []
        parts += [f"a set of {c.codes} single-use codes"] if c.codes else []
        if parts:
            notes.append(f"credential {c.name} ({', '.join(parts)})")
    for rule in spec.access:
        if rule.parts > 1:
            held = f" while holding {' + '.join(rule.requires)}" if rule.requires else ""
            notes.append(f"access on {rule.channel} takes {' + '.join(rule.credentials)}{held}")
    return tuple(dict.fromkeys(notes))
