"""Sets of single-use codes (recovery codes): ``codes: N`` on a credential.

Any unused code matches; ``use_code`` uses one up; ``randomize_credential`` issues a new set and
voids the old; ``codes_left`` says how many remain. A story gives a set as its codes separated by
spaces and presents the first unused one for ``{known: …}``. ``spec/totp_recovery.yaml`` is the
example: a password with the authenticator's code, or with one of ten recovery codes.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from credlab.model.engine import Engine
from credlab.model.loader import load_spec
from credlab.model.machine import compile_spec
from credlab.simulator import api
from credlab.simulator.cli.main import main
from credlab.simulator.stories.knowledge import next_code
from tests.conftest import REPO

SPEC = REPO / "spec" / "totp_recovery.yaml"
SHEET = "11111111 22222222 33333333 44444444 55555555 66666666 77777777 88888888 99999999 12121212"


def test_any_unused_code_matches_and_a_used_one_no_longer_does() -> None:
    engine = Engine(load_spec(SPEC))
    world = engine.initial("signed_out", {"password": "correct horse", "app_code": "123456", "recovery_codes": SHEET})
    assert engine.matches(world, "recovery_codes", "55555555") and not engine.matches(world, "recovery_codes", SHEET)
    after, step = engine.fire(world, "sign_in", {"password": "correct horse", "code": "55555555"}, random.Random(0))
    assert step.transition == "sign_in_with_recovery_code"
    assert not engine.matches(after, "recovery_codes", "55555555") and engine.matches(
        after, "recovery_codes", "11111111"
    )
    assert engine.holds(load_spec(SPEC).transitions[1].guards[2], world, {})  # ten left: at least four


def test_both_backends_keep_the_same_set() -> None:
    spec = load_spec(SPEC)
    member = compile_spec(spec).new_member("signed_out", {"recovery_codes": SHEET, "password": "correct horse"})
    stored = member.record.credentials["recovery_codes"]
    assert isinstance(stored, tuple) and len(stored) == 10
    assert stored == Engine(spec).initial("signed_out", {"recovery_codes": SHEET}).credentials[2]


def test_a_story_presents_the_first_unused_code() -> None:
    assert next_code("a b c", lambda code: code != "a") == "b"
    assert next_code("a b", lambda code: False) == "a"  # none left: the first, which is refused


def test_a_given_set_has_the_spec_s_number_of_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    story = tmp_path / "short.yaml"
    story.write_text(
        "credlab_scenarios: 1\nspec: totp_recovery\nscenarios:\n  - name: three_codes\n"
        '    given: {state: signed_out, credentials: {recovery_codes: "11111111 22222222 3333"}}\n'
        "    steps:\n      - {do: sign_out}\n",
        encoding="utf-8",
    )
    assert main(["simulate", str(SPEC), str(story)]) == 2
    err = capsys.readouterr().err
    assert "the given recovery_codes has 3 codes; the spec's set has 10" in err
    assert "breaks policy recovery_code (eight)" in err and "3333" not in err  # the value is never repeated


def test_the_totp_policy_passes_its_check_with_the_dead_end_it_states(tmp_path: Path) -> None:
    report = api.check([SPEC], out=tmp_path)
    assert report.ok
    [spec] = report.specs
    assert spec.explore is not None
    [dead] = [f for f in spec.explore.findings if f.kind == "dead_end"]
    assert dead.accepted is not None and dict(dead.details)["lost"] == ["phone"]
    assert "no_way_back" in dead.accepted.sources
    steps = Path(str(dead.scenario_file)).read_text(encoding="utf-8").count("code: {known: recovery_codes}")
    assert steps == 10  # every code used up, then the phone lost: no code left anywhere
