"""The report's risks: the findings of each risk kind, grouped by kind, each kind explained in
words an analyst can paste into a review (see :data:`~credlab.simulator.results.FINDING_MEANING`)."""

from __future__ import annotations

from typing import Any

from credlab.simulator.render.report_sections import esc, replay, slug, table
from credlab.simulator.results import ANALYSED_RISKS, FINDING_MEANING, RISKS


def risks(spec: dict[str, Any], prefix: str) -> str:
    """Every risk found, by kind: severity, what happens, whether the spec accepts it (and why),
    the sentences and assumptions it rests on, and the story that shows it."""
    explore = spec["explore"]
    if not explore.get("complete", True):
        return '<p class="bad">Not analysed: the exploration stopped at its bound, and risks need every situation.</p>'
    found = [f for f in explore.get("findings", []) if f["kind"] in RISKS]
    missing = [kind for kind in RISKS if kind not in ANALYSED_RISKS]
    later = f'<p class="small">Not analysed yet: {", ".join(missing)}.</p>' if missing else ""
    if not found:
        return f"<p>No {esc(', '.join(ANALYSED_RISKS))} found.</p>{later}"
    parts = []
    for kind in RISKS:
        of_kind = [f for f in found if f["kind"] == kind]
        if not of_kind:
            continue
        rows = [
            (
                "" if f.get("accepted") else "row-failing",
                [
                    esc(f.get("severity", "")),
                    esc(f.get("message", "")) + (f" — for {esc(f['duration'])}" if f.get("duration") else ""),
                    f'<span class="mark good">accepted</span> {esc(f.get("accepted_reason", ""))}'
                    + _cited(f.get("accepted_sources", []), prefix)
                    if f.get("accepted")
                    else '<span class="mark bad">✗ not accepted</span>',
                    _rests_on(f, prefix),
                    replay(spec, f.get("scenario_file")) or "—",
                ],
            )
            for f in of_kind
        ]
        parts.append(
            f"<h5><code>{esc(kind)}</code></h5><p>{esc(FINDING_MEANING[kind])}</p>"
            + table(["Severity", "What happens", "Accepted?", "Rests on", "Story"], rows, "risks")
        )
    return "".join(parts) + later


def _cited(sources: list[str], prefix: str) -> str:
    return f'<div class="small">citing {_links(sources, prefix)}</div>' if sources else ""


def _links(sources: list[str], prefix: str) -> str:
    return ", ".join(f'<a href="#{esc(prefix)}trace-{esc(slug(s))}">{esc(s)}</a>' for s in sources)


def _rests_on(finding: dict[str, Any], prefix: str) -> str:
    sentences = _links(finding.get("sources", []), prefix)
    assumed = ", ".join(f"<code>{esc(a)}</code>" for a in finding.get("assumes", []))
    return sentences + (f'<div class="small">assuming {assumed}</div>' if assumed else "")
