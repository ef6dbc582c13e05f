"""credlab's Python API: typed, immutable results with ``.ok`` and ``.to_json()``, credlab's own errors,
and the CLI as a client (its ``--format json`` output is exactly the result's JSON)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import credlab
from credlab.model.errors import CredlabError, ScenarioError, SpecError, UsageError
from credlab.simulator.cli.main import main
from credlab.simulator.results import Builtin, PropertyId, Stage
from tests.conftest import ANA_SPEC, REPO
from tests.fixtures.layout.fingerprint import EXPLORE_COUNTS, fingerprint, recorded

BEFORE = REPO / "tests" / "fixtures" / "layout" / "check_ana_before_layout.json"
BANK = REPO / "tests" / "model" / "good_specs" / "bank_card_pin.yaml"


def test_every_public_name_resolves_and_is_listed() -> None:
    assert {"load_spec", "check", "simulate", "fuzz", "explore", "mutate", "render_diagram", "state_machine"} <= set(
        credlab.__all__
    )
    assert credlab.__all__ == sorted(credlab.__all__)
    for name in credlab.__all__:
        assert getattr(credlab, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = credlab.nope  # type: ignore[attr-defined]


def test_importing_credlab_imports_nothing_else_of_it() -> None:
    probe = "import sys, credlab; print(sorted(m for m in sys.modules if m.startswith('credlab')))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "['credlab']"


def test_check_from_the_repo_root_as_the_readme_shows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``credlab.check`` is the main job: it writes the report and returns the verdict; the verdicts,
    counts and findings are those ``credlab check`` gave before the code moved under ``credlab``."""
    monkeypatch.chdir(REPO)  # where ./scenarios/ is, as in the README
    out = tmp_path / "report"
    report = credlab.check([str(ANA_SPEC.relative_to(REPO))], out=out)
    assert not report.ok  # ANA's risks: everything else passes
    assert [row.stage for row in report.specs[0].stages() if not row.ok] == [Stage.FINDINGS]
    written = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert written == report.to_json()
    assert (out / "index.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert fingerprint(written) == recorded(json.loads(BEFORE.read_text(encoding="utf-8")))
    explored = written["specs"][0]["explore"]
    assert {k: explored[k] for k in EXPLORE_COUNTS} == EXPLORE_COUNTS
    with pytest.raises(AttributeError, match="immutable"):
        report.specs = ()  # type: ignore[misc]


def test_explore_result_is_what_the_cli_prints(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = credlab.explore(ANA_SPEC, out=tmp_path / "api")
    assert result.ok and result.complete
    assert {p.property for p in result.properties} >= {PropertyId.builtin(b) for b in Builtin}
    assert all(p.holds for p in result.properties)
    kinds = {f.kind for f in result.findings}
    assert "attacker-capabilities" in kinds
    assert main(["explore", str(ANA_SPEC), "--out", str(tmp_path / "api"), "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    untimed = {k: v for k, v in result.to_json().items() if k != "seconds"}
    assert {k: v for k, v in printed.items() if k != "seconds"} == untimed


def test_simulate_takes_settings_as_a_mapping_or_as_set_arguments() -> None:
    by_mapping = credlab.simulate(ANA_SPEC, settings={"reset_link_ttl": "30m"})
    by_arguments = credlab.simulate(ANA_SPEC, settings=["reset_link_ttl=30m"])
    assert not by_mapping.ok and by_mapping.to_json() == by_arguments.to_json()
    assert credlab.simulate(ANA_SPEC, settings="reset_link_ttl=30m").to_json() == by_mapping.to_json()
    failing = {s["name"] for s in by_mapping.to_json()["scenarios"] if not s["passed"]}
    assert failing and all(name.startswith("two_hours") for name in failing)
    assert credlab.simulate(ANA_SPEC).ok


def test_fuzz_and_mutate_return_typed_results(tmp_path: Path) -> None:
    fuzzed = credlab.fuzz(BANK, max_examples=5, steps=5, out=tmp_path)
    assert fuzzed.ok and fuzzed.counterexample is None and fuzzed.to_json()["ok"] is True
    assert fuzzed.coverage.states.total == len(credlab.load_spec(BANK).states)
    mutated = credlab.mutate(BANK, [REPO / "tests" / "model" / "good_specs"], explore=False, out=tmp_path, threshold=0)
    assert mutated.ok and mutated.mutants == mutated.killed + len(mutated.survivors)


def test_render_diagram_draws_text_formats_without_graphviz() -> None:
    mermaid = credlab.render_diagram(ANA_SPEC, format="mmd")
    assert mermaid.ok and mermaid.text.startswith("stateDiagram-v2")
    whole = credlab.render_diagram(ANA_SPEC, format="dot")
    focused = credlab.render_diagram(ANA_SPEC, format="dot", focus="reset_pending")

    def nodes(text: str) -> set[str]:
        return set(re.findall(r"^\t+(\w+) \[", text, re.MULTILINE))

    assert "reset_pending" in nodes(focused.text) and nodes(focused.text) < nodes(whole.text)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: credlab.fuzz(ANA_SPEC, max_examples=0), UsageError, "max_examples must be at least 1"),
        (lambda: credlab.explore(ANA_SPEC, max_states=0), UsageError, "max_states must be at least 1"),
        (lambda: credlab.mutate(ANA_SPEC, threshold=2), UsageError, "between 0 and 1"),
        (lambda: credlab.render_diagram(ANA_SPEC, focus="nowhere"), UsageError, "not a state"),
        (lambda: credlab.explore(ANA_SPEC, settings={"reset_link_tll": "1h"}), SpecError, "did you mean"),
        (lambda: credlab.load_spec(REPO / "no_such_spec.yaml"), SpecError, "no such file"),
    ],
)
def test_errors_are_credlabs_own(call: object, error: type[CredlabError], message: str) -> None:
    with pytest.raises(error, match=message) as caught:
        call()  # type: ignore[operator]
    assert isinstance(caught.value, CredlabError)


def test_a_broken_scenario_file_is_a_located_scenario_error(tmp_path: Path) -> None:
    story = tmp_path / "broken.yaml"
    story.write_text("credlab_scenarios: 1\nspec: ana_web_password\nscenarios: [{name: x, steps: 3}]\n")
    with pytest.raises(ScenarioError) as caught:
        credlab.simulate(ANA_SPEC, [story])
    assert all(p.location.path == str(story) for p in caught.value.problems)


def test_the_readme_example_runs_as_shown(tmp_path: Path) -> None:
    """The first Python example in the README runs from the repository root and prints what it says."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start = readme.index("```python\nimport credlab\n") + len("```python\n")
    code = readme[start : readme.index("```", start)]
    code = code.replace(
        'credlab.check(["spec/ana_web_password.yaml"])',
        f'credlab.check(["spec/ana_web_password.yaml"], out={str(tmp_path)!r})',
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "False"
    assert [line.split()[:2] for line in lines if line.split()[1:2] == ["FAIL"]] == [["findings", "FAIL"]]
    assert "False 5" in lines
    assert lines[-1].startswith("stateDiagram-v2")
