"""The files ``credlab diagram`` writes and checks, as a typed :class:`DiagramFiles` result.

:func:`plan` decides the output files, :func:`write` writes them and :func:`check` compares them
with what is there; :func:`read_highlight` and :func:`read_coverage` read the overlay files and
check them against the spec; :func:`diagram_files` does the whole job.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, Literal

from credlab.model.errors import Location, Problem, SpecError
from credlab.model.ir import Spec
from credlab.model.jsonsrc import parse_json
from credlab.model.loader import load_spec
from credlab.model.node import node
from credlab.model.yamlsrc import read_text
from credlab.simulator.outputs import write_atomic
from credlab.simulator.render.diagram_formats import FORMATS, README, RENDERED, FileStatus
from credlab.simulator.render.dot import (
    dot_hash,
    png_source_hash,
    render,
    svg_source_hash,
    to_dot,
)
from credlab.simulator.render.mermaid import readme, to_mermaid
from credlab.simulator.render.view import Highlight, PathStep, Shading, build_view
from credlab.simulator.stories.trace import fired, fired_transitions, read_trace


# --- what to write -----------------------------------------------------------------------------------
@node
class Planned:
    """One output file. Rendered formats are produced on demand (``make``), since ``dot`` may be
    missing and a check of a PNG never needs it."""

    path: Path
    format: str
    spec: str | None
    make: Callable[[], bytes]
    dot: str | None = None
    """The DOT source an SVG or PNG is rendered from."""


def plan(
    specs: list[Spec],
    formats: tuple[str, ...],
    out: Path,
    *,
    focus: str | None = None,
    highlight: Path | None = None,
    coverage: Path | None = None,
    detail: str = "rules",
) -> list[Planned]:
    """Every file this run writes, in a stable order: per spec by format, then README.md."""
    planned: list[Planned] = []
    entries = []
    for spec in specs:
        drawn = read_highlight(highlight, spec) if highlight is not None else None
        shading = read_coverage(coverage, spec) if coverage is not None else None
        view = build_view(spec, focus=focus, highlight=drawn, coverage=shading, detail=detail)
        dot, mermaid = to_dot(view), to_mermaid(view)
        entries.append((view, mermaid))
        made: dict[str, Callable[[], bytes]] = {
            "dot": dot.encode,
            "mmd": mermaid.encode,
            "svg": partial(render, dot, "svg"),
            "png": partial(render, dot, "png"),
        }
        for fmt in formats:
            source = dot if fmt in RENDERED else None
            planned.append(Planned(out / f"{spec.name}.{fmt}", fmt, spec.name, made[fmt], source))
    planned.append(Planned(out / README, "md", None, readme(entries, formats).encode))
    return planned


def orphans(out: Path, specs: list[Spec]) -> list[Path]:
    """Diagram files in ``out`` that no spec produces (a spec was renamed or removed)."""
    names = {s.name for s in specs}
    found = [p for p in out.glob("*") if p.suffix[1:] in FORMATS and p.stem not in names] if out.is_dir() else []
    return sorted(found)


# --- overlay files: traces and coverage reports, checked against the spec ------------------------
def _locate(path: Path, text: str, needle: str) -> Location:
    """Where ``needle`` (a JSON string value) first appears in ``text``; the file's start if nowhere."""
    at = text.find(json.dumps(needle, ensure_ascii=False))
    if at < 0:
        return Location(str(path))
    line = text.count("\n", 0, at) + 1
    return Location(str(path), line, at - (text.rfind("\n", 0, at) + 1) + 1)


def read_highlight(path: Path, spec: Spec) -> Highlight:
    """The transitions a trace fired, each checked against ``spec``; a located error otherwise."""
    records = read_trace(path)
    lines = [n for n, line in enumerate(read_text(path, what="trace").splitlines(), start=1) if line.strip()]

    def fail(index: int, message: str) -> SpecError:
        return SpecError([Problem(Location(str(path), lines[index]), message)])

    start = records[0]
    if start.get("spec") not in (None, spec.name):
        raise fail(0, f"the trace is of spec '{start.get('spec')}', not '{spec.name}'")
    if start.get("state") not in spec.states:
        raise fail(0, f"the trace starts in state {start.get('state')!r}, which {spec.name} does not declare")
    line_of: dict[int, int] = {}
    for index, record in enumerate(records):
        if fired(record):
            fields = ("step", "transition", "source", "target")
            types = (int, str, str, str)
            if not all(isinstance(record.get(f), t) for f, t in zip(fields, types, strict=True)):
                raise fail(index, "a fired transition needs 'step' (a number), 'transition', 'source' and 'target'")
            line_of[record["step"]] = index
    by_id = {t.id: t for t in spec.transitions}
    steps = []
    for number, (trace_step, tid, source, target) in enumerate(fired_transitions(records), start=1):
        transition = by_id.get(tid)
        if transition is None:
            raise fail(line_of[trace_step], f"transition '{tid}' is not in spec {spec.name}")
        if source not in transition.sources_states or target != (transition.target or source):
            expected = f"from {', '.join(transition.sources_states)} to {transition.target or 'the same state'}"
            raise fail(line_of[trace_step], f"transition '{tid}' goes {expected}, not from {source} to {target}")
        steps.append(PathStep(number, trace_step, tid, source, target))
    return Highlight(str(path), str(start["state"]), tuple(steps))


def read_coverage(path: Path, spec: Spec) -> Shading:
    """A coverage report (``{"states": {...}, "transitions": {...}}``, maybe under ``"coverage"``)."""
    text = read_text(path, what="coverage")
    data: Any = parse_json(text, str(path), expected="a coverage report")
    if isinstance(data, dict) and "coverage" in data:
        data = data["coverage"]
    shape = '{"states": {"covered", "total", "missed"}, "transitions": {...}}'
    if not isinstance(data, dict) or not all(isinstance(data.get(k), dict) for k in ("states", "transitions")):
        raise SpecError([Problem(Location(str(path)), f"not a coverage report: expected {shape}")])
    missed: dict[str, frozenset[str]] = {}
    counts = []
    for part, known in (("states", set(spec.states)), ("transitions", {t.id for t in spec.transitions})):
        section = data[part]
        names, covered, total = section.get("missed"), section.get("covered"), section.get("total")
        if not (isinstance(names, list) and all(isinstance(n, str) for n in names)):
            raise SpecError([Problem(_locate(path, text, part), f"'{part}.missed' must be a list of names")])
        if not (isinstance(covered, int) and isinstance(total, int)):
            raise SpecError([Problem(_locate(path, text, part), f"'{part}.covered' and '.total' must be numbers")])
        unknown = [n for n in names if n not in known]
        if unknown:
            what = part[:-1]
            message = f"the {what} '{unknown[0]}' is not in spec {spec.name} (is this another spec's coverage?)"
            raise SpecError([Problem(_locate(path, text, unknown[0]), message)])
        missed[part] = frozenset(names)
        counts.append(f"{part} {covered}/{total}")
    return Shading(str(path), missed["states"], missed["transitions"], ", ".join(counts))


# --- writing and checking ------------------------------------------------------------------------------
@node
class DiagramFile:
    """One file and what writing or checking it found; ``reason`` explains all but written,
    unchanged and current."""

    path: str
    spec: str | None
    format: str
    status: FileStatus
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"path": self.path, "spec": self.spec, "format": self.format, "status": self.status}
        return {**entry, "reason": self.reason} if self.reason else entry


@node
class DiagramFiles:
    """``credlab diagram``: the files written (``mode`` write) or compared (``mode`` check)."""

    mode: Literal["write", "check"]
    dir: str
    graphviz: bool
    files: tuple[DiagramFile, ...]

    @property
    def ok(self) -> bool:
        """Checking: every file current (or unchecked, without Graphviz). Writing: none skipped."""
        if self.mode == "check":
            return all(f.status in ("current", "unchecked") for f in self.files)
        return not any(f.status == "skipped" for f in self.files)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "mode": self.mode,
            "dir": self.dir,
            "graphviz": self.graphviz,
            "files": [f.to_json() for f in self.files],
        }


def _entry(item: Planned, status: FileStatus, reason: str = "") -> DiagramFile:
    return DiagramFile(str(item.path), item.spec, item.format, status, reason)


def unexpected(path: Path) -> DiagramFile:
    return DiagramFile(
        str(path), None, path.suffix[1:], "unexpected", "no spec produces it; delete it if its spec is gone"
    )


def write(planned: list[Planned], graphviz: bool) -> list[DiagramFile]:
    """Write each planned file whose bytes changed. A PNG is rewritten only when the DOT it was
    rendered from changed, so another Graphviz build does not churn it."""
    results = []
    for item in planned:
        if item.format in RENDERED and not graphviz:
            results.append(_entry(item, "skipped", "Graphviz's dot is not installed"))
            continue
        old = item.path.read_bytes() if item.path.is_file() else None
        if item.format == "png" and old is not None and item.dot and png_source_hash(old) == dot_hash(item.dot):
            results.append(_entry(item, "unchanged"))
            continue
        data = item.make()
        if old == data:
            results.append(_entry(item, "unchanged"))
        else:
            write_atomic(item.path, data)
            results.append(_entry(item, "written"))
    return results


def _check_rendered(item: Planned, old: bytes, graphviz: bool) -> DiagramFile:
    assert item.dot is not None
    expected = dot_hash(item.dot)
    if item.format == "png":
        recorded = png_source_hash(old)
        if recorded == expected:
            return _entry(item, "current")
        why = "not a PNG written by credlab diagram" if recorded is None else "rendered from an older DOT source"
        return _entry(item, "stale", why)
    recorded = svg_source_hash(old)
    if recorded is None:
        return _entry(item, "stale", "not an SVG written by credlab diagram")
    if not graphviz:
        if recorded != expected:
            return _entry(item, "stale", "rendered from an older DOT source")
        return _entry(item, "unchecked", "rendered from the current DOT source, but not compared: no Graphviz dot")
    if item.make() == old:
        return _entry(item, "current")
    if recorded == expected:
        return _entry(item, "stale", "its DOT source is current, but this Graphviz draws it differently")
    return _entry(item, "stale", "differs from the SVG of the current DOT source")


def check(planned: list[Planned], graphviz: bool, extra: list[Path]) -> list[DiagramFile]:
    """Compare each planned file with the one on disk; nothing is written."""
    results = []
    for item in planned:
        if not item.path.is_file():
            results.append(_entry(item, "missing", "run credlab diagram to create it"))
            continue
        old = item.path.read_bytes()
        if item.format in RENDERED:
            results.append(_check_rendered(item, old, graphviz))
        elif item.make() == old:
            results.append(_entry(item, "current"))
        else:
            results.append(_entry(item, "stale", "differs from what the spec gives"))
    return results + [unexpected(path) for path in extra]


# --- loading ------------------------------------------------------------------------------------------
def load_specs(paths: list[Path]) -> list[Spec]:
    """Every spec, or one error listing every problem of every spec (two specs may not share a name:
    files are named after it)."""
    specs: list[Spec] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            spec = load_spec(path)
        except SpecError as error:
            problems += error.problems
            continue
        twin = next((s for s in specs if s.name == spec.name), None)
        if twin is not None:
            message = f"spec name '{spec.name}' is also the name of {twin.path}; diagram files are named after it"
            problems.append(Problem(Location(spec.path), message))
        specs.append(spec)
    if problems:
        raise SpecError(problems)
    return specs


def diagram_files(
    specs: list[Spec],
    out: Path,
    formats: tuple[str, ...],
    *,
    checking: bool,
    orphans_too: bool,
    focus: str | None = None,
    highlight: Path | None = None,
    coverage: Path | None = None,
    detail: str = "rules",
) -> DiagramFiles:
    """Write (or with ``checking``, compare) every diagram file of ``specs`` in ``out``; with
    ``orphans_too``, also report files in ``out`` that no spec produces."""
    from credlab.simulator.render.dot import dot_available

    planned = plan(specs, formats, out, focus=focus, highlight=highlight, coverage=coverage, detail=detail)
    graphviz = dot_available()
    extra = orphans(out, specs) if orphans_too else []
    if checking:
        found = check(planned, graphviz, extra)
    else:
        found = write(planned, graphviz) + [unexpected(path) for path in extra]
    return DiagramFiles("check" if checking else "write", str(out), graphviz, tuple(found))
