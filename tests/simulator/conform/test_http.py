"""``credlab conform --target URL --binding FILE``: the ANA example app, a real web service on a
real database and a real SMTP exchange, driven through the spec's stories, the shortest stories
to every transition and state, and random walks.

The correct app diverges nowhere; each seeded bug is found within the default budget, as a
short story that fails against the buggy app and passes against the correct one."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from credlab.examples.ana_app.bugs import BUGS
from credlab.simulator import api
from credlab.simulator.cli.main import main
from tests.conftest import REPO
from tests.fixtures.example_app import BINDING, RunningApp, running_app

ANA = REPO / "spec" / "ana_web_password.yaml"
SECRETS = ("Sakura2024", "Hanami2025", "0123", "4321")
"""Values ANA's stories give members: none may appear in an exchange."""


@pytest.fixture(scope="module")
def correct_app() -> Iterator[RunningApp]:
    with running_app() as app:
        yield app


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_the_correct_app_diverges_nowhere(
    correct_app: RunningApp, seed: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The whole story library, the shortest story to every transition and state, and 100
    random walks (the default budget) with this seed: no false alarm."""
    code = main(
        [
            "--format",
            "json",
            "conform",
            str(ANA),
            *correct_app.conform_args(),
            "--seed",
            str(seed),
            "--out",
            str(tmp_path),
        ]
    )
    report = json.loads(capsys.readouterr().out)
    assert (code, report["ok"], report["divergences"], report["skipped"]) == (0, True, [], [])
    assert report["coverage"]["transitions"] == {"covered": 20, "total": 20}
    assert report["coverage"]["states"] == {"covered": 8, "total": 8}
    assert report["stories"] > 120 and report["steps"] > 1000  # the walks ran too (the library alone: ~530)


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_every_seeded_bug_is_found_as_a_short_story(
    bug: str, correct_app: RunningApp, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with running_app(bug) as buggy:
        code = main(["--format", "json", "conform", str(ANA), *buggy.conform_args(), "--out", str(tmp_path / "o")])
        report = json.loads(capsys.readouterr().out)
        assert code == 1 and report["divergences"], bug
        first = report["divergences"][0]
        story = Path(first["scenario_file"])
        assert story.parent == tmp_path / "o"
        # The short story fails against the buggy app ...
        again = api.conform(ANA, buggy.url, [story], binding=BINDING, smtp=buggy.smtp, paths=False, out=tmp_path / "a")
        assert [d.story for d in again.divergences] == [f"conform_{first['story']}"]
    # ... passes against the correct one, and on the spec itself.
    fixed = api.conform(
        ANA, correct_app.url, [story], binding=BINDING, smtp=correct_app.smtp, paths=False, out=tmp_path / "f"
    )
    assert fixed.ok and fixed.divergences == () and fixed.skipped == ()
    assert main(["simulate", str(ANA), str(story)]) == 0
    # The exchange is there as cURL lines, and no secret is in it.
    exchange = "\n".join(first["exchange"])
    assert "curl -i -X" in exchange and correct_app.url.split("//")[1].split(":")[0] in exchange
    # a secret as a value of its own (member numbers such as 1000000123 hold "0123" as digits)
    assert not [s for s in SECRETS if re.search(rf"(?<![0-9A-Za-z]){s}(?![0-9A-Za-z])", exchange)], exchange
