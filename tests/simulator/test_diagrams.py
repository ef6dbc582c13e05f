"""What the diagrams draw, read from the DOT and Mermaid text (never from pixels)."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import struct
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import graphviz  # type: ignore[import-untyped]
import pytest

from credlab.model.ir import Spec, Transition
from credlab.model.loader import load_spec
from credlab.simulator.render.dot import (
    GREY,
    LIFECYCLE_FILL,
    PALETTE,
    PATH,
    _png_with_text,
    back_edges,
    dot_hash,
    png_source_hash,
    render,
    svg_source_hash,
    to_dot,
)
from credlab.simulator.render.mermaid import KEYWORDS, mermaid_text, state_id, to_mermaid
from credlab.simulator.render.view import (
    MAX_GUARD_LINES,
    Highlight,
    PathStep,
    Shading,
    build_view,
    neighbourhood,
    transition_channels,
    transition_label,
)
from tests.conftest import REPO

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
MINIMAL = REPO / "tests" / "model" / "good_specs" / "minimal.yaml"


def dot_statement(dot: str, head: str) -> str:
    """The DOT statement that starts with ``head`` (a node name or ``a -> b``), up to its closing ``]``."""
    match = re.search(rf"^\t+{re.escape(head)} \[(.*?)\]\n(?=\t|\}})", dot, re.MULTILINE | re.DOTALL)
    assert match, f"no statement {head!r}"
    return match.group(1)


def edge_with_id(dot: str, element_id: str) -> str:
    """The whole DOT statement of the element with SVG ``id`` ``element_id``."""
    [statement] = [s for s in re.split(r"\n(?=\t|\})", dot) if f'id="{element_id}"' in s]
    return statement


def segment(dot: str, source: str, junction: str) -> str:
    """A source's segment into a junction, declared either way (ways back are declared reversed)."""
    forward = re.search(rf"^\t{source} -> {junction} \[", dot, re.MULTILINE)
    return dot_statement(dot, f"{source} -> {junction}" if forward else f"{junction} -> {source}")


def colour_of(spec: Spec, channel: str) -> str:
    return PALETTE[list(spec.channels).index(channel)]


# --- what is drawn ---------------------------------------------------------------------------------
def test_every_state_is_a_node_and_lifecycle_states_stand_out(ana: Spec) -> None:
    dot = to_dot(build_view(ana))
    for name, state in ana.states.items():
        attrs = dot_statement(dot, name)
        assert f'id="state-{name}"' in attrs and f"<B>{name}</B>" in attrs
        assert (f'fillcolor="{LIFECYCLE_FILL}"' in attrs) == state.lifecycle
        assert ("penwidth=2.5" in attrs) == state.lifecycle


def test_initial_states_are_marked_with_a_dot(ana: Spec) -> None:
    dot = to_dot(build_view(ana))
    for name in ana.states:
        marked = f"_start_{name} -> {name}" in dot
        assert marked == (name in ana.initial)
    assert set(re.findall(r"\[\*\] --> (\w+)", to_mermaid(build_view(ana)))) == set(ana.initial)


def test_every_transition_is_drawn_once_as_an_arrow_a_row_or_in_the_every_state_box(ana: Spec) -> None:
    view = build_view(ana)
    drawn = [a.transition for a in view.arrows] + [r.transition for r in view.shared]
    drawn += list(dict.fromkeys(r.transition for n in view.nodes for r in n.rows))
    assert sorted(drawn) == sorted(t.id for t in ana.transitions)
    dot = to_dot(view)
    for arrow in view.arrows:
        assert f'id="t-{arrow.transition}"' in dot
    shared = {"authenticate_at_service_desk", "link_expires_elsewhere", "pin_postcard_arrives"}
    assert {r.transition for r in view.shared} == shared  # the postcard may arrive wherever the member is


def test_a_transition_from_several_states_meets_in_a_junction_with_one_label(ana: Spec) -> None:
    dot = to_dot(build_view(ana))
    junction = "_join_request_email_reset"
    for source in ("unregistered", "web_password_set", "pin_randomized"):
        assert re.search(rf"\t{source} -> {junction} \[|\t{junction} -> {source} \[", dot)
    assert dot.count("<B>request_email_reset</B>") == 1


def test_labels_show_event_guards_and_effects_in_short_form(ana: Spec) -> None:
    dot = to_dot(build_view(ana, detail="full"))
    label = dot_statement(dot, "registration_screen -> web_password_set")
    assert "<B>register</B>" in label
    assert "[pin matches amc_pin" in label and "new_password satisfies web_password]" in label
    assert "/ web_password := new_password" in label and "clear pin_change_offered" in label


def test_by_default_a_label_names_its_rule_and_the_tooltip_keeps_the_guards(ana: Spec) -> None:
    """A legible drawing: the event and the rule's id; hovering shows the guards and effects."""
    dot = to_dot(build_view(ana))
    label = dot_statement(dot, "registration_screen -> web_password_set")
    assert "<B>register</B>" in label and "<I>register_web_password</I>" in label
    assert "pin matches amc_pin" not in label.split("tooltip=")[0] and "pin matches amc_pin" in label
    assert "a transition by its rule" in dot  # the legend says how to read it
    events = to_dot(build_view(ana, detail="events"))
    assert "register_web_password</I>" not in dot_statement(events, "registration_screen -> web_password_set")
    mermaid = to_mermaid(build_view(ana))
    assert "registration_screen --> web_password_set : register (register_web_password)" in mermaid


def test_long_guard_lists_are_shortened_and_the_tooltip_keeps_them_whole(ana: Spec) -> None:
    transition = next(t for t in ana.transitions if t.id == "reset_to_registered")
    label = transition_label(ana, transition)
    assert len(label.guards) <= MAX_GUARD_LINES
    fields = {name: getattr(transition, name) for name in transition.__slots__}
    short = transition_label(ana, Transition(**{**fields, "guards": transition.guards * 2}))
    assert len(short.guards) == MAX_GUARD_LINES and short.guards[-1].startswith("… ")


def test_deadline_expiries_are_dashed_and_say_duration_and_boundary(ana: Spec) -> None:
    view = build_view(ana)
    dot = to_dot(view)
    expiries = [a for a in view.arrows if a.label.event == "reset_link_expired"]
    assert expiries and all(a.expiry for a in expiries)
    for arrow in view.arrows:
        assert ("style=dashed" in edge_with_id(dot, f"t-{arrow.transition}")) == arrow.expiry, arrow.transition
    assert dot.count("after reset_link: 2h (reset_link_ttl), exclusive") >= 3
    assert "deadline expiry: <I>reset_link: 2h (reset_link_ttl), exclusive</I>" in dot  # the legend


def test_channels_come_from_guards_and_sent_messages(ana: Spec) -> None:
    channels = {t.id: transition_channels(ana, t) for t in ana.transitions}
    assert channels["authenticate_at_service_desk"] == ("call_centre", "kiosk")  # a channel input's values
    assert channels["login_with_web_password"] == ("web",)  # authenticates on web
    assert channels["request_email_reset"] == ("email",)  # sends reset_email via email
    assert channels["request_postcard_reset"] == ("post",)
    assert channels["log_out_before_registering"] == ()


def test_channels_are_coloured_and_the_legend_names_them(ana: Spec) -> None:
    dot = to_dot(build_view(ana))
    assert f'color="{colour_of(ana, "email")}"' in dot_statement(dot, "_join_request_email_reset -> reset_pending")
    for channel in ana.channels.values():
        assert f"<B>{channel.name}</B> ({channel.kind})" in dot
    assert "lifecycle state (the user's)" in dot and "initial state" in dot


def test_tooltips_quote_the_policy_text_and_name_the_rules(ana: Spec) -> None:
    view = build_view(ana)
    arrow = next(a for a in view.arrows if a.transition == "link_expires_registered")
    assert "transition link_expires_registered (event reset_link_expired)" in arrow.tooltip
    assert f"url_expires: “{ana.sources['url_expires'].quote}”" in arrow.tooltip
    assert "assumes: link_expiry_boundary" in arrow.tooltip
    node = view.node("reset_pending")
    assert ana.states["reset_pending"].description in node.tooltip
    assert ana.sources["email_reset_request"].quote in node.tooltip
    change_pin = view.node("registration_screen").tooltip  # a state's box also explains its internal transitions
    assert "transition change_mailed_pin" in change_pin and ana.sources["postcard_pin_change"].quote in change_pin
    dot = to_dot(view)
    assert ana.sources["url_expires"].quote in dot_statement(dot, "_join_link_expires_registered")


def test_groups_are_clusters(ana: Spec) -> None:
    dot = to_dot(build_view(ana))
    for group in ("registration", "reset"):
        body = re.search(rf"subgraph cluster_{group} \{{(.*?)\n\t\}}", dot, re.DOTALL)
        assert body, group
        members = {name for name, s in ana.states.items() if s.group == group}
        assert members == {name for name in ana.states if re.search(rf"^\t\t{name} \[", body.group(1), re.MULTILINE)}


def test_focus_draws_a_state_its_predecessors_and_successors(ana: Spec) -> None:
    view = build_view(ana, focus="reset_form")
    assert {n.name for n in view.nodes} == neighbourhood(ana, "reset_form")
    assert {n.name for n in view.nodes} == {"reset_form", "reset_pending", "unregistered", "web_password_set"}
    assert all("reset_form" in a.sources or a.target == "reset_form" for a in view.arrows)
    assert [n.name for n in view.nodes if n.focus] == ["reset_form"]
    dot = to_dot(view)
    assert "peripheries=2" in dot_statement(dot, "reset_form") and "neighbourhood of <B>reset_form</B>" in dot
    assert "class reset_form focus" in to_mermaid(view)


def _path(*steps: tuple[str, str, str]) -> Highlight:
    return Highlight("run.jsonl", steps[0][1], tuple(PathStep(i, i, *s) for i, s in enumerate(steps, start=1)))


def test_highlight_numbers_the_path_in_order(ana: Spec) -> None:
    highlight = _path(
        ("login_shows_registration_screen", "unregistered", "registration_screen"),
        ("register_web_password", "registration_screen", "web_password_set"),
        ("login_with_web_password", "web_password_set", "web_password_set"),
        ("request_email_reset", "web_password_set", "reset_pending"),
    )
    view = build_view(ana, highlight=highlight)
    dot = to_dot(view)
    assert f'<FONT COLOR="{PATH}"><B>1.</B></FONT>' in dot_statement(
        dot, "_join_login_shows_registration_screen -> registration_screen"
    )
    fired = segment(dot, "unregistered", "_join_login_shows_registration_screen")
    assert f'color="{PATH}"' in fired and "penwidth=3" in fired
    assert f'color="{PATH}"' not in segment(dot, "pin_randomized", "_join_login_shows_registration_screen")
    assert "<B>2.</B>" in dot_statement(dot, "registration_screen -> web_password_set")
    assert "<B>3.</B>" in dot_statement(dot, "web_password_set")  # an internal transition: a row in the box
    assert [n.name for n in view.nodes if n.visited] == [
        "unregistered",
        "registration_screen",
        "web_password_set",
        "reset_pending",
    ]
    mermaid = to_mermaid(view)
    join = re.search(r"    unregistered --> (login_shows_registration_screen_join_\d+) : 1\.", mermaid)
    assert join and f"{join.group(1)} --> registration_screen : 1. login via web" in mermaid
    assert re.search(r"    web_password_set --> request_email_reset_join_\d+ : 4\.", mermaid)
    assert "path of run.jsonl" in dot


def test_coverage_greys_out_what_was_never_exercised(ana: Spec) -> None:
    coverage = Shading("cov.json", frozenset({"reset_form"}), frozenset({"open_reset_link"}), "states 7/8")
    view = build_view(ana, coverage=coverage)
    dot = to_dot(view)
    missed_state = dot_statement(dot, "reset_form")
    assert f'color="{GREY}"' in missed_state and "dashed" in missed_state
    assert f'color="{GREY}"' in dot_statement(dot, "_join_open_reset_link -> reset_form")
    assert f'color="{GREY}"' not in dot_statement(dot, "reset_pending")
    assert "never exercised in cov.json (states 7/8)" in dot
    mermaid = to_mermaid(view)
    assert "class reset_form missed" in mermaid
    assert re.search(r"_join_\d+ --> reset_form : \(never run\) open_reset_link", mermaid)


# --- Mermaid is valid stateDiagram-v2 ----------------------------------------------------------------
_ID = r"[A-Za-z_][A-Za-z0-9_]*"
_STATEMENTS = [
    r"stateDiagram-v2",
    r"    direction TB",
    r"    %% .*",
    rf"    classDef {_ID} [^\n]+",
    rf'    (    )?state "[^"]+" as {_ID}',
    rf"    (    )?{_ID} : [^:;\n]+",
    rf"    \[\*\] --> {_ID}",
    rf"    {_ID} --> \[\*\]",
    rf"    {_ID} --> {_ID} : [^:;\n]+",
    rf"    {_ID} --> {_ID}",
    rf"    class {_ID}(, {_ID})* {_ID}",
    rf"    note (left|right) of {_ID}",
    rf"    state {_ID} <<join>>",
    rf'    state ({_ID}|"[^"]+" as {_ID}) \{{',
    r"    \}",
]


def assert_valid_mermaid(text: str) -> None:
    """Each line is a stateDiagram-v2 statement Mermaid's grammar accepts, with safe labels."""
    lines = text.splitlines()
    assert lines[0] == "stateDiagram-v2"
    in_note = False
    for line in lines:
        if in_note:
            in_note = line != "    end note"
            assert "end note" not in line or line == "    end note"
            continue
        assert any(re.fullmatch(p, line) for p in _STATEMENTS), f"not a Mermaid statement: {line!r}"
        in_note = line.startswith("    note ")
        if " : " in line:
            label = line.split(" : ", 1)[1]
            assert "%%" not in label and not re.search(r"direction\s+(tb|bt|rl|lr)", label, re.IGNORECASE)
        for word in re.findall(rf"^ +({_ID}) (?:-->|:)|--> ({_ID})", line):
            assert not {w.lower() for w in word if w} & KEYWORDS, line
    assert not in_note, "a note is not closed"


def test_the_mermaid_text_is_valid_state_diagram_syntax(ana: Spec) -> None:
    assert_valid_mermaid(to_mermaid(build_view(ana)))
    highlight = _path(("log_out_before_registering", "logged_in_with_pin", "unregistered"))
    coverage = Shading("c.json", frozenset({"reset_form"}), frozenset({"open_reset_link"}), "")
    assert_valid_mermaid(to_mermaid(build_view(ana, highlight=highlight, coverage=coverage)))
    assert_valid_mermaid(to_mermaid(build_view(ana, focus="registration_screen")))


def test_mermaid_labels_lose_the_characters_that_end_or_change_them() -> None:
    assert mermaid_text("a := b: c; d {e} %% f\n g") == "a ← b c, d (e)  percent percent f g"
    assert mermaid_text("x >= 3 <tag> #1") == "x ≥ 3 ‹tag› no. 1"
    assert "direction TB" not in mermaid_text("the direction TB of travel")
    assert state_id("note") == "note_state" and state_id("unregistered") == "unregistered"


def test_states_named_like_mermaid_keywords_get_another_id(tmp_path: Path) -> None:
    text = re.sub(r"\bblocked\b", "note", MINIMAL.read_text(encoding="utf-8")).replace("active", "state")
    path = tmp_path / "keywords.yaml"
    path.write_text(text, encoding="utf-8")
    mermaid = to_mermaid(build_view(load_spec(path)))
    assert 'state "note" as note_state' in mermaid and 'state "state" as state_state' in mermaid
    assert "state_state --> note_state : report_lost" in mermaid
    assert_valid_mermaid(mermaid)


# --- layout and bytes --------------------------------------------------------------------------------
def test_back_edges_follow_a_walk_from_the_initial_states(ana: Spec) -> None:
    back = back_edges(build_view(ana))
    assert ("registration_screen", "web_password_set") not in back  # the story goes forward
    assert ("reset_form", "reset_pending") in back  # log_out of the reset form goes back


def test_the_same_spec_gives_the_same_dot_and_mermaid(ana: Spec) -> None:
    again = load_spec(REPO / "spec" / "ana_web_password.yaml")
    assert to_dot(build_view(ana)) == to_dot(build_view(again))
    assert to_mermaid(build_view(ana)) == to_mermaid(build_view(again))


@needs_dot
def test_svg_is_stable_valid_xml_with_tooltips_and_no_graphviz_comments(ana: Spec) -> None:
    dot = to_dot(build_view(ana))
    svg = render(dot, "svg")
    assert svg == render(dot, "svg")
    assert b"Generated by graphviz" not in svg and b"<!-- Title" not in svg
    assert svg_source_hash(svg) == dot_hash(dot)
    root = ET.fromstring(svg)
    titles = {el.text for el in root.iter("{http://www.w3.org/2000/svg}title")}
    assert set(ana.states) <= titles
    tooltips = [el.get("{http://www.w3.org/1999/xlink}title", "") for el in root.iter()]
    assert any(ana.sources["url_expires"].quote in t for t in tooltips)
    assert any("transition open_reset_link" in t for t in tooltips)


@needs_dot
def test_no_label_overlaps_another_label_or_a_state_at_the_ana_spec_size(ana: Spec) -> None:
    layout = json.loads(graphviz.pipe("dot", "json", to_dot(build_view(ana)).encode()))

    def text_box(ops: list[dict[str, object]]) -> tuple[float, float, float, float]:
        size, boxes = 14.0, []
        for op in ops:
            if op["op"] == "F":
                size = float(op["size"])  # type: ignore[arg-type]
            if op["op"] == "T":
                x, y = op["pt"]  # type: ignore[misc]
                width = float(op["width"])  # type: ignore[arg-type]
                left = {"l": x, "c": x - width / 2, "r": x - width}[str(op["align"])]
                boxes.append((left, y - 0.25 * size, left + width, y + 0.8 * size))
        return min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)

    boxes = [(f"label of {e['id']}", text_box(e["_ldraw_"])) for e in layout["edges"] if "_ldraw_" in e]
    for obj in layout["objects"]:
        if "pos" in obj and float(obj.get("width", 0)) > 0.2:
            x, y = map(float, obj["pos"].split(","))
            w, h = float(obj["width"]) * 36, float(obj["height"]) * 36
            boxes.append((f"state {obj['name']}", (x - w, y - h, x + w, y + h)))
    assert len(boxes) > 20
    overlaps = [
        (a, b)
        for (a, p), (b, q) in itertools.combinations(boxes, 2)
        if p[0] < q[2] and q[0] < p[2] and p[1] < q[3] and q[1] < p[3]
    ]
    assert overlaps == []


def test_a_png_records_the_dot_source_it_was_rendered_from() -> None:
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    chunk = struct.pack(">I", 13) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    png = b"\x89PNG\r\n\x1a\n" + chunk + struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))
    stamped = _png_with_text(png, "credlab-dot-sha256", "ab" * 32)
    assert png_source_hash(stamped) == "ab" * 32
    assert png_source_hash(png) is None and png_source_hash(b"not a png") is None
    at = 8 + 25  # the stamp follows the header chunk, with a valid CRC
    (length,) = struct.unpack(">I", stamped[at : at + 4])
    body = stamped[at + 4 : at + 8 + length]
    assert struct.unpack(">I", stamped[at + 8 + length : at + 12 + length])[0] == zlib.crc32(body)


@needs_dot
def test_a_rendered_png_carries_the_stamp(ana: Spec) -> None:
    dot = to_dot(build_view(ana))
    png = render(dot, "png")
    assert png.startswith(b"\x89PNG") and png_source_hash(png) == dot_hash(dot)


def test_a_session_screens_tooltip_says_only_whoever_reached_it_acts_there(ana: Spec) -> None:
    from credlab.simulator.render.view import state_tooltip

    marked = {name for name, state in ana.states.items() if "session: only whoever" in state_tooltip(ana, state)}
    assert marked == {"logged_in_with_pin", "first_time_information", "registration_screen", "reset_form"}


def test_session_screens_are_marked_under_their_name_and_in_the_legend(ana: Spec) -> None:
    from credlab.simulator.render.dot import to_dot
    from credlab.simulator.render.view import build_view

    dot = to_dot(build_view(ana))
    screens = [name for name, state in ana.states.items() if state.session]
    assert dot.count("<I>session</I>") == len(screens) + 1  # each screen, and the legend's sample
    assert "a screen only whoever reached it acts on" in dot


def test_transitions_that_say_the_same_from_other_states_are_one_arrow(ana: Spec) -> None:
    """Two rules with the same event, guards, effects and target meet in one junction, one label
    naming both rules (a reviewer reads the label once)."""
    from credlab.model.node import replace

    first = next(t for t in ana.transitions if t.id == "log_out_before_registering")
    twin = replace(first, id="log_out_from_the_website", sources_states=("web_password_set",))
    view = build_view(replace(ana, transitions=(*ana.transitions, twin)))
    merged = [a for a in view.arrows if "log_out_before_registering" in (a.label.rule or "")]
    assert len(merged) == 1, merged
    assert merged[0].sources == ("logged_in_with_pin", "web_password_set")
    assert merged[0].label.rule == "log_out_before_registering, log_out_from_the_website"
    assert "transition log_out_from_the_website" in merged[0].tooltip
