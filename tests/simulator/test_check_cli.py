"""``credlab check``, end to end through the console script: exit codes, report.json and
index.html, byte-identical reruns, ``--format json``, a policy variant (``--set``) compared with
the defaults, the text summary, and bad input as exit 2 without a traceback.

A full check of the ANA spec takes 10–15 s (a variant twice that: it also checks the defaults),
so the runs are module-scoped fixtures shared by the tests: a default run in text format, the
same run again into the same folder in JSON format, and the 30-minute-link variant.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO

SPEC = "spec/ana_web_password.yaml"
STAGES = ("validate", "lint", "scenarios", "fuzz", "explore")
TWO_HOUR_STORIES = {
    "two_hours_link_refused_at_2h01m",
    "two_hours_link_still_works_at_1h59m",
    "two_hours_link_still_works_at_1h59m59s",
    "two_hours_second_request_restarts_the_clock",
    "two_hours_unregistered_member_returns_to_unregistered",
}


def credlab() -> list[str]:
    script = Path(sys.executable).with_name("credlab")
    return [str(script)] if script.exists() else [sys.executable, "-m", "credlab"]


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str
    folder: Path

    def report(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads((self.folder / "report.json").read_text(encoding="utf-8"))
        return parsed

    def files(self) -> dict[str, bytes]:
        return {name: (self.folder / name).read_bytes() for name in ("report.json", "index.html")}


def check(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*credlab(), "check", *map(str, args)], cwd=REPO, capture_output=True, text=True, timeout=600, check=False
    )


def run_into(folder: Path, *args: str) -> Run:
    done = check(SPEC, "-o", folder, *args)
    return Run(done.returncode, done.stdout, done.stderr, folder)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, dict[str, bytes], Run]:
    """The default check twice into one folder: text first, then JSON. Returns the first run,
    the files it wrote (before the second run overwrote them), and the second run."""
    folder = tmp_path_factory.mktemp("check")
    first = run_into(folder)
    written = first.files() if first.code in (0, 1) else {}
    second = run_into(folder, "--format", "json")
    return first, written, second


@pytest.fixture(scope="module")
def variant(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return run_into(tmp_path_factory.mktemp("variant"), "--set", "reset_link_ttl=30m")


def test_the_default_check_fails_only_on_anas_risks_and_writes_the_report(
    runs: tuple[Run, dict[str, bytes], Run],
) -> None:
    """Every stage passes on ANA but its risks: the text sets no limit on wrong passwords and PINs
    (unlimited guessing); the registered mailbox or postal address lets a third party take over;
    anyone identified can have the postcard sent, and until it comes the member has nothing that
    works (a denial of service, and a lockout window when the member asks for it); a member who
    loses both the mailbox and the postal address while the postcard travels has no way back (a
    dead end). The spec
    accepts only the takeover by someone who learned the PIN, which the text leaves to the
    member's care; the rest fail the check."""
    first, written, _ = runs
    assert first.code == 1, first.out + first.err
    assert "Traceback" not in first.err
    report = json.loads(written["report.json"])
    assert report["ok"] is False
    [spec] = report["specs"]
    assert spec["simulate"]["ok"] and spec["fuzz"]["ok"] and spec["explore"]["ok"]
    failing = sorted({f["kind"] for f in spec["explore"]["findings"] if f["severity"] != "info" and not f["accepted"]})
    assert failing == ["dead_end", "denial_of_service", "lockout_window", "takeover", "unlimited_guessing"]
    assert [s["path"] for s in report["specs"]] == [SPEC]
    page = written["index.html"].decode("utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and 'id="traceability"' in page
    assert not list(first.folder.glob(".*")), "no temporary file is left behind"


def test_a_second_run_gives_the_same_bytes(runs: tuple[Run, dict[str, bytes], Run]) -> None:
    _, written, second = runs
    assert second.code == 1, second.err
    assert second.files() == written


def test_format_json_prints_the_report(runs: tuple[Run, dict[str, bytes], Run]) -> None:
    _, written, second = runs
    assert json.loads(second.out) == json.loads(written["report.json"])


def test_the_text_summary_has_a_line_per_stage_and_ends_with_the_report_path(
    runs: tuple[Run, dict[str, bytes], Run],
) -> None:
    first, _, _ = runs
    lines = first.out.rstrip("\n").splitlines()
    assert lines[0] == f"{SPEC} — ANA Mileage Club web password: FAIL"
    for stage in STAGES:
        assert sum(1 for line in lines if line.split()[:2] == [stage, "ok"]) == 1, stage
    [risks] = [line for line in lines if line.split()[:2] == ["findings", "FAIL"]]
    assert risks.endswith(
        "11 risk(s) not accepted: takeover ×2, denial_of_service ×1, lockout_window ×3, dead_end ×1, "
        "unlimited_guessing ×4; 1 accepted by the spec"
    )
    assert lines[-1] == f"FAIL: report written to {first.folder / 'index.html'}"


def test_a_thirty_minute_link_fails_and_is_compared_with_the_defaults(variant: Run) -> None:
    assert variant.code == 1, variant.out + variant.err
    assert "Traceback" not in variant.err
    report = variant.report()
    assert report["ok"] is False
    spec = report["specs"][0]
    assert [(p["name"], p["value"], p["overridden"]) for p in spec["parameters"]] == [
        ("reset_link_ttl", "30m", True),
        ("postcard_delivery_min", "1d", False),
        ("postcard_delivery_max", "7d", False),
    ]
    flipped = spec["comparison"]["scenarios_flipped"]
    assert {f["name"] for f in flipped} == TWO_HOUR_STORIES
    assert all((f["with_defaults"], f["with_variant"]) == ("pass", "fail") for f in flipped)
    failing = {s["name"] for s in spec["simulate"]["scenarios"] if not s["passed"]}
    assert failing == TWO_HOUR_STORIES
    lines = variant.out.rstrip("\n").splitlines()
    assert lines[0] == f"{SPEC} [reset_link_ttl=30m] — ANA Mileage Club web password: FAIL"
    assert f"  against the defaults: {len(flipped)} scenario(s) flip, 0 finding(s) appear, 0 disappear" in lines
    assert lines[-1] == f"FAIL: report written to {variant.folder / 'index.html'}"
    page = (variant.folder / "index.html").read_text(encoding="utf-8")
    comparison = page[page.index('id="comparison"') : page.index('id="mutation"')]
    assert all(name in comparison for name in TWO_HOUR_STORIES)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("spec/no_such_spec.yaml",), "spec/no_such_spec.yaml:1:1: error: no such file"),
        ((SPEC, "--set", "no_such_parameter=30m"), "unknown parameter 'no_such_parameter'"),
        ((SPEC, "--set", "reset_link_ttl=2:00"), "is not a duration"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(args: tuple[str, ...], message: str, tmp_path: Path) -> None:
    done = check(*args, "-o", tmp_path / "out")
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists(), "nothing is written for bad input"


def test_the_reports_replay_commands_work_pasted_in_the_reports_folder(tmp_path: Path) -> None:
    """The report says to paste its replay commands in its own folder; there, they replay."""
    import html
    import re

    from credlab.simulator.api import check

    out = tmp_path / "elsewhere" / "report"
    check([REPO / SPEC], scenarios=[REPO / "scenarios"], out=out)
    page = (out / "index.html").read_text(encoding="utf-8")
    commands = sorted(
        set(
            re.findall(
                r"(?:Replay it from the folder holding this page|from the folder holding this page, for "
                r"example): <code>(.*?)</code>",
                page,
            )
        )
    )
    assert commands, "the ANA report writes attacker stories, each with a replay command"
    for command in commands[:2]:
        words = html.unescape(command).split()
        assert words[:2] == ["credlab", "simulate"]
        done = subprocess.run(
            [*credlab(), *words[1:]], cwd=out, capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr
