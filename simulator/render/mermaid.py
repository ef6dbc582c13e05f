"""Mermaid diagrams: a :class:`~credlab.simulator.render.view.View` as ``stateDiagram-v2`` text.

Mermaid renders in GitHub and GitLab Markdown, so ``diagrams/README.md`` embeds one diagram per
spec, and it should tell a reviewer what the Graphviz drawing tells:

* every state is declared with its name (``state "name" as id``), so its box shows the name, and
  its internal transitions (UML's internal-activity compartment) are the lines below it;
* groups are composite states; lifecycle, session and final states, what a run missed or visited,
  and the focus are ``classDef`` styles, explained in a legend note;
* a transition from several states meets in a ``<<join>>`` bar first, so its label is drawn once;
* a transition's channel and deadline are written into its label (``login via web``, ``after
  reset_link 2h ...``), since Mermaid cannot colour or dash a transition; so are path step numbers
  and ``(never run)``;
* internal transitions in (nearly) every state, capability events and credentials go to notes.

Mermaid's grammar ends a label at ``:``, ``;`` or a line break, treats ``%%`` as a comment and a
``direction TB`` anywhere in a line as a statement, so :func:`mermaid_text` rewrites those, and
names that are Mermaid keywords (``state``, ``note``, ``default``...) get another id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from credlab.simulator.render.view import CHANGES, Arrow, Label, Node, View

KEYWORDS = frozenset(
    {"state", "note", "class", "classdef", "default", "scale", "hide", "direction", "end", "statediagram", "as"}
)
CLASSES = {
    "lifecycle": "font-weight:bold,stroke-width:3px,fill:#FFF1C9",
    "session": "stroke-dasharray:5 3",
    "final": "stroke-width:4px,stroke:#000000",
    "missed": "fill:#F4F4F4,color:#A0A0A0,stroke:#B0B0B0,stroke-dasharray:4 4",
    "visited": "stroke:#C00000,stroke-width:3px",
    "focus": "stroke-width:4px",
}
"""Each style is named after the :class:`Node` flag that selects its states."""
_DIRECTION = re.compile(r"\b(direction)\s+(?=(tb|bt|rl|lr)\b)", re.IGNORECASE)
_REPLACEMENTS = (
    (":=", "←"),
    (": ", " "),
    (":", " "),
    (";", ","),
    ("%", " percent"),
    ("{", "("),
    ("}", ")"),
    ("<", "‹"),
    (">", "›"),
    ('"', "'"),
    ("#", "no. "),
)


def mermaid_text(text: str) -> str:
    """``text`` made safe for a Mermaid label: one line, none of the characters that end or
    change one."""
    text = " ".join(text.split())
    text = text.replace(">=", "≥").replace("<=", "≤")
    for old, new in _REPLACEMENTS:
        text = text.replace(old, new)
    return _DIRECTION.sub(r"\1_", text)


def state_id(name: str) -> str:
    """The Mermaid id of a state: its name, unless that is a Mermaid keyword."""
    return f"{name}_state" if name.lower() in KEYWORDS or name.lower().startswith("direction") else name


def _label(label: Label, channels: tuple[str, ...], steps: Iterable[int], missed: bool) -> str:
    numbers = ", ".join(str(n) for n in steps)
    head = (f"{numbers}. " if numbers else "") + ("(never run) " if missed else "") + label.event
    if channels:
        head += f" via {', '.join(channels)}"
    return mermaid_text(label.one_line(head))


class _Writer:
    def __init__(self, view: View) -> None:
        self.view = view
        self.lines = ["stateDiagram-v2", "    direction TB"]
        self.ids = {n.name: state_id(n.name) for n in view.nodes}
        taken = set(self.ids.values())
        self.group_ids = {g: (state_id(g) if state_id(g) not in taken else f"{g}_group") for g in view.groups}

    def declare(self, node: Node, indent: str) -> None:
        sid = self.ids[node.name]
        self.lines.append(f'{indent}state "{node.name}" as {sid}')
        for row in node.rows:
            self.lines.append(f"{indent}{sid} : {_label(row.label, row.channels, row.steps, row.missed)}")

    def arrow(self, number: int, arrow: Arrow) -> None:
        text = _label(arrow.label, arrow.channels, (n for n, _ in arrow.steps), arrow.missed)
        target = self.ids[arrow.target]
        if len(arrow.sources) == 1:
            self.lines.append(f"    {self.ids[arrow.sources[0]]} --> {target} : {text}")
            return
        join = f"{arrow.transition}_join_{number}"
        self.lines.append(f"    state {join} <<join>>")
        for source in arrow.sources:
            steps = ", ".join(str(n) for n, s in arrow.steps if s == source)
            self.lines.append(f"    {self.ids[source]} --> {join}" + (f" : {steps}." if steps else ""))
        self.lines.append(f"    {join} --> {target} : {text}")

    def note(self, anchor: str, side: str, lines: list[str]) -> None:
        self.lines.append(f"    note {side} of {anchor}")
        self.lines += [f"        {line}" for line in lines]
        self.lines.append("    end note")


def to_mermaid(view: View, generator: str = "credlab diagram") -> str:
    """The ``stateDiagram-v2`` text of ``view``: the same view gives the same text."""
    w = _Writer(view)
    title = f"{view.title} ({view.name})" + (f", the neighbourhood of {view.focus}" if view.focus else "")
    w.lines.append(f"    %% {mermaid_text(title)}. Generated by {generator}; do not edit.")
    w.lines += [f"    classDef {name} {style}" for name, style in CLASSES.items()]
    for group, gid in w.group_ids.items():
        w.lines.append(f"    state {gid} {{" if gid == group else f'    state "{group}" as {gid} {{')
        for node in view.nodes:
            if node.group == group:
                w.declare(node, "        ")
        w.lines.append("    }")
    for node in view.nodes:
        if node.group is None:
            w.declare(node, "    ")
    for node in view.nodes:
        if node.initial:
            w.lines.append(f"    [*] --> {w.ids[node.name]}")
        if node.final:  # Mermaid's own mark of an end
            w.lines.append(f"    {w.ids[node.name]} --> [*]")
    for number, arrow in enumerate(view.arrows):
        w.arrow(number, arrow)
    anchor = next((n for n in view.nodes if n.group is None), view.nodes[0] if view.nodes else None)
    if anchor is not None:
        at = w.ids[anchor.name]
        if view.shared:
            rows = [
                f"{_label(r.label, r.channels, r.steps, r.missed)}, in {mermaid_text(r.where)}" for r in view.shared
            ]
            w.note(at, "left", ["In every state (internal transitions)", *rows])
        if view.capability_events:  # they change who can act, not the state
            w.note(at, "right", ["Capability events (no state changes)", *map(mermaid_text, view.capability_events)])
        if view.credentials:
            w.note(at, "left", ["Credentials and access", *map(mermaid_text, view.credentials)])
        w.note(at, "right", legend(view))
    for name in CLASSES:
        members = [w.ids[n.name] for n in view.nodes if getattr(n, name)]
        if members:
            w.lines.append(f"    class {', '.join(members)} {name}")
    for change, (line, fill, _, _) in CHANGES.items():  # a diff diagram's marks
        members = [w.ids[n.name] for n in view.nodes if n.change == change]
        if members:
            dashed = ",stroke-dasharray:5 4" if change == "removed" else ""
            w.lines.append(f"    classDef {change} fill:{fill},stroke:{line},stroke-width:3px{dashed}")
            w.lines.append(f"    class {', '.join(members)} {change}")
    return "\n".join(w.lines) + "\n"


def legend(view: View) -> list[str]:
    """The legend note: what the styles and the words in labels mean."""
    lines = [f"Legend ({mermaid_text(view.title)})"]
    flags = {flag for n in view.nodes for flag in CLASSES if getattr(n, flag)}
    lines += ["bold, yellow - lifecycle state (the user's)"] if "lifecycle" in flags else []
    lines += ["dashed border - a screen only whoever reached it acts on (session)"] if "session" in flags else []
    lines += ["thick black border - final, nothing leaves it"] if "final" in flags else []
    lines += ["plain - a screen or step on the way", "box with lines - the lines stay in the state (internal)"]
    lines += ["bar - joins the sources of one transition"] if any(len(a.sources) > 1 for a in view.arrows) else []
    lines.append("event via C - through channel C; after D - when deadline D expires")
    lines += [f"deadline {mermaid_text(d)}" for d in view.deadlines]
    if view.coverage is not None:
        lines.append(f"grey, dashed - never exercised by {mermaid_text(view.coverage.file)} ({view.coverage.summary})")
    if view.highlight is not None:
        lines.append(f"red, numbered - the path of {mermaid_text(view.highlight.file)}")
    marked = {n.change for n in view.nodes} | {a.change for a in view.arrows}
    if marked - {None}:
        lines.append("Changes - a state's colour, a transition's mark")
        lines += [
            " ".join((CHANGES[c][2], MARKS.get(c, "").strip(), "-", CHANGES[c][3])).replace("  ", " ") for c in CHANGES
        ]
    return lines


MARKS = {"added": "+ ", "removed": "− ", "changed": "~ ", "renamed": "↻ "}
"""What starts a changed transition's label in a diff diagram (Mermaid cannot colour an arrow)."""


# --- diagrams/README.md -----------------------------------------------------------------------------
FORMAT_NAMES = {"svg": "SVG", "png": "PNG", "dot": "DOT", "mmd": "Mermaid"}
"""Formats as the README links them, in this order."""


def readme(entries: list[tuple[View, str]], formats: Iterable[str]) -> str:
    """A Markdown index of the diagrams: per spec, links to its files in ``formats`` and its
    Mermaid text (``entries`` pairs each view with it) embedded so that it renders in place."""
    out = [
        "<!-- Generated by `credlab diagram`; do not edit. `credlab diagram --check` tells when it is stale. -->",
        "# Diagrams",
        "",
        "One set of files per spec, generated from `spec/` by `credlab diagram`:",
        "`<spec>.svg` and `<spec>.png` (Graphviz; in the SVG, hover over a state or a transition for",
        "the policy text it comes from and its rule ids), `<spec>.dot` (their Graphviz source) and",
        "`<spec>.mmd` (Mermaid, embedded below). In the Graphviz drawings lifecycle states are bold,",
        "colours are channels, dashed arrows are deadline expiries, groups of states are boxed, and a",
        "transition is labelled with its event and its rule's id (hover for its guards and effects;",
        "`credlab diagram --detail full` writes them out); the legend under each drawing says the rest.",
        "The Mermaid version draws the same states, groups and joins; its labels name the channel",
        "(`via web`), the deadline (`after ...`) and the rule, and its legend is a note.",
        "",
    ]
    wanted = set(formats)
    for view, mermaid in entries:
        out += [f"## {view.title} (`{view.name}`)", ""]
        links = [f"[{name}]({view.name}.{fmt})" for fmt, name in FORMAT_NAMES.items() if fmt in wanted]
        if links:
            out += ["Files: " + " · ".join(links), ""]
        picture = next((fmt for fmt in ("svg", "png") if fmt in wanted), None)
        if picture:
            out += [f"![The state machine of {view.name}]({view.name}.{picture})", ""]
        out += ["```mermaid", mermaid.rstrip("\n"), "```", ""]
    return "\n".join(out)
