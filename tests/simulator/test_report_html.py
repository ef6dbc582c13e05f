"""The ``credlab check`` HTML report (:func:`credlab.simulator.render.report_html.render`).

The page is checked as parsed HTML (stdlib :mod:`html.parser`): tags balance, ids are unique,
every section is there, nothing is fetched from the network, every text is escaped, and the
same report gives the same bytes. Synthetic reports cover the shapes a real run rarely
produces (a failing property, a fuzz counterexample, lockout windows, lint findings, a
mutation score, a comparison, a missing Graphviz); one real run of
:func:`credlab.check` on the ANA spec checks that the page says what report.json says.
"""

from __future__ import annotations

import copy
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from credlab.simulator.api import check
from credlab.simulator.render.report_html import render
from credlab.simulator.results import FINDING_MEANING
from tests.conftest import ANA_SPEC, REPO

SECTION_IDS = (
    "verdict",
    "parameters",
    "diagram",
    "traceability",
    "findings",
    "assumptions",
    "scenarios",
    "comparison",
    "mutation",
)
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
BLOCK = {"div", "ul", "ol", "pre", "table", "p", "section", "blockquote", "figure", "details", "h2", "h3", "h4"}
URL_ATTRS = {"src", "href", "xlink:href", "srcset", "action", "poster", "data", "formaction"}
EVIL = "<script>alert(\"x\")</script> & 'quotes'"
STATES = ("unregistered", "waiting_room", "registered")


class Page(HTMLParser):
    """What a test needs from the page: balance problems, ids, URLs, the SVG's text, matrix rows."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.ids: list[str] = []  # outside the SVG
        self.urls: list[tuple[str, str, str]] = []
        self.tags: list[str] = []
        self.svg_depth = 0
        self.svg_text: list[str] = []
        self.style = ""
        self.matrix_rows: list[dict[str, Any]] = []
        self._in_matrix = False
        self._row: dict[str, Any] | None = None
        self._status = False
        self._big = False
        self.big: list[str] = []
        self._data_to: str | None = None
        self.feed(text)
        self.close()
        if self.stack:
            self.problems.append(f"unclosed at the end: {self.stack}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs)
        if tag not in VOID:
            if tag in BLOCK and "p" in self.stack and not self.svg_depth:
                self.problems.append(f"<{tag}> inside <p>: a browser would close the <p> first")
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs)

    def _start(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = {k: v or "" for k, v in attrs}
        classes = values.get("class", "").split()
        if tag == "svg":
            self.svg_depth += 1
        if "id" in values and not self.svg_depth:
            self.ids.append(values["id"])
        self.urls += [(tag, k, v) for k, v in values.items() if k in URL_ATTRS]
        if tag == "table" and "matrix" in classes:
            self._in_matrix = True
        if self._in_matrix and tag == "tr" and self.stack[-1:] == ["tbody"]:
            self._row = {"class": values.get("class", ""), "status": "", "source": None}
        if self._row is not None and tag == "span" and "status" in classes:
            self._status = True
        if self._row is not None and values.get("id", "").startswith("trace-"):
            self._row["source"] = values["id"].removeprefix("trace-")
        self._big = "big" in classes
        self._data_to = tag if tag == "style" else None

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()
        if tag == "svg":
            self.svg_depth -= 1
        if tag == "table" and self._in_matrix and "table" not in self.stack:
            self._in_matrix = False
        if tag == "tr" and self._row is not None:
            self.matrix_rows.append(self._row)
            self._row = None
        self._status = False
        self._data_to = None

    def handle_data(self, data: str) -> None:
        if self.svg_depth:
            self.svg_text.append(data)
        if self._status and self._row is not None:
            self._row["status"] += data
        if self._big:
            self.big.append(data.strip())
            self._big = False
        if self._data_to == "style":
            self.style += data


def page_of(report: dict[str, Any]) -> tuple[str, Page]:
    text = render(report)
    return text, Page(text)


def text_of(page_html: str) -> str:
    """The page's visible text, tags removed, entities decoded (roughly: enough to find sentences)."""
    import html

    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page_html)))


def svg_for(states: tuple[str, ...]) -> str:
    nodes = "".join(f'<g id="state-{s}" class="node"><text x="0" y="{n}">{s}</text></g>' for n, s in enumerate(states))
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
        '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"\n "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
        "<!-- credlab-dot-sha256: 0 -->\n"
        '<svg width="100pt" height="100pt" viewBox="0 0 100 100" xmlns="http://www.w3.org/2000/svg" '
        f'xmlns:xlink="http://www.w3.org/1999/xlink"><g id="graph0" class="graph">{nodes}</g></svg>\n'
    )


def synthetic_spec(name: str = "toy", *, ok: bool = False) -> dict[str, Any]:
    """A small report for one spec with every kind of finding, and hostile text everywhere."""
    failing_message = f"toy.yaml:9:3: step 2: expected state registered; got state {EVIL}\n  last steps:\n    #1 x()"
    return {
        "path": f"spec/{name}.yaml",
        "name": name,
        "title": f"Toy policy {EVIL}",
        "description": f"A toy {EVIL}",
        "ok": ok,
        "parameters": [
            {"name": "ttl", "default": "2h", "value": "30m", "overridden": True, "description": f"link {EVIL}"},
            {"name": "grace", "default": "1m", "value": "1m", "overridden": False, "description": "grace"},
        ],
        "summary": {"states": list(STATES), "transitions": 3},
        "lint": {
            "ok": False,
            "findings": [{"id": "unused-assumption", "line": 4, "column": 5, "message": f"lint {EVIL}", "hint": "h"}],
        },
        "simulate": {
            "ok": False,
            "scenarios": [
                {"name": "happy_path", "file": "scenarios/toy/a.yaml", "passed": True, "steps": 2, "failure": None},
                {
                    "name": "sad_path",
                    "file": "scenarios/toy/a.yaml",
                    "passed": False,
                    "steps": 2,
                    "failure": {"file": "scenarios/toy/a.yaml", "line": 9, "message": failing_message, "recent": []},
                },
            ],
            "coverage": {
                "states": {"covered": 2, "total": 3, "missed": ["waiting_room"]},
                "transitions": {"covered": 2, "total": 3, "missed": ["wait"]},
            },
        },
        "fuzz": {
            "ok": False,
            "examples": 0,
            "steps": 12,
            "seed": 0,
            "counterexample": {
                "property": "invariant never_both",
                "steps": 2,
                "scenario_file": "out/fuzz/toy-counterexample.yaml",
                "message": f"<fuzz>:2:1: step 2: violated {EVIL}\n  last steps:\n    start in unregistered\n"
                "    #1 register(new_password=***) in unregistered -> registered\n    #2 wait() in registered -> x",
            },
        },
        "explore": {
            "ok": False,
            "states": 42,
            "edges": 99,
            "complete": True,
            "properties": [
                {
                    "id": "invariant never_both",
                    "holds": False,
                    "counterexample": {
                        "steps": 2,
                        "scenario_file": "out/explore/toy-never_both.yaml",
                        "message": f"never {EVIL}",
                    },
                },
                {"id": "deadlock-free", "holds": True, "counterexample": None},
            ],
            "findings": [
                {"kind": "unreachable-state", "name": "waiting_room", "message": "no explored situation is in state"},
                {
                    "kind": "lockout_window",
                    "severity": "medium",
                    "channel": "web",
                    "state": "waiting_room",
                    "steps": 3,
                    "scenario_file": "out/explore/toy-lockout.yaml",
                    "message": f"locked out {EVIL}",
                    "accepted": False,
                    "sources": ["s_failing"],
                    "assumes": [],
                },
                {
                    "kind": "takeover",
                    "severity": "high",
                    "held": ["pin"],
                    "channels": ["web"],
                    "steps": 2,
                    "scenario_file": "out/explore/toy-takeover.yaml",
                    "message": "an attacker holding the member's pin takes over",
                    "accepted": True,
                    "accepted_reason": f"the member keeps it secret {EVIL}",
                    "accepted_sources": ["s_assumed"],
                    "sources": ["s_exercised"],
                    "assumes": ["a_evil"],
                },
                {
                    "kind": "attacker-capabilities",
                    "goal": "online access",
                    "capabilities": ["mailbox", EVIL],
                    "from_state": "registered",
                    "steps": 2,
                    "scenario_file": "out/explore/toy-attacker.yaml",
                    "message": "an attacker holding mailbox gets online access",
                },
                {
                    "kind": "attacker-capabilities",
                    "goal": "service-desk access",
                    "capabilities": ["the member's pin"],
                    "from_state": "unregistered",
                    "steps": 0,
                    "scenario_file": None,
                    "message": "at once",
                },
            ],
        },
        "mutate": {
            "mutants": 8,
            "killed": 6,
            "kill_rate": 0.75,
            "survivors": [{"id": "m1", "description": f"drop {EVIL}", "explanation": "nothing checks it"}],
        },
        "diagram": {"svg": svg_for(STATES), "mermaid": f"stateDiagram-v2\n  a --> b : {EVIL}", "coverage": "2/3"},
        "traceability": [
            {
                "source": "s_exercised",
                "quote": "Members log in.",
                "status": "exercised",
                "elements": [{"kind": "transition", "id": "log_in"}],
                "scenarios": ["happy_path"],
                "invariants": [],
            },
            {
                "source": "s_failing",
                "quote": f"Quote {EVIL}",
                "status": "failing",
                "elements": [{"kind": "invariant", "id": "never_both"}],
                "scenarios": ["sad_path"],
                "invariants": ["never_both"],
            },
            {
                "source": "s_untested",
                "quote": "Nothing checks this.",
                "status": "not exercised",
                "elements": [],
                "scenarios": [],
                "invariants": [],
            },
            {
                "source": "s_assumed",
                "quote": "Be careful.",
                "status": "assumption only",
                "elements": [{"kind": "assumption", "id": "care"}],
                "scenarios": [],
                "invariants": [],
            },
        ],
        "assumptions": [{"id": "care", "question": f"Care {EVIL}?", "choice": "advice", "sources": ["s_assumed"]}],
        "unquoted": [{"text": f"Heading {EVIL}", "why": "a heading"}],
        "stages": [
            {"stage": "validate", "ok": True, "text": "3 states, 3 transitions"},
            {"stage": "lint", "ok": False, "text": f"1 finding(s) {EVIL}"},
            {"stage": "scenarios", "ok": False, "text": "1 of 2 pass"},
            {"stage": "fuzz", "ok": False, "text": "invariant x fails"},
            {"stage": "explore", "ok": True, "text": "4 of 4 properties hold"},
        ],
        "comparison": {
            "scenarios_flipped": [{"name": "sad_path", "with_defaults": "pass", "with_variant": "fail"}],
            "findings_appeared": [f"appeared {EVIL}"],
            "findings_disappeared": [],
        },
    }


def synthetic(*specs: dict[str, Any]) -> dict[str, Any]:
    specs = specs or (synthetic_spec(),)
    return {"ok": all(s["ok"] for s in specs), "specs": list(specs)}


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One real check of the ANA spec (~10 s)."""
    out = tmp_path_factory.mktemp("check")
    return check(ANA_SPEC, out=out).to_json()


# --- structure ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["synthetic", "real"])
def test_the_page_is_balanced_html5_with_every_section(kind: str, request: pytest.FixtureRequest) -> None:
    report = synthetic() if kind == "synthetic" else request.getfixturevalue("real")
    text, page = page_of(report)
    assert text.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert page.problems == []
    assert set(SECTION_IDS) <= set(page.ids)
    assert len(page.ids) == len(set(page.ids)), "ids are unique"
    nav = re.search(r'<nav class="toc".*?</nav>', text, re.S)
    assert nav is not None
    assert {f"#{sid}" for sid in SECTION_IDS} <= set(re.findall(r'href="([^"]+)"', nav.group(0)))
    charts = 3 * len(report["specs"][0].get("policies", []))  # each policy's place among real sites
    study = report["specs"][0].get("population")
    charts += 2 * len({row["parameter"] for row in study["sweep"]}) if study else 0  # two per swept parameter
    assert page.tags.count("svg") == 1 + charts  # the diagram, and the charts


def test_every_state_is_named_inside_the_inline_svg(real: dict[str, Any]) -> None:
    _, page = page_of(real)
    svg_text = " ".join(page.svg_text)
    for state in real["specs"][0]["summary"]["states"]:
        assert state in svg_text


def test_the_svg_prolog_and_doctype_are_stripped() -> None:
    text, page = page_of(synthetic())
    assert "<?xml" not in text and "<!DOCTYPE svg" not in text and "credlab-dot-sha256" not in text
    assert text.count("<!DOCTYPE") == 1
    assert all(state in " ".join(page.svg_text) for state in STATES)


def test_without_graphviz_the_mermaid_text_is_shown_instead() -> None:
    report = synthetic()
    report["specs"][0]["diagram"]["svg"] = None
    text, page = page_of(report)
    assert "svg" not in page.tags
    assert "Graphviz was missing" in text
    assert '<pre class="mermaid-text">stateDiagram-v2\n  a --&gt; b : &lt;script&gt;' in text


# --- self-contained, escaped, deterministic ------------------------------------------------------------


@pytest.mark.parametrize("kind", ["synthetic", "real"])
def test_nothing_is_fetched_from_the_network(kind: str, request: pytest.FixtureRequest) -> None:
    report = synthetic() if kind == "synthetic" else request.getfixturevalue("real")
    _, page = page_of(report)
    assert page.urls, "the nav has links"
    assert all(value.startswith("#") for _, _, value in page.urls), page.urls
    assert not {"img", "link", "iframe", "object", "embed", "audio", "video", "source"} & set(page.tags)
    assert "@import" not in page.style and "url(" not in page.style


def test_the_page_has_no_script_and_a_policy_forbidding_loads_and_scripts() -> None:
    text, page = page_of(synthetic())
    assert "script" not in page.tags
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', text)
    assert csp is not None and csp.group(1) == "default-src 'none'; style-src 'unsafe-inline'"


def test_every_text_is_escaped() -> None:
    text, page = page_of(synthetic())
    assert "script" not in page.tags
    assert "<script>alert" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quotes&#x27;" in text
    visible = text_of(text)
    for where in ("Quote ", "Care ", "Heading ", "lint ", "never ", "locked out ", "appeared ", "drop ", "Toy policy "):
        assert where + EVIL in visible, where


def test_the_same_report_gives_the_same_bytes(real: dict[str, Any]) -> None:
    assert render(real) == render(copy.deepcopy(real))
    assert render(synthetic()) == render(synthetic())


def test_a_timestamp_appears_only_when_the_report_has_one() -> None:
    report = synthetic()
    assert not re.search(r"\d{4}-\d\d-\d\dT", render(report))
    report["generated"] = "2030-01-02T03:04:05+00:00"
    assert "Generated 2030-01-02T03:04:05+00:00" in render(report)


# --- what the page says --------------------------------------------------------------------------------


def test_the_page_states_the_facts_of_report_json(real: dict[str, Any]) -> None:
    spec = real["specs"][0]
    text, page = page_of(real)
    visible = text_of(text)
    verdict = "PASS" if spec["ok"] else "FAIL"
    assert page.big == [verdict]
    assert f"credlab check: {'PASS' if real['ok'] else 'FAIL'}" in text
    scenarios = spec["simulate"]["scenarios"]
    passed = sum(s["passed"] for s in scenarios)
    assert f"{passed} of {len(scenarios)} pass" in visible
    assert f"{passed} of {len(scenarios)} scenarios pass" in visible
    properties = spec["explore"]["properties"]
    holding = sum(p["holds"] for p in properties)
    assert f"{holding} of {len(properties)} properties hold" in visible
    assert visible.count("✓ holds") >= holding
    rows = page.matrix_rows
    assert [r["source"] for r in rows] == [t["source"] for t in spec["traceability"]]
    assert [r["status"] for r in rows] == [t["status"] for t in spec["traceability"]]
    for trace in spec["traceability"]:
        assert trace["quote"] in visible
    for a in spec["assumptions"]:
        assert a["question"] in visible and a["choice"] in visible
    for line in spec["unquoted"]:
        assert line["text"] in visible
    for finding in spec["explore"]["findings"]:
        if finding["kind"] == "attacker-capabilities":
            assert finding["goal"] in visible and finding["from_state"] in visible


def test_matrix_rows_needing_attention_stand_out_and_are_counted_at_the_top() -> None:
    text, page = page_of(synthetic())
    assert [(r["source"], r["status"]) for r in page.matrix_rows] == [
        ("s_exercised", "exercised"),
        ("s_failing", "failing"),
        ("s_untested", "not exercised"),
        ("s_assumed", "assumption only"),
    ]
    classes = {r["source"]: r["class"] for r in page.matrix_rows}
    assert classes["s_failing"] == "row-failing" and classes["s_untested"] == "row-not-exercised"
    assert "2 need attention" in text
    top = text[text.index('id="traceability"') : text.index('class="scroll"><table class="matrix"')]
    assert 'href="#trace-s_failing"' in top and 'href="#trace-s_untested"' in top
    assert 'href="#trace-s_exercised"' not in top
    verdict = text[text.index('id="verdict"') : text.index("</section>")]
    assert "failing</span> 1" in verdict and "not exercised</span> 1" in verdict


def test_findings_are_told_step_by_step() -> None:
    text, _ = page_of(synthetic())
    findings = text_of(text[text.index('id="findings"') : text.index('id="assumptions"')])
    assert "invariant never_both fails after 2 step(s)" in findings
    assert "#1 register(new_password=***) in unregistered -> registered" in findings
    assert "credlab simulate spec/toy.yaml out/fuzz/toy-counterexample.yaml" in findings
    assert "credlab simulate spec/toy.yaml out/explore/toy-never_both.yaml" in findings
    assert "Shortest counterexample: 2 step(s)" in findings
    assert "service-desk access the member's pin unregistered at once" in findings
    assert "online access mailbox , <script>" in findings
    assert "registered 2 step(s) out/explore/toy-attacker.yaml" in findings
    assert "no explored situation is in state" in findings
    assert "spec/toy.yaml:4:5 unused-assumption lint" in findings


def test_risks_are_grouped_by_kind_explained_and_marked_accepted_or_not() -> None:
    text, _ = page_of(synthetic())
    risks = text[text.index('id="risks"') : text.index('id="findings"')]
    words = text_of(risks)
    assert words.index("takeover") < words.index("lockout_window")  # the vocabulary's order
    assert FINDING_MEANING["lockout_window"] in words and FINDING_MEANING["takeover"] in words
    assert "medium locked out <script>" in words and "✗ not accepted" in words
    assert "accepted the member keeps it secret <script>" in words
    assert 'href="#trace-s_assumed"' in risks  # the sentence that accepts it
    assert 'href="#trace-s_exercised"' in risks and "assuming a_evil" in words  # what it rests on
    assert "credlab simulate spec/toy.yaml out/explore/toy-takeover.yaml" in words
    assert "Not analysed yet" not in words  # every risk kind is analysed
    assert "row-failing" in risks.split("toy-lockout")[0]


def test_scenarios_coverage_comparison_mutation_and_parameters() -> None:
    text, _ = page_of(synthetic())
    scenarios = text[text.index('id="scenarios"') : text.index('id="comparison"')]
    assert "<pre>toy.yaml:9:3: step 2: expected state registered; got state &lt;script&gt;" in scenarios
    assert "1 of 2</strong> scenarios pass" in scenarios and "waiting_room" in scenarios
    comparison = text_of(text[text.index('id="comparison"') : text.index('id="mutation"')])
    assert "ttl=30m (default 2h)" in comparison and "sad_path pass fail" in comparison
    assert "appeared <script>" in comparison
    mutation = text_of(text[text.index('id="mutation"') :])
    assert "75% of planted defects are caught: 6 of 8" in mutation and "m1" in mutation
    assert '<tr class="overridden"><td><code>ttl</code></td><td><strong>30m</strong>' in text
    assert "<tr><td><code>grace</code>" in text


def test_without_comparison_or_mutation_the_sections_say_so() -> None:
    spec = synthetic_spec(ok=True)
    spec["comparison"] = None
    spec["mutate"] = None
    text, page = page_of(synthetic(spec))
    assert set(SECTION_IDS) <= set(page.ids)
    assert page.big == ["PASS"]
    assert "nothing to compare" in text and "credlab check --mutate" in text


def test_several_specs_get_their_own_unique_section_ids() -> None:
    text, page = page_of(synthetic(synthetic_spec("first"), synthetic_spec("second", ok=True)))
    assert page.problems == []
    assert len(page.ids) == len(set(page.ids))
    assert set(SECTION_IDS) <= set(page.ids)
    assert {f"second-{sid}" for sid in SECTION_IDS if sid != "verdict"} <= set(page.ids)
    assert page.big == ["FAIL", "PASS"]
    assert 'href="#second-trace-s_failing"' in text
    assert page.tags.count("svg") == 2


def test_the_real_report_renders_from_its_json(real: dict[str, Any], tmp_path: Path) -> None:
    """report.json round-trips: the page rendered from the parsed JSON is the page of the report."""
    import json

    path = tmp_path / "report.json"
    path.write_text(json.dumps(real, sort_keys=True), encoding="utf-8")
    assert render(json.loads(path.read_text(encoding="utf-8"))) == render(real)


def test_each_policy_shows_its_count_its_audits_and_its_place_among_real_sites(real: dict[str, Any]) -> None:
    reviews = {r["policy"]: r for r in real["specs"][0]["policies"]}
    assert set(reviews) == {"web_password", "amc_pin"}
    web = reviews["web_password"]
    assert web["total"] == str(sum(62**n - 52**n - 10**n for n in range(8, 17))) and web["shortest"] == "aaaaaaa0"
    audits = {a["profile"]: a for a in web["audits"]}
    assert set(audits) == {"nist-800-63b-4", "asvs-5-l1", "asvs-5-l2", "asvs-5-l3"}
    nist = {r["id"]: r for r in audits["nist-800-63b-4"]["requirements"]}
    assert nist["nist.rate_limit"]["status"] == "fail"  # from the exploration's unlimited_guessing finding
    assert web["corpus"]["sites"] == 434 and web["corpus"]["here"]["minimum"] == "8"
    text, _ = page_of(real)
    assert "Accepts exactly 45,539,935,824,535,367,148,475,909,120 strings" in text
    assert "NIST SP 800-63B-4 (2025): password verifiers: 0 of 8 pass" in text
    assert 'aria-label="Minimum length"' in text


def test_the_population_section_shows_each_sweep_with_its_bands(real: dict[str, Any]) -> None:
    """ANA's profile (examples/profiles/ana_members.yaml) asks for the link's lifetime and the
    postcard's delay: the report answers, with intervals, how access changes with each."""
    study = real["specs"][0]["population"]
    assert study["profile"].endswith("ana_members.yaml") and study["members"] == 10_000
    assert study["oracle"] == {"members": 20, "disagreements": []}
    swept = {(row["parameter"], row["value"]) for row in study["sweep"]}
    assert swept == {("reset_link_ttl", v) for v in ("30m", "1h", "2h", "24h")} | {
        ("postcard_delivery_max", v) for v in ("2d", "7d", "14d")
    }
    days = {row["value"]: row["outcomes"]["days_without_online_access"] for row in study["sweep"]}
    assert days["30m"]["ci95"][0] > days["24h"]["ci95"][1]  # a shorter link keeps members out longer
    text, _ = page_of(real)
    assert 'aria-label="Share of members who lose online access by reset_link_ttl"' in text
    assert 'aria-label="Days without online access, per member by postcard_delivery_max"' in text
    assert "20 members were replayed with real secrets at their real instants on the transitions machine" in text
    assert "and the reference engine: they agree." in text
    lost = {row["value"]: row["outcomes"]["lost_online_access"] for row in study["sweep"]}
    assert lost["30m"]["ci95"][1] - lost["30m"]["ci95"][0] < 0.03  # bands narrow enough to read
    stages = {row["stage"]: row for row in real["specs"][0]["stages"]}
    assert stages["population"]["ok"] and "lose online access" in stages["population"]["text"]


def test_two_parameters_swept_together_draw_a_line_per_value_of_the_second() -> None:
    from credlab.simulator import api
    from credlab.simulator.render.report_population import population

    report = api.population(
        ANA_SPEC,
        REPO / "examples" / "profiles" / "ana_members.yaml",
        members=300,
        horizon="90d",
        sweep=["reset_link_ttl=30m,24h", "postcard_delivery_max=2d,14d"],
        grid=True,
        oracle_sample=0,
    )
    html = population({"name": "ana_web_password", "population": report.to_json()})
    label = "Share of members who lose online access by reset_link_ttl, a line per postcard_delivery_max"
    assert f'aria-label="{label}"' in html
    assert ">postcard_delivery_max=2d</text>" in html and ">postcard_delivery_max=14d</text>" in html
    assert html.count("<polyline") == 4  # two charts, two lines each
