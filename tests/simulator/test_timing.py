"""Time in exploration: zones keep what guards can observe, so durations do not grow the space;
every clock event is checked for determinism; stories from zone paths replay with concrete times."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from credlab.model.engine import Engine
from credlab.model.ir import Spec
from credlab.model.loader import load_spec
from credlab.simulator.analysis.exploration import Exploration
from credlab.simulator.analysis.explore import Explorer
from credlab.simulator.analysis.explore_report import ExploreOptions, explore_report
from credlab.simulator.cli.main import main
from credlab.simulator.engine.zones import INF, Zone
from tests.conftest import ANA_SPEC, REPO

LIFETIME = REPO / "tests" / "simulator" / "fixtures" / "timing" / "bank_card_lifetime.yaml"
DAY = 86_400


def _scaled(spec: Spec, factor: int) -> dict[str, int]:
    """Every duration of ``spec`` multiplied by ``factor`` (all of them come from parameters)."""
    for deadline in spec.deadlines.values():
        assert isinstance(deadline.duration, str) and deadline.duration in spec.parameters, deadline
    defaults = spec.parameter_values({})
    return {name: defaults[name] * factor for name, p in spec.parameters.items() if p.type == "duration"}


def _verdicts(spec: Spec, overrides: dict[str, int], out: Path) -> tuple[int, int, list[tuple[str, str]], list[str]]:
    report = explore_report(spec, overrides, ExploreOptions(out=out))
    assert report.complete
    verdicts = [(str(p.property), p.verdict) for p in report.properties]
    # how long a window lasts scales with the durations: what is found, and where, does not
    windows = [(f.message.replace(f.duration, "<window>") if f.duration else f.message) for f in report.findings]
    return report.states, report.edges, verdicts, sorted(windows)


@pytest.mark.parametrize("path", [ANA_SPEC, LIFETIME], ids=["ana", "bank_card_lifetime"])
def test_scaling_every_duration_by_a_thousand_changes_nothing(path: Path, tmp_path: Path) -> None:
    spec = load_spec(path)
    assert _verdicts(spec, {}, tmp_path / "a") == _verdicts(spec, _scaled(spec, 1000), tmp_path / "b")


def test_a_longer_card_lifetime_gives_the_same_situations_and_verdicts(tmp_path: Path) -> None:
    """121 days, five years or fifty: the same zones, the same verdicts (recoverable fails: an
    expired card is the end)."""
    spec = load_spec(LIFETIME)
    results = [_verdicts(spec, {"card_lifetime": days * DAY}, tmp_path / str(days)) for days in (121, 1826, 18260)]
    assert results[0] == results[1] == results[2]
    assert ("recoverable", "fails") in results[0][2]


def test_the_story_to_an_expired_card_waits_just_long_enough_and_replays(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["explore", str(LIFETIME), "--format", "json", "--out", str(tmp_path)]) == 1
    report = json.loads(capsys.readouterr().out)
    [recoverable] = [p for p in report["properties"] if p["id"] == "recoverable"]
    story = Path(recoverable["counterexample"]["scenario_file"])
    text = story.read_text(encoding="utf-8")
    assert "advance: 1826d" in text  # the lifetime exactly: exclusive, so expired from that second on
    assert main(["simulate", str(LIFETIME), str(story)]) == 0


def test_a_clock_event_enabling_two_transitions_fails_deterministic_with_a_story(
    ana: Spec, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The double-expiry mutant: ``when`` dropped from one of the two link expiries. Declaration
    order would silently decide which fires; exploration says so and shows where."""
    text = ANA_SPEC.read_text(encoding="utf-8")
    guarded = "    to: unregistered\n    when:\n      - {not: {is_set: web_password}}\n    do:\n      - {stop_deadline"
    assert text.count(guarded) == 1
    unguarded = guarded.replace("    when:\n      - {not: {is_set: web_password}}\n", "")
    (tmp_path / ANA_SPEC.name).write_text(text.replace(guarded, unguarded), encoding="utf-8")
    policy = ANA_SPEC.with_suffix(".policy.txt")
    (tmp_path / policy.name).write_text(policy.read_text(encoding="utf-8"), encoding="utf-8")
    mutant = tmp_path / ANA_SPEC.name
    assert main(["explore", str(mutant), "--format", "json", "--out", str(tmp_path / "out")]) == 1
    report = json.loads(capsys.readouterr().out)
    [deterministic] = [p for p in report["properties"] if p["id"] == "deterministic"]
    assert deterministic["verdict"] == "fails"
    counterexample = deterministic["counterexample"]
    assert "link_expires_registered, link_expires_unregistered" in counterexample["message"]
    story = Path(counterexample["scenario_file"]).read_text(encoding="utf-8")
    assert story.rstrip().splitlines()[-1].strip().startswith("- advance: 2h")  # the lapse itself
    assert main(["simulate", str(mutant), counterexample["scenario_file"]]) == 0


def test_zones_decide_inclusion_and_emptiness_exactly() -> None:
    link = Zone().reset(0).up().constrain([(1, 0, 7199)])  # a two-hour link, exclusive: 0..7199 s
    assert link is not None and (link.lower(0), link.upper(0)) == (0, 7199)
    both = link.reset(1)  # a second deadline started later: x0 - x1 in 0..7199
    assert both.bound(1, 2) == 7199 and both.bound(2, 1) == 0
    assert link.up().upper(0) == INF
    assert both.constrain([(0, 1, -7200)]) is None  # the link cannot have lapsed already
    waited = both.up().constrain([(1, 0, 7199), (2, 0, 99)])
    assert waited is not None and waited.includes(both) and not both.includes(waited)
    assert waited.drop(0).clocks == (1,) and waited.down().includes(waited)


def _partial_lapses(explorer: Explorer, found: Exploration) -> int:
    """Lapses, over every explored situation, that only some valuations of its zone can take."""
    return sum(not lapse.universal for zone in found.zones for lapse in explorer.clocks.lapses(zone))


def test_lapses_some_valuations_miss_are_marked_and_recoverability_is_not_claimed_from_them(ana: Spec) -> None:
    """With two clocks, a lapse order is open to some valuations of a zone only. The minimal card
    has one clock, so every step there is open to every valuation; ANA has three (the link, and
    the postcard's window), yet recoverability is decided everywhere."""
    explorer = Explorer(Engine(load_spec(REPO / "tests" / "model" / "good_specs" / "minimal.yaml")))
    found = explorer.explore()
    assert _partial_lapses(explorer, found) == 0 and not found.uncertain and found.undecided_recovery == []
    explorer = Explorer(Engine(ana))
    found = explorer.explore()
    assert _partial_lapses(explorer, found) > 0 and found.undecided_recovery == []
    explorer = Explorer(Engine(load_spec(LIFETIME)))
    card = explorer.explore()
    assert _partial_lapses(explorer, card) > 0  # the activation window may or may not outlive the card
    assert card.undecided_recovery == []  # an expired card is stuck whatever the order: recoverable fails


def test_a_truncated_card_search_is_unknown_and_check_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Stopped before the expiry of the card was seen: nothing about it is claimed."""
    assert main(["explore", str(LIFETIME), "--max-states", "5", "--format", "json", "--out", str(tmp_path)]) == 1
    report = json.loads(capsys.readouterr().out)
    verdicts = {p["id"]: p["verdict"] for p in report["properties"]}
    assert "holds" not in verdicts.values() and verdicts["recoverable"] == "unknown" and report["undecided"]
    assert main(["check", str(LIFETIME), "--max-states", "5", "-o", str(tmp_path / "report")]) == 1
    page = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    assert "? unknown" in page and "No attacker capability gives the attacker access" not in page


def test_progress_goes_to_a_terminal_and_never_into_json(tmp_path: Path) -> None:
    """Situations, edges, rate and frontier on a terminal's stderr; nothing with --format json."""
    import os
    import pty
    import subprocess
    import sys

    def stderr_on_a_terminal(*extra: str) -> str:
        controller, terminal = pty.openpty()
        command = [sys.executable, "-m", "credlab", "explore", str(ANA_SPEC), "--out", str(tmp_path), *extra]
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=terminal, cwd=REPO, check=False)
        os.close(terminal)
        chunks = []
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(controller)
        assert done.returncode == 0, done
        return b"".join(chunks).decode("utf-8", "replace")

    shown = stderr_on_a_terminal()
    assert "situations/s" in shown and "to expand" in shown and "edges" in shown
    assert "situations/s" not in stderr_on_a_terminal("--format", "json")


def test_a_way_back_that_depends_on_which_timer_lapses_first_is_unknown_never_holds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Armed, the member gets back whichever timer lapses first, but each order is open only to
    some valuations of the zone: exploration cannot claim `holds` from zones alone."""
    timers = REPO / "tests" / "simulator" / "fixtures" / "timing" / "two_timers.yaml"
    assert main(["explore", str(timers), "--format", "json", "--out", str(tmp_path)]) == 1
    report = json.loads(capsys.readouterr().out)
    [recoverable] = [p for p in report["properties"] if p["id"] == "recoverable"]
    assert recoverable["verdict"] == "unknown" and recoverable["counterexample"] is None
    assert "the first in armed" in recoverable["bound"]
    assert {p["id"]: p["verdict"] for p in report["properties"]}["deadlock-free"] == "holds"
