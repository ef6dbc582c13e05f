"""The report's population section: members following the spec's behaviour profile over a year
(``credlab population``), every outcome with its 95% interval, and for each parameter the
profile sweeps, how the share of members who lose online access and the days they spend without
it change with it — line charts with their confidence bands, drawn as inline SVG (deterministic
bytes, no plotting library)."""

from __future__ import annotations

from typing import Any

from credlab.simulator.render.report_sections import esc, table

CHARTED = (
    ("lost_online_access", "Share of members who lose online access", True),
    ("days_without_online_access", "Days without online access, per member", False),
)
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 340, 170, 44, 28, 10


def population(spec: dict[str, Any]) -> str:
    study = spec.get("population")
    if not study:
        return (
            "<p>No behaviour profile names this spec (a YAML file in <code>examples/profiles/</code> with "
            "<code>spec: "
            + esc(spec["name"])
            + "</code> and a <code>report:</code> plan); <code>credlab population</code> explains.</p>"
        )
    oracle = study["oracle"]
    agree = not oracle["disagreements"]
    intro = (
        f"<p>{study['members']:,} members following <code>{esc(study['profile'])}</code> over "
        f"{esc(study['horizon'])} (seed {study['seed']}), on the spec's own rules and clock. Each figure has "
        "its 95% confidence interval. The profile's figures are assumptions: the chart shows what follows "
        f"from them. {oracle['members']} members were replayed with real secrets at their real instants on the "
        "transitions machine and the reference engine: "
        + ("they agree." if agree else f"<strong>{len(oracle['disagreements'])} disagree (a credlab bug)</strong>.")
        + "</p>"
    )
    solved = (study.get("exact") or {}).get("values") or {}
    rows = [
        ("", _row(name, o, study["what"].get(name, "")) + ([_exact(solved.get(name))] if solved else []))
        for name, o in study["outcomes"].items()
        if o["n"]
    ]
    charts = "".join(_charts(parameter, rows_of) for parameter, rows_of in _by_parameter(study["sweep"]).items())
    charts += _grid_charts(study.get("grid") or [])
    headers = ["outcome", "estimate", "95% interval", "n"] + (["exact"] if solved else [])
    return intro + table(headers, rows, "population") + charts


def _exact(value: float | None) -> str:
    return "" if value is None else esc(_number(value))


def _row(name: str, outcome: dict[str, Any], what: str) -> list[str]:
    low, high = outcome["ci95"]
    return [
        f'<code>{esc(name)}</code><br><span class="small">{esc(what)}</span>',
        esc(_number(outcome["estimate"])),
        f"{esc(_number(low))} – {esc(_number(high))}",
        str(outcome["n"]),
    ]


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def _by_parameter(sweep: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in sweep:
        grouped.setdefault(row["parameter"], []).append(row)
    return grouped


def _charts(parameter: str, rows: list[dict[str, Any]]) -> str:
    labels = [r["value"] for r in rows]
    figures = "".join(
        _chart(f"{title} by {parameter}", labels, [("", [r["outcomes"][key] for r in rows])], percent)
        for key, title, percent in CHARTED
    )
    return f'<h4>Varying <code>{esc(parameter)}</code></h4><div class="charts">{figures}</div>'


def _grid_charts(grid: list[dict[str, Any]]) -> str:
    """Two parameters swept together: the first along the axis, a line per value of the second."""
    if not grid:
        return ""
    first, second = list(grid[0]["values"])
    labels = list(dict.fromkeys(row["values"][first] for row in grid))
    lines = list(dict.fromkeys(row["values"][second] for row in grid))
    at = {(row["values"][first], row["values"][second]): row["outcomes"] for row in grid}
    figures = "".join(
        _chart(
            f"{title} by {first}, a line per {second}",
            labels,
            [(f"{second}={line}", [at[(label, line)][key] for label in labels]) for line in lines],
            percent,
        )
        for key, title, percent in CHARTED
    )
    heading = f"<h4>Varying <code>{esc(first)}</code> and <code>{esc(second)}</code> together</h4>"
    return f'{heading}<div class="charts">{figures}</div>'


COLOURS = ("#0969da", "#bf3989", "#1a7f37", "#9a6700", "#8250df", "#cf222e")


def _chart(title: str, labels: list[str], series: list[tuple[str, list[dict[str, Any]]]], percent: bool) -> str:
    """Estimates joined by a line over their interval band, a line per series (named in a key when
    there are several); one labelled point per value."""
    scale = 100 if percent else 1
    top = max((p["ci95"][1] for _, points in series for p in points), default=0) * scale or 1
    plot_w, plot_h = WIDTH - LEFT - 10, HEIGHT - BOTTOM - TOP

    def x(i: int) -> float:
        return LEFT + (plot_w * (i + 0.5) / len(labels))

    def y(value: float) -> float:
        return TOP + plot_h - plot_h * value * scale / (top * 1.1)

    unit = "%" if percent else ""
    parts = [
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - 10}" y2="{TOP + plot_h}" stroke="#57606a"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#57606a"/>',
    ]
    for tick in (0.0, top / 2, top):
        parts.append(
            f'<text x="{LEFT - 4}" y="{y(tick / scale) + 3:.1f}" font-size="9" text-anchor="end">'
            f"{_number(tick)}{unit}</text>"
        )
    for n, (name, points) in enumerate(series):
        colour = COLOURS[n % len(COLOURS)]
        band = [f"{x(i):.1f},{y(p['ci95'][1]):.1f}" for i, p in enumerate(points)]
        band += [f"{x(i):.1f},{y(p['ci95'][0]):.1f}" for i, p in reversed(list(enumerate(points)))]
        line = " ".join(f"{x(i):.1f},{y(p['estimate']):.1f}" for i, p in enumerate(points))
        parts.append(f'<polygon points="{" ".join(band)}" fill="{colour}" fill-opacity="0.15"/>')
        parts.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for i, (label, p) in enumerate(zip(labels, points, strict=True)):
            low, high = p["ci95"][0] * scale, p["ci95"][1] * scale
            named = f"{label}, {name}" if name else label
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(p["estimate"]):.1f}" r="3" fill="{colour}"><title>{esc(named)}: '
                f"{_number(p['estimate'] * scale)}{unit} (95%: {_number(low)}–{_number(high)}{unit})</title></circle>"
            )
        if len(series) > 1:
            parts.append(
                f'<text x="{WIDTH - 12}" y="{TOP + 10 + 11 * n}" font-size="9" text-anchor="end" '
                f'fill="{colour}">{esc(name)}</text>'
            )
    for i, label in enumerate(labels):
        parts.append(f'<text x="{x(i):.1f}" y="{HEIGHT - 12}" font-size="9" text-anchor="middle">{esc(label)}</text>')
    return (
        f'<figure class="chart"><svg role="img" aria-label="{esc(title)}" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}">{"".join(parts)}</svg><figcaption>{esc(title)}</figcaption></figure>'
    )
