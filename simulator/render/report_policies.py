"""The report's password-policy section: what each policy accepts (exact counts), its audit
against every shipped standard, and where it sits among 434 real sites (bar charts drawn as inline
SVG, the policy's own bar in a darker colour)."""

from __future__ import annotations

from typing import Any

from credlab.simulator.render.report_sections import esc, status_badge, table
from credlab.simulator.results_policies import shown

CHART_TITLES = {
    "minimum": "Minimum length",
    "maximum": "Maximum length",
    "required": "Kinds of character required",
}


def policies(spec: dict[str, Any]) -> str:
    reviews = spec.get("policies") or []
    if not reviews:
        return "<p>The spec declares no password policy.</p>"
    return "".join(_policy(review) for review in reviews)


def _policy(review: dict[str, Any]) -> str:
    total = review["total"]
    bits = f" (2<sup>{review['log2']:.1f}</sup>)" if review.get("log2") is not None else ""
    shortest = f", the shortest <code>{esc(shown(review['shortest']))}</code>" if review.get("shortest") else ""
    counted = "infinitely many" if total == "infinite" else f"{int(total):,}"
    outside = (
        f' <span class="small">Not counted (they need other facts): {esc(", ".join(review["not_counted"]))}.</span>'
        if review.get("not_counted")
        else ""
    )
    ordered = sorted(review["lengths"].items(), key=lambda item: int(item[0]))  # JSON may sort the keys as text
    lengths = table(["Length", "Accepted strings"], [("", [esc(n), f"{int(c):,}"]) for n, c in ordered])
    used = "used alone" if review["single_factor"] else "one of two factors"
    parts = [
        f"<h4>Policy <code>{esc(review['policy'])}</code></h4>",
        f"<p>Accepts exactly {counted} strings{bits}{shortest}.{outside}</p>",
        f"<details><summary>Per length</summary>{lengths}</details>",
        f"<p>Audited as a password {used}; a witness is a password the standard requires accepted that the "
        "policy refuses, or the reverse (<code>credlab policy check</code> confirms each).</p>",
    ]
    for audit in review["audits"]:
        rows = [
            (
                "" if r["status"] == "pass" else "row-failing",
                [
                    status_badge(r["status"]),
                    f"<code>{esc(r['id'])}</code>",
                    esc(r["strength"]),
                    esc(r["text"]),
                    esc(r["detail"]),
                    f"<code>{esc(shown(r['witness']))}</code>" if r.get("witness") is not None else "",
                ],
            )
            for r in audit["requirements"]
        ]
        head = f"{esc(audit['title'])}: {audit['passed']} of {len(audit['requirements'])} pass"
        parts.append(
            f"<details><summary>{head}</summary>"
            + table(["", "Requirement", "Strength", "Asks", "Here", "Witness"], rows)
            + "</details>"
        )
    parts.append(_corpus(review["corpus"]))
    return "".join(parts)


def _corpus(corpus: dict[str, Any]) -> str:
    sites = corpus["sites"]
    maximum = "no maximum" if corpus["maximum"] is None else f"a maximum of {corpus['maximum']}"
    words = (
        f"<p>Among {sites} real sites' rules (Password Rules corpus): {corpus['stricter_minimum']} ask for a longer "
        f"minimum than {corpus['minimum']}; {corpus['lower_maximum']} allow less than {esc(maximum)}; "
        f"{corpus['more_required']} require more than {corpus['required']} kind(s) of character.</p>"
    )
    charts = "".join(
        _bars(title, corpus["histograms"][name], corpus["here"][name]) for name, title in CHART_TITLES.items()
    )
    return words + f'<div class="charts">{charts}</div>'


def _bars(title: str, pairs: list[list[Any]], here: str) -> str:
    """A bar chart as inline SVG: one bar per label, the policy's own darker and labelled."""
    counts = {str(label): int(count) for label, count in pairs}
    widest = max((len(label) for label in counts), default=1)
    width, height = max(14, 5 * widest + 4), 90
    bar = width - 2
    peak = max(counts.values(), default=1) or 1
    cells = []
    for i, (label, count) in enumerate(counts.items()):
        h = round(height * count / peak)
        colour = "#0969da" if label == here else "#afb8c1"
        x = i * width
        cells.append(
            f'<rect x="{x}" y="{height - h}" width="{bar}" height="{h}" fill="{colour}">'
            f"<title>{esc(label)}: {count} site(s)</title></rect>"
        )
        if label == here or len(counts) <= 8 or i % 4 == 0:
            cells.append(
                f'<text x="{x + bar / 2}" y="{height + 11}" font-size="8" text-anchor="middle">{esc(label)}</text>'
            )
    total_width = max(len(counts) * width, 120)
    return (
        f'<figure class="chart"><svg role="img" aria-label="{esc(title)}" width="{total_width}" '
        f'height="{height + 16}" viewBox="0 0 {total_width} {height + 16}">{"".join(cells)}</svg>'
        f"<figcaption>{esc(title)} (this policy: {esc(here)})</figcaption></figure>"
    )
