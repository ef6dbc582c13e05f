"""The per-spec sections of the ``credlab check`` HTML report (see :mod:`credlab.simulator.render.report_html`).

Every function takes parts of the report dict (as ``credlab.simulator.analysis.check.run_check`` builds it) and
returns an HTML fragment. All text from the report is escaped here; only the Graphviz SVG,
our own output, is embedded as is.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

from credlab.simulator.results import BUILTIN_MEANING, PropertyId

PROPERTY_MEANING = {str(PropertyId.builtin(b)): meaning for b, meaning in BUILTIN_MEANING.items()}


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text)


def mark(ok: bool, yes: str = "ok", no: str = "FAIL") -> str:
    return f'<span class="mark {"good" if ok else "bad"}">{"✓ " + yes if ok else "✗ " + no}</span>'


def verdict_mark(verdict: str) -> str:
    """A property's verdict: holds (only after a complete search), fails, or unknown — never a tick for it."""
    if verdict == "unknown":
        return '<span class="mark unknown">? unknown</span>'
    return mark(verdict == "holds", "holds", "fails")


def status_badge(status: str) -> str:
    return f'<span class="status st-{slug(status)}">{esc(status)}</span>'


def codes(items: Iterable[Any], sep: str = ", ") -> str:
    return sep.join(f"<code>{esc(i)}</code>" for i in items)


def table(headers: Sequence[str], rows: Iterable[tuple[str, Sequence[str]]], cls: str = "") -> str:
    """A table; each row is (CSS class, cells as HTML)."""
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    body = "".join(
        (f'<tr class="{cls_}">' if cls_ else "<tr>") + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"
        for cls_, cells in rows
    )
    return f'<div class="scroll"><table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def section(sid: str, title: str, body: str) -> str:
    head = f'<h3 id="{esc(sid)}-h">{esc(title)}</h3>'
    return f'<section id="{esc(sid)}" aria-labelledby="{esc(sid)}-h">{head}{body}</section>'


def replay_command(spec: dict[str, Any], path: str) -> str:
    """The command that replays a story, pasted in the report's folder (the story's path is
    relative to it, and so is the spec's path in the command)."""
    return f"credlab simulate {spec.get('replay_spec', spec['path'])} {path}{spec.get('replay_set', '')}"


def replay(spec: dict[str, Any], path: str | None) -> str:
    """Where a story was written, and how to replay it."""
    if not path:
        return ""
    command = replay_command(spec, path)
    return (
        f'<p class="file">Written as a scenario file: <code>{esc(path)}</code><br>'
        f"Replay it from the folder holding this page: <code>{esc(command)}</code></p>"
    )


def steps_in_words(message: str) -> str:
    """A divergence message: its first line as a sentence, its "last steps" as a numbered list."""
    head, _, tail = message.partition("\n  last steps:\n")
    steps = [line.strip() for line in tail.splitlines() if line.strip()]
    if not steps:
        return f"<pre>{esc(message)}</pre>"
    items = "".join(f"<li><code>{esc(s)}</code></li>" for s in steps)
    return f'<p>{esc(head)}</p><p class="small">Steps that lead there:</p><ul class="steps">{items}</ul>'


def parameters(spec: dict[str, Any], sid: str) -> str:
    params = spec.get("parameters") or []
    if not params:
        return section(sid, "Policy parameters", "<p>This policy declares no parameters.</p>")
    rows = []
    for p in params:
        value = f"<strong>{esc(p['value'])}</strong>"
        if p.get("overridden"):
            value += ' <span class="tag override">overridden</span>'
        rows.append(
            (
                "overridden" if p.get("overridden") else "",
                [f"<code>{esc(p['name'])}</code>", value, esc(p["default"]), esc(p.get("description") or "")],
            )
        )
    note = ""
    if any(p.get("overridden") for p in params):
        note = '<p class="note">Highlighted values were overridden for this run (<code>--set</code>).</p>'
    return section(
        sid, "Policy parameters", note + table(["Parameter", "Value in this run", "Default", "Meaning"], rows)
    )


def diagram(spec: dict[str, Any], sid: str) -> str:
    d = spec.get("diagram") or {}
    svg = d.get("svg")
    cov = (
        f"<p>Coverage by the scenarios: {esc(d.get('coverage', ''))}. "
        "States and transitions no scenario reaches are greyed out.</p>"
    )
    if any(p.get("overridden") for p in spec.get("parameters") or []):
        cov += "<p class=\"note\">The diagram's labels show the parameters' default values.</p>"
    if svg and "<svg" in svg:
        figure = (
            f'<figure class="diagram" role="group" aria-label="State diagram of {esc(spec["name"])}">'
            f"{svg[svg.index('<svg') :]}</figure>"
        )
    else:
        figure = (
            '<p class="warn">Graphviz was missing when this report was made, so the drawn diagram is absent. '
            "Below is the same diagram as Mermaid text (paste it into any Mermaid viewer).</p>"
            f'<pre class="mermaid-text">{esc(d.get("mermaid", ""))}</pre>'
        )
    return section(sid, "State diagram", cov + figure)


def _properties(spec: dict[str, Any]) -> str:
    rows = []
    for p in spec["explore"]["properties"]:
        meaning = PROPERTY_MEANING.get(p["id"], "")
        name = f"<code>{esc(p['id'])}</code>" + (f'<div class="small">{esc(meaning)}</div>' if meaning else "")
        cx = p.get("counterexample")
        detail = '<span class="muted">—</span>'
        if cx:
            detail = (
                f"<p>{esc(cx.get('message', ''))}</p><p>Shortest counterexample: {esc(cx.get('steps'))} step(s).</p>"
                + replay(spec, cx.get("scenario_file"))
            )
        verdict = p.get("verdict", "holds" if p["holds"] else "fails")
        if verdict == "unknown":
            detail = f"<p>Not decided: {esc(p.get('bound', 'the search did not finish'))}.</p>"
        rows.append(("" if verdict == "holds" else "row-failing", [name, verdict_mark(verdict), detail]))
    return table(["Property", "Result", "Counterexample"], rows)


def _fuzz(spec: dict[str, Any]) -> str:
    f = spec["fuzz"]
    cx = f.get("counterexample")
    text = f"<p>Random runs with seed {esc(f.get('seed'))}: " + (
        f"{esc(f.get('examples'))} runs, {esc(f.get('steps'))} steps in all ({esc(f.get('transitions_fired'))} "
        "fired a transition; every event is also tried where nothing handles it), and no counterexample.</p>"
        if not cx
        else f"stopped at the first counterexample, after {esc(f.get('steps'))} steps in all.</p>"
    )
    if cx:
        text += (
            f'<div class="failure"><p><strong>{esc(cx.get("property"))}</strong> fails after '
            f"{esc(cx.get('steps'))} step(s).</p>{steps_in_words(cx.get('message', ''))}"
            f"{replay(spec, cx.get('scenario_file'))}</div>"
        )
    return text


def _attacks(spec: dict[str, Any], findings: list[dict[str, Any]]) -> str:
    attacks = [f for f in findings if f["kind"] == "attacker-capabilities"]
    if not spec["explore"].get("complete", True):
        return (
            '<p class="bad">Not analysed: the exploration stopped at its bound, and attacker analysis '
            "needs every situation.</p>"
        )
    undecided = "".join(
        f"<p>{verdict_mark('unknown')} {esc(what)}</p>" for what in spec["explore"].get("undecided", [])
    )
    if not attacks:
        return undecided or "<p>No attacker capability gives the attacker access.</p>"
    rows = []
    for a in attacks:
        steps = "at once" if not a.get("steps") else f'<span class="nowrap">{esc(a["steps"])} step(s)</span>'
        file = f'<code class="path">{esc(a["scenario_file"])}</code>' if a.get("scenario_file") else "—"
        rows.append(
            (
                "",
                [
                    esc(a.get("goal", "")),
                    codes(a.get("capabilities", [])) or "nothing",
                    f"<code>{esc(a.get('from_state', ''))}</code>",
                    steps,
                    file,
                ],
            )
        )
    written = [a["scenario_file"] for a in attacks if a.get("scenario_file")]
    how = (
        '<p class="file">Each story replays from the folder holding this page, for example: '
        f"<code>{esc(replay_command(spec, written[0]))}</code></p>"
        if written
        else ""
    )
    return (
        '<p class="small">What an attacker who holds these things can reach, and how quickly, from the '
        "earliest state it works in.</p>"
        + table(["Goal", "Attacker holds", "From state", "Steps", "Scenario file"], rows, "attacks")
        + how
        + undecided
    )


def _lint(spec: dict[str, Any]) -> str:
    found = spec["lint"].get("findings", [])
    if not found:
        return "<p>No lint findings.</p>"
    rows = [
        (
            "",
            [
                f"<code>{esc(spec['path'])}:{esc(f.get('line'))}:{esc(f.get('column'))}</code>",
                f"<code>{esc(f.get('id'))}</code>",
                esc(f.get("message", "")),
                esc(f.get("hint") or ""),
            ],
        )
        for f in found
    ]
    return table(["Where", "Check", "Finding", "Hint"], rows)


def findings(spec: dict[str, Any], sid: str) -> str:
    explore = spec["explore"]
    found = explore.get("findings", [])
    reach = (
        f"<p>Exhaustive exploration visited {esc(explore.get('states'))} situations and "
        f"{esc(explore.get('edges'))} moves"
        + (
            "."
            if explore.get("complete", True)
            else ', <strong class="bad">but stopped before the end</strong>: '
            "results are partial (raise <code>--max-states</code>)."
        )
        + "</p>"
    )
    others = [f for f in found if f["kind"] in ("unreachable-state", "never-enabled")]
    other = "".join(f"<li><code>{esc(f['kind'])}</code> {esc(f.get('message', ''))}</li>" for f in others)
    parts = [
        reach,
        "<h4>Properties</h4>",
        _properties(spec),
        "<h4>Fuzzing</h4>",
        _fuzz(spec),
        "<h4>What each attacker capability reaches</h4>",
        _attacks(spec, found),
        "<h4>Other exploration findings</h4>",
        f"<ul>{other}</ul>" if other else "<p>None: every state is reached and every transition fires.</p>",
        "<h4>Lint</h4>",
        _lint(spec),
    ]
    return section(sid, "Findings", "".join(parts))


def assumptions(spec: dict[str, Any], sid: str, prefix: str) -> str:
    rows = [
        (
            "",
            [
                f'<strong>{esc(a["question"])}</strong><div class="small"><code>{esc(a["id"])}</code></div>',
                esc(a["choice"]),
                ", ".join(f'<a href="#{esc(prefix)}trace-{esc(slug(s))}">{esc(s)}</a>' for s in a.get("sources", [])),
            ],
        )
        for a in spec.get("assumptions") or []
    ]
    body = (
        '<p class="small">Where the policy text is ambiguous, the spec makes a choice. Each question, the '
        "choice made, and the policy sentences it interprets.</p>" + table(["Question", "Choice", "Sentences"], rows)
        if rows
        else "<p>The spec records no assumptions.</p>"
    )
    unquoted = spec.get("unquoted") or []
    if unquoted:
        body += "<h4>Lines of the policy text that state no rule</h4>" + table(
            ["Line", "Why it is not encoded"], [("", [esc(u["text"]), esc(u["why"])]) for u in unquoted]
        )
    return section(sid, "Assumptions", body)


def scenarios(spec: dict[str, Any], sid: str) -> str:
    sim = spec["simulate"]
    results = sim["scenarios"]
    passed = sum(1 for s in results if s["passed"])
    cov = sim["coverage"]
    parts = [
        f'<p class="counts"><strong>{passed} of {len(results)}</strong> scenarios pass. '
        f"Coverage: states {esc(cov['states']['covered'])}/{esc(cov['states']['total'])}, "
        f"transitions {esc(cov['transitions']['covered'])}/{esc(cov['transitions']['total'])}.</p>"
    ]
    for kind in ("states", "transitions"):
        missed = cov[kind].get("missed") or []
        if missed:
            parts.append(f'<p class="warn">No scenario reaches these {kind}: {codes(missed)}</p>')
    failures = [s for s in results if not s["passed"]]
    if failures:
        parts.append("<h4>Failures</h4>")
    for s in failures:
        f = s.get("failure") or {}
        where = f"{f.get('file', s.get('file'))}:{f.get('line', '?')}"
        parts.append(
            f'<div class="failure"><p><strong>{esc(s["name"])}</strong> <code class="path">{esc(where)}</code></p>'
            f"<pre>{esc(f.get('message', 'failed'))}</pre></div>"
        )
    rows = [
        (
            "" if s["passed"] else "row-failing",
            [
                esc(s["name"]),
                f'<code class="path">{esc(s.get("file", ""))}</code>',
                esc(s.get("steps", "")),
                mark(s["passed"], "pass", "fail"),
            ],
        )
        for s in results
    ]
    parts.append("<h4>All scenarios</h4>" + table(["Scenario", "File", "Steps", "Result"], rows, "scenarios"))
    return section(sid, "Scenarios", "".join(parts))


def comparison(spec: dict[str, Any], sid: str) -> str:
    c = spec.get("comparison")
    if not c:
        return section(
            sid,
            "Comparison with the defaults",
            (
                "<p>This run used the default parameters, so there is nothing to compare. "
                "<code>credlab check SPEC --set NAME=VALUE</code> checks a variant against the defaults.</p>"
            ),
        )
    variant = ", ".join(
        f"{p['name']}={p['value']} (default {p['default']})"
        for p in spec.get("parameters") or []
        if p.get("overridden")
    )
    flipped = c.get("scenarios_flipped", [])
    parts = [f"<p>What changes with <strong>{esc(variant)}</strong> against the defaults.</p>"]
    if flipped:
        rows = [
            (
                f"row-{'failing' if f['with_variant'] == 'fail' else 'fixed'}",
                [esc(f["name"]), esc(f["with_defaults"]), f"<strong>{esc(f['with_variant'])}</strong>"],
            )
            for f in flipped
        ]
        parts.append(
            f"<h4>{len(flipped)} scenario(s) change result</h4>"
            + table(["Scenario", "With the defaults", "With the variant"], rows)
        )
    else:
        parts.append("<p>No scenario changes result.</p>")
    for key, title in (
        ("findings_appeared", "Findings that appear"),
        ("findings_disappeared", "Findings that go away"),
    ):
        items = c.get(key, [])
        listed = "".join(f"<li>{esc(m)}</li>" for m in items)
        parts.append(f"<h4>{title}</h4>" + (f"<ul>{listed}</ul>" if items else "<p>None.</p>"))
    return section(sid, "Comparison with the defaults", "".join(parts))


def mutation(spec: dict[str, Any], sid: str) -> str:
    m = spec.get("mutate")
    if not m:
        return section(
            sid,
            "Mutation analysis",
            (
                "<p>Not run. <code>credlab check --mutate</code> plants small defects in the spec and "
                "reports which ones no check notices.</p>"
            ),
        )
    rate = float(m.get("kill_rate", 0))
    parts = [
        f'<p class="counts"><strong>{rate:.0%}</strong> of planted defects are caught: {esc(m["killed"])} of '
        f"{esc(m['mutants'])} mutants killed.</p>"
    ]
    survivors = m.get("survivors", [])
    if survivors:
        rows = [
            ("", [f"<code>{esc(s['id'])}</code>", esc(s.get("description", "")), esc(s.get("explanation") or "")])
            for s in survivors
        ]
        parts.append("<h4>Defects no check catches</h4>" + table(["Mutant", "Defect", "Why nothing notices"], rows))
    return section(sid, "Mutation analysis", "".join(parts))
