"""Graphviz diagrams: a :class:`~credlab.simulator.render.view.View` as DOT, rendered to SVG and PNG.

The DOT source is built with the ``graphviz`` package and is the same bytes for the same spec.
Rendering needs Graphviz's ``dot`` program; its SVG is made byte-stable by dropping the comments
``dot`` writes (its version, the graph's title). Both SVG and PNG record the SHA-256 of the DOT
source they were rendered from (an XML comment; a PNG ``tEXt`` chunk), so ``credlab diagram
--check`` can tell a stale PNG without comparing pixels, which differ across Graphviz builds.

How to read the drawing (the legend under it says the same):

* boxes are states; lifecycle states are bold and tinted; a black dot points at initial states;
  groups of states are drawn as clusters;
* an arrow is a transition: its event in bold, ``[guards]`` and ``/ effects`` below; its colour
  is the channel it goes through; dashed arrows fire when a deadline expires;
* a small dot joins the sources of one transition that leaves several states;
* lines inside a box are internal transitions (the state does not change); the note box lists
  those that apply in (nearly) every state;
* hover (in the SVG) for the policy text each element comes from, and the rule ids.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import re
import shutil
import struct
import zlib
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import graphviz  # type: ignore[import-untyped]  # the package ships no type hints

from credlab.simulator.render.view import CHANGES, Arrow, ChannelKey, Label, Node, Row, View


def _graphviz() -> Any:
    """The ``graphviz`` package, imported when a diagram is first drawn: it costs more to import
    than the rest of ``credlab validate`` does, and every command's module is imported by the CLI."""
    import graphviz

    return graphviz


SESSION = "session"
"""The line under a session screen's name."""
FINAL = "end"
"""The line under a final state's name (drawn with a double border too)."""
INSTALL_HINT = "install Graphviz: 'sudo apt-get install graphviz' (Debian/Ubuntu) or 'brew install graphviz' (macOS)"
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#8C564B", "#7F7F00")
"""Channel colours (Okabe–Ito, colour-blind safe), by the channel's position in the spec."""
PLAIN = "#404040"
"""Transitions through no channel."""
GREY = "#B0B0B0"
RULE = "#57606A"
"""A transition's rule id (--detail rules): hover for its guards and effects."""
"""What the coverage overlay says was never exercised."""
PATH = "#C00000"
"""The ``--highlight`` path and its step numbers."""
LIFECYCLE_FILL = "#FFF1C9"
CLUSTER_FILL = "#F3F5F9"
FONT = "Helvetica"
HASH_KEY = "credlab-dot-sha256"


def dot_available() -> bool:
    """Whether Graphviz's ``dot`` is on PATH (SVG and PNG need it; DOT and Mermaid do not)."""
    return shutil.which("dot") is not None


def dot_hash(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


# --- labels ----------------------------------------------------------------------------------------
def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _colour(channels: tuple[str, ...], keys: dict[str, ChannelKey]) -> str:
    """One colour per channel, as parallel lines when there are several (``a:b``)."""
    return ":".join(PALETTE[keys[c].index % len(PALETTE)] for c in channels) or PLAIN


def _text_colour(channels: tuple[str, ...], keys: dict[str, ChannelKey]) -> str:
    return PALETTE[keys[channels[0]].index % len(PALETTE)] if channels else PLAIN


def _numbers(steps: tuple[int, ...]) -> str:
    return f'<FONT COLOR="{PATH}"><B>{_e(", ".join(map(str, steps)))}.</B></FONT> ' if steps else ""


def _label_lines(label: Label, head_colour: str, steps: tuple[int, ...], grey: bool) -> list[str]:
    """HTML lines of a transition label: bold event, then the deadline, guards and effects."""
    colour = GREY if grey else head_colour
    lines = [f'{_numbers(steps)}<FONT COLOR="{colour}"><B>{_e(label.event)}</B></FONT>']
    if label.deadline:
        lines.append(f"<I>after {_e(label.deadline)}</I>")
    if label.rule:
        lines.append(f'<FONT COLOR="{RULE}"><I>{_e(label.rule)}</I></FONT>')
    for i, guard in enumerate(label.guards):
        opening, closing = ("[" if i == 0 else "&#160;"), ("]" if i == len(label.guards) - 1 else "")
        lines.append(f"{opening}{_e(guard)}{closing}")
    lines += [f"{'/' if i == 0 else '&#160;'} {_e(effect)}" for i, effect in enumerate(label.effects)]
    return lines


def _edge_label(label: Label, head_colour: str, steps: tuple[int, ...], grey: bool) -> str:
    body = '<BR ALIGN="LEFT"/>'.join(_label_lines(label, head_colour, steps, grey))
    return f'<<FONT COLOR="{GREY if grey else "black"}">{body}<BR ALIGN="LEFT"/></FONT>>'


def _table(rows: list[str], **attrs: str) -> str:
    """An HTML-like table, one row per line so that DOT diffs show which row changed."""
    settings = {"BORDER": "0", "CELLBORDER": "0", "CELLSPACING": "0", "CELLPADDING": "2", **attrs}
    opening = " ".join(f'{k}="{v}"' for k, v in settings.items())
    return f"<TABLE {opening}>\n" + "\n".join(rows) + "\n</TABLE>"


def _row_cell(row: Row, keys: dict[str, ChannelKey], suffix: str = "") -> str:
    lines = _label_lines(row.label, _text_colour(row.channels, keys), row.steps, row.missed)
    if suffix:
        lines.append(f"<I>{_e(suffix)}</I>")
    text = '<BR ALIGN="LEFT"/>'.join(lines) + '<BR ALIGN="LEFT"/>'
    body = f"<I>{text}</I>" if row.expiry else text
    colour = GREY if row.missed else "#202020"
    return f'<TR><TD ALIGN="LEFT" BALIGN="LEFT"><FONT POINT-SIZE="9" COLOR="{colour}">{body}</FONT></TD></TR>'


def _node_label(node: Node, keys: dict[str, ChannelKey]) -> str:
    size = 13 if node.lifecycle else 11
    colour = GREY if node.missed else "black"
    rows = [f'<TR><TD><FONT POINT-SIZE="{size}" COLOR="{colour}"><B>{_e(node.name)}</B></FONT></TD></TR>']
    if node.session:
        rows.append(f'<TR><TD><FONT POINT-SIZE="8" COLOR="{colour}"><I>{SESSION}</I></FONT></TD></TR>')
    if node.final:
        rows.append(f'<TR><TD><FONT POINT-SIZE="8" COLOR="{colour}"><I>{FINAL}</I></FONT></TD></TR>')
    if node.rows:
        rows += ["<HR/>", *(_row_cell(r, keys) for r in node.rows)]
    return f"<{_table(rows)}>"


def _legend(view: View, keys: dict[str, ChannelKey]) -> str:
    """Title and key, drawn under the diagram: arrows on the left, boxes and dots on the right."""

    def line(colour: str, dashed: bool = False) -> str:
        dash = "- - - -" if dashed else "&#8212;&#8212;&#8212;"
        return f'<FONT COLOR="{colour}"><B>{dash}</B></FONT>'

    def channel(key: ChannelKey) -> str:
        return f"<B>{_e(key.name)}</B> ({_e(key.kind)})" + (f": {_e(key.description)}" if key.description else "")

    Entry = tuple[str, str, dict[str, str]]  # sample, text, attributes of the sample's cell
    arrows: list[Entry] = [(line(_colour((k.name,), keys)), channel(k), {}) for k in view.channels]
    arrows.append((line(PLAIN), "no channel", {}))
    arrows += [(line(PLAIN, dashed=True), f"deadline expiry: <I>{_e(d)}</I>", {}) for d in view.deadlines]
    arrows += [("&#8635;", f"capability event (no state changes): <I>{_e(c)}</I>", {}) for c in view.capability_events]
    arrows += [("&#9670;", f"<I>{_e(c)}</I>", {}) for c in view.credentials]
    if view.highlight:
        sample = line(PATH) + f'<FONT COLOR="{PATH}"><B> 1.</B></FONT>'
        arrows.append((sample, f"path of {_e(view.highlight.file)}", {}))
    if view.coverage:
        text = f"never exercised in {_e(view.coverage.file)} ({_e(view.coverage.summary)})"
        arrows.append((line(GREY), text, {}))
    marked = {n.change for n in view.nodes} | {a.change for a in view.arrows}
    if marked - {None}:  # a diff diagram: every mark, as labels in rows carry them too
        arrows += [(line(CHANGES[c][0]), _e(CHANGES[c][3]), {}) for c in CHANGES]
    lifecycle = {"BORDER": "2", "STYLE": "rounded", "BGCOLOR": LIFECYCLE_FILL}
    shapes: list[Entry] = [
        ("<B>state</B>", "lifecycle state (the user's)", lifecycle),
        ("state", "a screen or step on the way", {"BORDER": "1", "STYLE": "rounded"}),
        (
            f'state<BR/><FONT POINT-SIZE="8"><I>{SESSION}</I></FONT>',
            "a screen only whoever reached it acts on",
            {"BORDER": "1", "STYLE": "rounded"},
        ),
        (
            f'state<BR/><FONT POINT-SIZE="8"><I>{FINAL}</I></FONT>',
            "final: an end of the lifecycle, nothing leaves it",
            {"BORDER": "3", "STYLE": "rounded"},
        ),
        ("&#9679;&#8594;", "initial state", {}),
        ("&#8226;", "joins the sources of one transition", {}),
        ('<FONT POINT-SIZE="9">event [guard] / effect</FONT>', "in a box: stays in the state", {}),
        ("hover", "in the SVG: policy text, rule ids", {}),
    ]
    if view.detail == "rules":
        sample = f'<FONT POINT-SIZE="9"><B>event</B><BR/><FONT COLOR="{RULE}"><I>rule_id</I></FONT></FONT>'
        shapes.insert(-1, (sample, "a transition by its rule: hover for its guards and effects", {}))
    if marked - {None}:  # a diff diagram fills states by their change, not by lifecycle
        shapes = shapes[1:]

    def cells(entry: Entry | None) -> str:
        if entry is None:
            return "<TD></TD><TD></TD>"
        sample, text, attrs = entry
        extra = "".join(f' {k}="{v}"' for k, v in attrs.items())
        return f'<TD{extra}>{sample}</TD><TD ALIGN="LEFT">{text}</TD>'

    title = f"<B>{_e(view.title)}</B> ({_e(view.name)})"
    if view.focus:
        title += f" — the neighbourhood of <B>{_e(view.focus)}</B>"
    rows = [f'<TR><TD COLSPAN="4" ALIGN="LEFT"><FONT POINT-SIZE="14">{title}</FONT></TD></TR>']
    for left, right in itertools.zip_longest(arrows, shapes):
        rows.append(f"<TR>{cells(left)}{cells(right)}</TR>")
    return f"<{_table(rows, CELLSPACING='3')}>"


# --- the graph -------------------------------------------------------------------------------------
def _node_attrs(node: Node) -> dict[str, str]:
    attrs = {"id": f"state-{node.name}", "tooltip": _graphviz().escape(node.tooltip)}
    if node.lifecycle:
        attrs.update(fillcolor=LIFECYCLE_FILL, penwidth="2.5")
    if node.focus or node.final:
        attrs["peripheries"] = "2"
    if node.visited:
        attrs.update(color=PATH, penwidth="3")
    if node.missed:
        attrs.update(color=GREY, fillcolor="#F4F4F4", style="rounded,filled,dashed")
    if node.change is not None:
        line, fill, _, _ = CHANGES[node.change]
        attrs.update(color=line, fillcolor=fill, penwidth="1" if node.change == "unchanged" else "2.5")
        if node.change == "removed":
            attrs["style"] = "rounded,filled,dashed"
    return attrs


def back_edges(view: View) -> set[tuple[str, str]]:
    """The (source, target) pairs that go back in a depth-first walk from the initial states.

    They are drawn without ranking the target after the source, so ranks follow the spec's story
    (register, then use, then reset) instead of being pulled apart by every way back.
    """
    successors: dict[str, list[str]] = {n.name: [] for n in view.nodes}
    for arrow in view.arrows:
        for source in arrow.sources:
            successors[source].append(arrow.target)
    back: set[tuple[str, str]] = set()
    done: set[str] = set()
    roots = [n.name for n in view.nodes if n.initial] + [n.name for n in view.nodes]
    for root in roots:
        if root in done:
            continue
        stack, on_stack = [(root, iter(successors[root]))], {root}
        done.add(root)
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                on_stack.discard(node)
            elif child in on_stack:
                back.add((node, child))
            elif child not in done:
                done.add(child)
                on_stack.add(child)
                stack.append((child, iter(successors[child])))
    return back


def _arrow_edges(
    graph: graphviz.Digraph, arrow: Arrow, keys: dict[str, ChannelKey], back: set[tuple[str, str]]
) -> None:
    tooltip = _graphviz().escape(arrow.tooltip)
    colour = GREY if arrow.missed else _colour(arrow.channels, keys)
    base = {"color": colour, "tooltip": tooltip, "labeltooltip": tooltip}
    if arrow.expiry:
        base["style"] = "dashed"
    if arrow.change is not None:  # a diff diagram: the change's colour instead of the channel's
        base["color"] = CHANGES[arrow.change][0]
        base["penwidth"] = "1" if arrow.change == "unchanged" else "2.5"
    numbers = tuple(n for n, _ in arrow.steps)
    label = _edge_label(arrow.label, _text_colour(arrow.channels, keys), numbers, arrow.missed)
    fired = {source for _, source in arrow.steps}
    on_path = {"color": PATH, "penwidth": "3"}
    forward = [s for s in arrow.sources if (s, arrow.target) not in back]
    if len(arrow.sources) == 1:
        edge = {**base, **(on_path if fired else {})}
        if forward:
            graph.edge(arrow.sources[0], arrow.target, label=label, id=f"t-{arrow.transition}", **edge)
        else:  # a way back: declared target -> source so that it ranks like the walk, drawn pointing back
            edge.update(dir="back", arrowtail="normal")
            graph.edge(arrow.target, arrow.sources[0], label=label, id=f"t-{arrow.transition}", **edge)
        return
    junction = f"_join_{arrow.transition}"
    dot_colour = colour.split(":")[0]
    graph.node(
        junction,
        shape="point",
        width="0.08",
        style="filled",
        color=dot_colour,
        fillcolor=dot_colour,
        tooltip=tooltip,
        label="",
    )
    for source in arrow.sources:
        edge = {**base, **(on_path if source in fired else {}), "dir": "none", "id": f"t-{arrow.transition}-{source}"}
        if source in forward:
            graph.edge(source, junction, **edge)
        else:  # declared junction -> source: ranked like the walk (the segment has no arrowhead)
            graph.edge(junction, source, **edge)
    extra = on_path if fired else {}
    if forward:
        graph.edge(junction, arrow.target, label=label, id=f"t-{arrow.transition}", **{**base, **extra})
    else:  # every source is a way back: keep the junction next to the target, drawn pointing at it
        edge = {**base, **extra, "dir": "back", "arrowtail": "normal"}
        graph.edge(arrow.target, junction, label=label, id=f"t-{arrow.transition}", **edge)


def _shared_box(graph: graphviz.Digraph, view: View, keys: dict[str, ChannelKey]) -> None:
    head = '<TR><TD ALIGN="LEFT"><B>In every state</B> (internal transitions)</TD></TR>'
    rows = [head, "<HR/>", *(_row_cell(r, keys, suffix=f"in {r.where}") for r in view.shared)]
    label = f"<{_table(rows)}>"
    tooltip = "\n\n".join(r.tooltip for r in view.shared)
    graph.node(
        "_every_state",
        label=label,
        shape="note",
        style="filled",
        fillcolor="#FAFAFA",
        color="#909090",
        tooltip=_graphviz().escape(tooltip),
        id="every-state",
    )


def to_dot(view: View) -> str:
    """The DOT source of ``view``: the same view gives the same text."""
    keys = {k.name: k for k in view.channels}
    graph = _graphviz().Digraph(view.name)
    graph.attr(
        rankdir="TB",
        newrank="true",
        fontname=FONT,
        nodesep="0.35",
        ranksep="0.7",
        pad="0.2",
        label=_legend(view, keys),
        labelloc="b",
        labeljust="l",
        tooltip=_graphviz().escape(view.title),
    )
    graph.attr("node", shape="box", style="rounded,filled", fillcolor="white", fontname=FONT, margin="0.08,0.04")
    graph.attr("edge", fontname=FONT, fontsize="9", arrowsize="0.7")
    cluster_style = {"style": "rounded,filled", "fillcolor": CLUSTER_FILL, "color": "#C4CAD6", "fontcolor": "#5A6275"}
    clusters = {
        group: _graphviz().Digraph(
            f"cluster_{group}",
            graph_attr={**cluster_style, "label": group, "fontsize": "11", "labeljust": "l", "tooltip": group},
        )
        for group in view.groups
    }
    for node in view.nodes:
        where = clusters[node.group] if node.group else graph
        where.node(node.name, label=_node_label(node, keys), **_node_attrs(node))
        if node.initial:
            start = f"_start_{node.name}"
            where.node(
                start,
                shape="point",
                width="0.13",
                style="filled",
                fillcolor="black",
                label="",
                tooltip=f"initial state: {node.name}",
            )
            where.edge(start, node.name, id=f"initial-{node.name}", tooltip=f"initial state: {node.name}")
    for cluster in clusters.values():
        graph.subgraph(cluster)
    back = back_edges(view)
    for arrow in view.arrows:
        _arrow_edges(graph, arrow, keys, back)
    if view.shared:
        _shared_box(graph, view, keys)
    source: str = graph.source
    return source


# --- rendering -------------------------------------------------------------------------------------
_COMMENT = re.compile(rb"<!--.*?-->\n?", re.DOTALL)


def render(source: str, fmt: Literal["svg", "png"]) -> bytes:
    """Render DOT ``source`` with Graphviz's ``dot``, stamped with the source's hash."""
    data: bytes = _graphviz().pipe("dot", fmt, source.encode("utf-8"))
    digest = dot_hash(source)
    if fmt == "svg":
        data = _COMMENT.sub(b"", data)
        at = data.index(b"<svg")
        return data[:at] + f"<!-- {HASH_KEY}: {digest} -->\n".encode() + data[at:]
    return _png_with_text(data, HASH_KEY, digest)


def svg_source_hash(data: bytes) -> str | None:
    """The DOT hash an SVG written by :func:`render` records, or None."""
    match = re.search(rb"<!-- " + HASH_KEY.encode() + rb": ([0-9a-f]{64}) -->", data)
    return match.group(1).decode() if match else None


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_with_text(png: bytes, key: str, value: str) -> bytes:
    """``png`` with a ``tEXt`` chunk ``key=value`` right after its header chunk."""
    payload = key.encode("latin-1") + b"\0" + value.encode("latin-1")
    chunk = struct.pack(">I", len(payload)) + b"tEXt" + payload
    chunk += struct.pack(">I", zlib.crc32(b"tEXt" + payload) & 0xFFFFFFFF)
    header_end = len(_PNG_SIGNATURE) + 8 + 13 + 4  # length, type, IHDR data, CRC
    return png[:header_end] + chunk + png[header_end:]


def png_source_hash(data: bytes) -> str | None:
    """The DOT hash a PNG written by :func:`render` records, or None (not a PNG, or no such chunk)."""
    if not data.startswith(_PNG_SIGNATURE):
        return None
    at = len(_PNG_SIGNATURE)
    while at + 8 <= len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        if kind == b"tEXt" and body.startswith(HASH_KEY.encode() + b"\0"):
            return body[len(HASH_KEY) + 1 :].decode("latin-1")
        if kind == b"IDAT":
            return None
        at += 12 + length
    return None
