"""A spec drawn in one format, in memory: what the API's ``render_diagram`` and the main job's
report show (``credlab diagram`` writes and checks files: :mod:`.diagram_files`)."""

from __future__ import annotations

from typing import Literal

from credlab.model import ir
from credlab.model.errors import UsageError
from credlab.simulator.analysis.check import Picture
from credlab.simulator.render.dot import INSTALL_HINT, dot_available, render, to_dot
from credlab.simulator.render.mermaid import to_mermaid
from credlab.simulator.render.view import Shading, build_view
from credlab.simulator.results import CoverageReport


def shading(coverage: CoverageReport, label: str = "scenarios") -> Shading:
    return Shading(
        label,
        frozenset(coverage.states.missed),
        frozenset(coverage.transitions.missed),
        coverage.summary(),
    )


def draw(
    spec: ir.Spec,
    fmt: Literal["dot", "svg", "png", "mmd"],
    *,
    focus: str | None = None,
    coverage: CoverageReport | None = None,
) -> bytes:
    view = build_view(spec, focus=focus, coverage=shading(coverage) if coverage is not None else None)
    if fmt == "mmd":
        return to_mermaid(view).encode("utf-8")
    dot = to_dot(view)
    if fmt == "dot":
        return dot.encode("utf-8")
    if not dot_available():
        raise UsageError(f"{fmt.upper()} needs Graphviz's dot. {INSTALL_HINT}")
    return render(dot, fmt)


def picture(spec: ir.Spec, coverage: CoverageReport) -> Picture:
    """The report's diagram: shaded by what the scenarios never exercised; SVG only with Graphviz."""
    view = build_view(spec, coverage=shading(coverage))
    svg = render(to_dot(view), "svg").decode("utf-8") if dot_available() else None
    return Picture(svg, to_mermaid(view), coverage.summary())
