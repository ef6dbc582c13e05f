"""The ``credlab check`` report as one self-contained HTML page for policy analysts.

:func:`render` turns the report dict (``credlab.simulator.analysis.check.run_check``) into an HTML5 page with
inline CSS and the inline Graphviz SVG. Nothing is fetched, so the page works offline, from a
mail attachment or a CI artifact; it has no script, and its Content-Security-Policy makes a
browser refuse any load or script.
Every text from the report is escaped; the same report gives the same bytes (the only time
shown is ``report["generated"]``).

Per spec: the verdict, the parameters, the diagram with coverage shading, the traceability
matrix (policy sentence → spec elements → checks → status), the findings, the assumptions,
the scenario results, the comparison against the defaults and the mutation score.
"""

from __future__ import annotations

from typing import Any

from credlab.simulator.render import report_sections as sections
from credlab.simulator.render.report_policies import policies
from credlab.simulator.render.report_population import population
from credlab.simulator.render.report_risks import risks
from credlab.simulator.render.report_sections import esc, mark, section, slug, status_badge, table, verdict_mark
from credlab.simulator.results import Json, PropertyId

SHOWN_SCENARIOS = 4  # per matrix row; the rest fold into a <details>
STATUS_ORDER = ("failing", "not exercised", "assumption only", "exercised")
SECTIONS = (
    ("parameters", "Parameters"),
    ("diagram", "Diagram"),
    ("traceability", "Traceability"),
    ("risks", "Risks"),
    ("findings", "Findings"),
    ("policies", "Password policies"),
    ("population", "Members over time"),
    ("assumptions", "Assumptions"),
    ("scenarios", "Scenarios"),
    ("comparison", "Comparison"),
    ("mutation", "Mutation"),
)

CSS = """
:root { color-scheme: light; --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --soft: #f6f8fa;
  --good: #116329; --good-bg: #dafbe1; --bad: #a40e26; --bad-bg: #ffebe9; --warn: #7d4e00; --warn-bg: #fff8c5;
  --info: #0a3069; --info-bg: #ddf4ff; --accent: #0969da; }
* { box-sizing: border-box; }
html { font-size: 15px; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.5;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", Arial, sans-serif; }
code, pre, .path { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace;
  font-size: 0.86em; }
code { background: var(--soft); padding: 0 .25em; border-radius: 3px; overflow-wrap: break-word; }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: .7em .9em;
  overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
a { color: var(--accent); }
header.page { padding: 1.2rem 2rem .6rem; border-bottom: 1px solid var(--line); }
header.page h1 { margin: 0; font-size: 1.5rem; }
header.page p { margin: .2rem 0; color: var(--muted); }
nav.toc { position: sticky; top: 0; z-index: 2; background: #fffffffa; border-bottom: 1px solid var(--line);
  padding: .45rem 2rem; font-size: .92rem; }
nav.toc ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: .25rem 1rem; }
nav.toc .spec-name { font-weight: 600; color: var(--muted); }
main { max-width: 1280px; margin: 0 auto; padding: 0 2rem 3rem; }
h2 { font-size: 1.35rem; margin: 2rem 0 .6rem; padding-bottom: .25rem; border-bottom: 2px solid var(--ink); }
h3 { font-size: 1.15rem; margin: 2rem 0 .6rem; padding-bottom: .2rem; border-bottom: 1px solid var(--line); }
h4 { font-size: 1rem; margin: 1.4rem 0 .4rem; }
section { scroll-margin-top: 3rem; }
.spec-head p.description { max-width: 60rem; }
.muted, .small { color: var(--muted); }
.nowrap { white-space: nowrap; }
.small { font-size: .88rem; }
.verdicts { display: grid; gap: 1rem; }
.card { display: grid; grid-template-columns: 9rem 1fr; gap: 1.2rem; border: 1px solid var(--line);
  border-radius: 8px; padding: 1rem 1.2rem; }
.card.pass { border-left: 10px solid var(--good); }
.card.fail { border-left: 10px solid var(--bad); }
.big { font-size: 2.6rem; font-weight: 800; letter-spacing: .04em; align-self: start; text-align: center;
  border-radius: 6px; padding: .2rem 0; }
.pass .big { color: var(--good); background: var(--good-bg); }
.fail .big { color: var(--bad); background: var(--bad-bg); }
.card h3 { margin: 0 0 .2rem; border: 0; padding: 0; }
.card table { margin-top: .5rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { text-align: left; vertical-align: top; padding: .4rem .6rem; border-bottom: 1px solid var(--line); }
thead th { background: var(--soft); border-bottom: 2px solid var(--line); }
tr.overridden td { background: var(--warn-bg); }
.tag { font-size: .78rem; font-weight: 600; padding: .05rem .4rem; border-radius: 1em; white-space: nowrap; }
.tag.override { background: var(--warn); color: #fff; }
.mark { font-weight: 600; white-space: nowrap; }
.mark.good, .good { color: var(--good); }
.mark.bad, .bad { color: var(--bad); }
.mark.unknown { color: var(--bad); font-style: italic; }
.status { display: inline-block; font-size: .8rem; font-weight: 700; padding: .1rem .5rem; border-radius: 1em;
  white-space: nowrap; border: 1px solid currentColor; }
.st-exercised { color: var(--good); background: var(--good-bg); }
.st-failing { color: #fff; background: var(--bad); border-color: var(--bad); }
.st-not-exercised { color: var(--warn); background: var(--warn-bg); }
.st-assumption-only { color: var(--info); background: var(--info-bg); }
table.matrix { table-layout: fixed; }
table.matrix th:nth-child(1) { width: 34%; }
table.matrix th:nth-child(2) { width: 24%; }
table.matrix th:nth-child(3) { width: 32%; }
table.matrix th:nth-child(4) { width: 10%; }
table.matrix td { overflow-wrap: anywhere; }
table.matrix blockquote { margin: 0; font-family: Georgia, "Times New Roman", "DejaVu Serif", serif;
  font-size: 1rem; }
table.matrix .source { margin-top: .25rem; font-size: .82rem; color: var(--muted); scroll-margin-top: 4rem; }
tr.row-failing td { background: var(--bad-bg); }
tr.row-failing td:first-child { box-shadow: inset 6px 0 0 var(--bad); }
tr.row-not-exercised td { background: var(--warn-bg); }
tr.row-not-exercised td:first-child { box-shadow: inset 6px 0 0 #bf8700; }
tr.row-fixed td { background: var(--good-bg); }
.kind { display: inline-block; min-width: 4.5rem; font-size: .76rem; text-transform: uppercase;
  letter-spacing: .03em; color: var(--muted); }
ul.names { margin: .1rem 0 .2rem; padding-left: 1.1rem; font-size: .86rem; }
ul.names li.bad { font-weight: 600; }
details summary { cursor: pointer; font-size: .84rem; color: var(--accent); }
.counts { font-size: 1.02rem; }
.attention { border: 1px solid #d4a72c; background: var(--warn-bg); border-radius: 6px; padding: .3rem 1rem; }
.attention ul { margin: .2rem 0 .6rem; }
.good-note { color: var(--good); font-weight: 600; }
.note { color: var(--warn); }
.warn { color: var(--warn); background: var(--warn-bg); padding: .4rem .7rem; border-radius: 6px; }
.failure { border-left: 6px solid var(--bad); background: #fffafa; padding: .2rem 1rem .4rem; margin: .8rem 0;
  border-radius: 0 6px 6px 0; }
ul.steps { margin-top: 0; list-style: none; padding-left: .8rem;
  border-left: 3px solid var(--line); }
.file { font-size: .86rem; color: var(--muted); }
.charts { display: flex; flex-wrap: wrap; gap: 1.5rem; }
figure.chart { margin: .5rem 0; } figure.chart figcaption { font-size: .8rem; color: var(--muted); }
figure.diagram { margin: .5rem 0; border: 1px solid var(--line); border-radius: 8px; padding: .5rem;
  overflow: auto; max-height: 95vh; background: #fff; }
figure.diagram svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
footer { color: var(--muted); font-size: .85rem; border-top: 1px solid var(--line); margin-top: 3rem;
  padding-top: .6rem; }
@media print {
  html { font-size: 11pt; }
  nav.toc { display: none; }
  main, header.page { padding: 0; max-width: none; }
  a { color: inherit; text-decoration: none; }
  figure.diagram { max-height: none; overflow: visible; border: 0; }
  figure.diagram svg { max-height: 19cm; }
  .scroll { overflow: visible; }
  td, th { overflow-wrap: anywhere; }
  table.matrix { font-size: 9pt; }
  table.matrix blockquote { font-size: 10pt; }
  .status { overflow-wrap: normal; font-size: 7.5pt; padding: 0 .3em; }
  ul.names { padding-left: 0; }
  ul.names li { display: inline; }
  ul.names li:not(:last-child)::after { content: ", "; }
  details summary { list-style: none; color: inherit; }
  details summary::-webkit-details-marker { display: none; }
  tr, .failure, .card, figure.diagram { break-inside: avoid; }
  h2, h3, h4 { break-after: avoid; }
  tr.row-failing td, tr.row-not-exercised td, .status, .big, .card { print-color-adjust: exact;
    -webkit-print-color-adjust: exact; }
}
"""

# The page loads nothing and runs no script: a browser refuses (and logs) any attempt.
CSP = "default-src 'none'; style-src 'unsafe-inline'"


def status_counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    counts = {s: 0 for s in STATUS_ORDER}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    return counts


def breakable(name: str) -> str:
    """``name`` escaped, with a line-break opportunity after each underscore."""
    return esc(name).replace("_", "_<wbr>")


def _elements(elements: list[dict[str, str]]) -> str:
    kinds: dict[str, list[str]] = {}
    for e in elements:
        kinds.setdefault(e["kind"], []).append(e["id"])
    if not kinds:
        return '<span class="muted">nothing</span>'
    return "".join(
        f'<div><span class="kind">{esc(k)}</span> {", ".join(f"<code>{breakable(i)}</code>" for i in ids)}</div>'
        for k, ids in kinds.items()
    )


def _exercised(row: dict[str, Any], failed: set[str], verdicts: dict[str, str]) -> str:
    scenarios = sorted(row.get("scenarios", []), key=lambda s: (s not in failed, s))
    parts = []
    if scenarios:

        def item(s: str) -> str:
            return f'<li class="bad">✗ {breakable(s)}</li>' if s in failed else f"<li>{breakable(s)}</li>"

        cut = max(SHOWN_SCENARIOS, sum(1 for s in scenarios if s in failed))  # every failing one shows
        shown = "".join(item(s) for s in scenarios[:cut])
        rest = scenarios[cut:]
        more = ""
        if rest:
            more = (
                f"<details><summary>{len(rest)} more scenario{'s' if len(rest) > 1 else ''}</summary>"
                f'<ul class="names">{"".join(item(s) for s in rest)}</ul></details>'
            )
        parts.append(
            f'<div><span class="kind">{len(scenarios)} scenario(s)</span><ul class="names">{shown}</ul>{more}</div>'
        )
    for inv in row.get("invariants", []):
        verdict = verdicts.get(str(PropertyId.invariant(inv)), "unknown")
        parts.append(
            f'<div><span class="kind">invariant</span> <code>{breakable(inv)}</code> {verdict_mark(verdict)}</div>'
        )
    return "".join(parts) or '<span class="muted">nothing</span>'


def _excerpt(text: str, limit: int = 110) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def traceability(spec: dict[str, Any], sid: str, prefix: str) -> str:
    rows = spec.get("traceability") or []
    failed = {s["name"] for s in spec["simulate"]["scenarios"] if not s["passed"]}
    verdicts = {p["id"]: p.get("verdict", "holds" if p["holds"] else "fails") for p in spec["explore"]["properties"]}
    counts = status_counts(rows)
    attention = [r for r in rows if r["status"] in ("failing", "not exercised")]
    summary = (
        f'<p class="counts">{len(rows)} quoted policy sentences: '
        + ", ".join(f"{status_badge(s)} {counts[s]}" for s in STATUS_ORDER if counts.get(s) or s != "assumption only")
        + "</p>"
    )
    if attention:
        links = "".join(
            f'<li>{status_badge(r["status"])} <a href="#{esc(prefix)}trace-{esc(slug(r["source"]))}">'
            f'{esc(r["source"])}</a> <span class="small">“{esc(_excerpt(r["quote"]))}”</span></li>'
            for r in attention
        )
        summary += (
            f'<div class="attention"><p><strong>{len(attention)} need attention:</strong></p><ul>{links}</ul></div>'
        )
    else:
        summary += '<p class="good-note">Every quoted sentence is exercised by a scenario or an invariant.</p>'
    body = []
    for n, r in enumerate(rows, 1):
        quote = (
            f'<blockquote>{esc(r["quote"])}</blockquote><div class="source" id="{esc(prefix)}trace-'
            f'{esc(slug(r["source"]))}">#{n} <code>{esc(r["source"])}</code></div>'
        )
        cells = [quote, _elements(r.get("elements", [])), _exercised(r, failed, verdicts), status_badge(r["status"])]
        body.append((f"row-{slug(r['status'])}", cells))
    explain = (
        '<p class="small">Each sentence of the policy text, the spec elements that encode it, and the checks '
        "that exercise it. <em>failing</em>: one of its invariants is broken, or a scenario fails on it (the "
        "story covers it, or fails at a step whose transition or broken invariant cites it); "
        "<em>not exercised</em>: no scenario or invariant checks it; <em>assumption only</em>: only an "
        "interpretation choice cites it.</p>"
    )
    matrix = table(["Policy sentence", "Encoded as", "Exercised by", "Status"], body, "matrix")
    return section(sid, "Traceability matrix", summary + explain + matrix)


def _prefixes(specs: list[dict[str, Any]]) -> list[str]:
    """Section ids: plain (``#traceability``) for the first spec, ``NAME-…`` for the others."""
    return ["" if n == 0 else f"{slug(s['name'])}-" for n, s in enumerate(specs)]


def _variant(spec: dict[str, Any]) -> str:
    return ", ".join(f"{p['name']}={p['value']}" for p in spec.get("parameters") or [] if p.get("overridden"))


def _card(spec: dict[str, Any], prefix: str) -> str:
    ok = bool(spec["ok"])
    variant = _variant(spec)
    meta = f"<code>{esc(spec['path'])}</code>" + (
        f' · variant <span class="tag override">{esc(variant)}</span>' if variant else " · default parameters"
    )
    stages = table(
        ["Check", "Result", "Detail"],
        (("", [esc(row["stage"]), mark(row["ok"]), esc(row["text"])]) for row in spec["stages"]),
    )
    counts = status_counts(spec.get("traceability") or [])
    total = sum(counts.values())
    failing, untested = counts.get("failing", 0), counts.get("not exercised", 0)
    attention = (
        f'<p><a href="#{esc(prefix)}traceability">Policy sentences</a>: {total} quoted, '
        + (
            ", ".join(f"{status_badge(s)} {n}" for s, n in (("failing", failing), ("not exercised", untested)) if n)
            + " need attention."
            if failing or untested
            else "every one exercised and none failing."
        )
        + "</p>"
    )
    comparison = spec.get("comparison")
    if comparison:
        attention += (
            f'<p><a href="#{esc(prefix)}comparison">Against the defaults</a>: '
            f"{len(comparison.get('scenarios_flipped', []))} scenario(s) change result, "
            f"{len(comparison.get('findings_appeared', []))} finding(s) appear, "
            f"{len(comparison.get('findings_disappeared', []))} go away.</p>"
        )
    return (
        f'<div class="card {"pass" if ok else "fail"}"><div class="big" role="img" aria-label="verdict '
        f'{"pass" if ok else "fail"}">{"PASS" if ok else "FAIL"}</div>'
        f"<div><h3>{esc(spec.get('title') or spec['name'])}</h3><p>{meta}</p>{attention}{stages}</div></div>"
    )


def _nav(specs: list[dict[str, Any]], prefixes: list[str]) -> str:
    rows = ['<li><a href="#verdict">Verdict</a></li>']
    for spec, prefix in zip(specs, prefixes, strict=True):
        if len(specs) > 1:
            rows.append(
                f'<li class="spec-name"><a href="#spec-{esc(slug(spec["name"]))}">{esc(spec["name"])}</a>:</li>'
            )
        rows += [f'<li><a href="#{esc(prefix)}{sid}">{label}</a></li>' for sid, label in SECTIONS]
    return f'<nav class="toc" aria-label="Sections"><ul>{"".join(rows)}</ul></nav>'


def _spec(spec: dict[str, Any], prefix: str) -> str:
    def sid(name: str) -> str:
        return prefix + name

    parts = [
        sections.parameters(spec, sid("parameters")),
        sections.diagram(spec, sid("diagram")),
        traceability(spec, sid("traceability"), prefix),
        section(sid("risks"), "Risks", risks(spec, prefix)),
        sections.findings(spec, sid("findings")),
        section(sid("policies"), "Password policies", policies(spec)),
        section(sid("population"), "Members over time", population(spec)),
        sections.assumptions(spec, sid("assumptions"), prefix),
        sections.scenarios(spec, sid("scenarios")),
        sections.comparison(spec, sid("comparison")),
        sections.mutation(spec, sid("mutation")),
    ]
    verdict = "PASS" if spec["ok"] else "FAIL"
    head = (
        f'<header class="spec-head"><h2>{esc(spec.get("title") or spec["name"])} — {verdict}</h2>'
        f'<p class="small"><code>{esc(spec["path"])}</code> · spec <code>{esc(spec["name"])}</code></p>'
        + (f'<p class="description">{esc(spec["description"])}</p>' if spec.get("description") else "")
        + "</header>"
    )
    return f'<article class="spec" id="spec-{esc(slug(spec["name"]))}">{head}{"".join(parts)}</article>'


def render(report: Json) -> str:
    """The report (``report.json``: :meth:`CheckReport.to_json`) as one self-contained HTML page;
    same report, same bytes. It reads the JSON form so that a saved report.json renders again."""
    specs: list[dict[str, Any]] = list(report.get("specs") or [])
    prefixes = _prefixes(specs)
    ok = bool(report.get("ok"))
    verdict = "PASS" if ok else "FAIL"
    titles = ", ".join(str(s.get("title") or s["name"]) for s in specs) or "no spec"
    generated = f"<p>Generated {esc(report['generated'])}</p>" if report.get("generated") else ""
    cards = "".join(_card(s, p) for s, p in zip(specs, prefixes, strict=True)) or "<p>No spec was checked.</p>"
    overall = (
        f'<p class="small">Overall: <strong class="{"good" if ok else "bad"}">{verdict}</strong>. A spec passes when '
        "every scenario passes, fuzzing finds no counterexample, every explored property holds after a complete "
        "search (a property the search did not decide is unknown, and fails the check) and every risk found is "
        "one the spec accepts; lint findings and mutation survivors are advisory.</p>"
    )
    body = "".join(_spec(s, p) for s, p in zip(specs, prefixes, strict=True))
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>credlab check: {verdict} — {esc(titles)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f'<header class="page"><h1>credlab check report: {esc(titles)}</h1>{generated}</header>\n'
        f"{_nav(specs, prefixes)}\n<main>\n"
        f'<section id="verdict" aria-labelledby="verdict-h"><h2 id="verdict-h">Verdict</h2>{overall}'
        f'<div class="verdicts">{cards}</div></section>\n{body}\n'
        "<footer>Made by <code>credlab check</code>. This page is self-contained: it loads nothing from the "
        f"network.</footer>\n</main>\n</body>\n</html>\n"
    )
