"""The committed diagrams, rendered where reviewers see them: Mermaid by the official Mermaid CLI
(in a real Chromium, as GitHub renders it), Graphviz by ``dot``. In the pictures, every state and
every event must be named, and no box may sit on another (in Mermaid, no transition label on a
box either; two labels may still touch where dagre places the two ways between a pair of states
side by side, as in the TOTP drawing)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from credlab.model.loader import load_spec
from credlab.simulator.render.view import View, build_view
from tests.conftest import REPO

SPECS = sorted((REPO / "spec").glob("*.yaml"))
MMDC = Path(os.environ.get("CREDLAB_MMDC", REPO / "build" / "mermaid" / "node_modules" / ".bin" / "mmdc"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
Box = tuple[float, float, float, float]


def names_in(view: View) -> set[str]:
    """What the picture must name: every state, and every event it draws."""
    events = {a.label.event for a in view.arrows} | {r.label.event for r in view.shared}
    events |= {r.label.event for n in view.nodes for r in n.rows}
    return {n.name for n in view.nodes} | events


def _translate(element: ET.Element) -> tuple[float, float]:
    found = re.search(r"translate\(\s*([-\d.e]+)[ ,]+([-\d.e]+)\s*\)", element.get("transform", ""))
    return (float(found.group(1)), float(found.group(2))) if found else (0.0, 0.0)


def _shape_box(element: ET.Element) -> Box | None:
    """The local bounding box of the first rectangle, polygon or path inside ``element``."""
    for child in element.iter():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "rect" and child.get("width") and child.get("x") is not None:
            x, y = float(child.get("x", 0)), float(child.get("y", 0))
            return x, y, x + float(child.get("width", 0)), y + float(child.get("height", 0))
        numbers = child.get("points") if tag == "polygon" else child.get("d") if tag == "path" else None
        if numbers:
            values = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", numbers)]
            xs, ys = values[0::2], values[1::2]
            return min(xs), min(ys), max(xs), max(ys)
    return None


def boxes(svg: str) -> dict[str, Box]:
    """Every node's box in the page's coordinates (clusters, the composite states, excluded)."""
    found: dict[str, Box] = {}

    def walk(element: ET.Element, dx: float, dy: float) -> None:
        tx, ty = _translate(element)
        dx, dy = dx + tx, dy + ty
        classes = element.get("class", "").split()
        if "node" in classes:
            local = _shape_box(element)
            if local is not None:
                name = element.get("id", str(len(found)))
                found[name] = (local[0] + dx, local[1] + dy, local[2] + dx, local[3] + dy)
            return
        for child in element:
            walk(child, dx, dy)

    walk(ET.fromstring(svg), 0.0, 0.0)
    return found


def label_boxes(svg: str) -> dict[str, Box]:
    """Every non-empty transition label's box (Mermaid's ``edgeLabel`` groups) in the page's coordinates."""
    found: dict[str, Box] = {}

    def walk(element: ET.Element, dx: float, dy: float, inside: bool) -> None:
        tx, ty = _translate(element)
        dx, dy = dx + tx, dy + ty
        tag = element.tag.rsplit("}", 1)[-1]
        width = float(element.get("width", 0) or 0) if tag == "foreignObject" else 0.0
        if inside and width > 0:
            x, y = float(element.get("x", 0) or 0), float(element.get("y", 0) or 0)
            found[f"label-{len(found)}"] = (dx + x, dy + y, dx + x + width, dy + y + float(element.get("height", 0)))
            return
        inside = inside or "edgeLabel" in element.get("class", "").split()
        for child in element:
            walk(child, dx, dy, inside)

    walk(ET.fromstring(svg), 0.0, 0.0, False)
    return found


def _apart(a: Box, b: Box) -> bool:
    return not (min(a[2], b[2]) - max(a[0], b[0]) > 1 and min(a[3], b[3]) - max(a[1], b[1]) > 1)


def overlaps(found: dict[str, Box]) -> list[tuple[str, str]]:
    items = sorted(found.items())
    return [
        (a, b)
        for i, (a, (ax0, ay0, ax1, ay1)) in enumerate(items)
        for b, (bx0, by0, bx1, by1) in items[i + 1 :]
        if min(ax1, bx1) - max(ax0, bx0) > 1 and min(ay1, by1) - max(ay0, by0) > 1
    ]


def text_of(svg: str) -> str:
    return " ".join(" ".join(ET.fromstring(svg).itertext()).split())


@pytest.mark.skipif(not MMDC.exists() or CHROMIUM is None, reason="the Mermaid CLI and Chromium: `make mermaid`")
@pytest.mark.parametrize("spec_path", SPECS, ids=lambda p: p.stem)
def test_the_mermaid_picture_names_every_state_and_event_and_nothing_overlaps(spec_path: Path, tmp_path: Path) -> None:
    spec = load_spec(spec_path)
    config = tmp_path / "puppeteer.json"
    flags = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
    config.write_text(json.dumps({"executablePath": CHROMIUM, "args": [*flags, "--no-first-run"]}))
    out = tmp_path / f"{spec.name}.svg"
    source = REPO / "diagrams" / f"{spec.name}.mmd"
    subprocess.run(
        [str(MMDC), "-p", str(config), "-i", str(source), "-o", str(out)], check=True, timeout=180, capture_output=True
    )
    svg = out.read_text(encoding="utf-8")
    text = text_of(svg)
    missing = sorted(name for name in names_in(build_view(spec)) if not re.search(rf"\b{re.escape(name)}\b", text))
    assert not missing, f"{spec.name}.mmd rendered without {missing}"
    found = boxes(svg)
    drawn = {name for name in spec.states if any(re.fullmatch(rf".*-state-{name}-\d+", b) for b in found)}
    assert drawn == set(spec.states), sorted(found)  # a box per state
    assert not overlaps(found), overlaps(found)
    labels = label_boxes(svg)
    assert labels, "no transition label found: Mermaid's SVG changed shape"
    on_boxes = [(label, node) for label, a in labels.items() for node, b in found.items() if not _apart(a, b)]
    assert not on_boxes, on_boxes  # no label sits on a state, a note or a bar


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot")
@pytest.mark.parametrize("spec_path", SPECS, ids=lambda p: p.stem)
def test_the_graphviz_picture_names_every_state_and_event_and_nothing_overlaps(spec_path: Path) -> None:
    spec = load_spec(spec_path)
    source = (REPO / "diagrams" / f"{spec.name}.dot").read_text(encoding="utf-8")
    svg = subprocess.run(["dot", "-Tsvg"], input=source, capture_output=True, text=True, check=True).stdout
    svg = svg[svg.index("<svg") :]
    text = text_of(svg)
    missing = sorted(name for name in names_in(build_view(spec)) if not re.search(rf"\b{re.escape(name)}\b", text))
    assert not missing, f"{spec.name}.dot rendered without {missing}"
    found = boxes(svg)
    assert {n.name for n in build_view(spec).nodes} <= {
        e.text for e in ET.fromstring(svg).iter() if e.tag.endswith("title")
    }
    assert not overlaps(found), overlaps(found)
