"""The table engine: blocks of members over numpy arrays, each step read from a table the
reference engine fills. It must give the same bytes however the blocks are run, agree with the
member-by-member engine within the intervals, and its oracle must catch a table that is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from credlab.model.loader import load_spec
from credlab.model.machine import CompiledSpec
from credlab.simulator.cli.main import main
from credlab.simulator.population.block import BLOCK, run_block
from credlab.simulator.population.oracle import replay
from credlab.simulator.population.profile import load_profile
from credlab.simulator.population.run import simulate, table_engine_refuses
from credlab.simulator.population.situation import Shape
from credlab.simulator.population.table import Table
from tests.conftest import REPO

ANA = REPO / "spec" / "ana_web_password.yaml"
PROFILE = REPO / "examples" / "profiles" / "ana_members.yaml"
FORGETS_TO_CLEAR = REPO / "tests" / "fixtures" / "defects" / "forgets_to_clear.yaml"
"""ANA whose postcard reset keeps the web password (a planted defect)."""
DAY = 86_400


def test_two_blocks_give_the_same_bytes_however_they_are_grouped_and_run() -> None:
    spec = load_spec(ANA)
    profile = load_profile(PROFILE, spec)
    parameters = spec.parameter_values()
    members = BLOCK + 300  # two blocks: the second a short one

    def run(executor: str, chunk: int | None) -> str:
        found = simulate(
            spec, profile, parameters, members=members, horizon=20 * DAY, seed=9, executor=executor, chunk=chunk
        )
        return json.dumps(found.to_json(), sort_keys=True)

    one_job = run("serial", None)
    assert run("serial", BLOCK) == one_job  # a job per block
    assert run("processes", BLOCK) == one_job
    assert json.loads(one_job)["oracle"] == {"members": 20, "disagreements": []}


def test_the_members_engine_gives_the_same_bytes_for_any_chunking() -> None:
    spec = load_spec(ANA)
    profile = load_profile(PROFILE, spec)

    def run(chunk: int) -> str:
        found = simulate(
            spec, profile, spec.parameter_values(), members=60, horizon=60 * DAY, seed=2, chunk=chunk, engine="members"
        )
        return json.dumps(found.to_json(), sort_keys=True)

    assert run(7) == run(500)


def test_the_two_engines_agree_within_their_intervals() -> None:
    """Different random draws, the same members' laws: each engine's interval holds the other's estimate
    or the two intervals overlap, for the figures the report leans on."""
    spec = load_spec(ANA)
    profile = load_profile(PROFILE, spec)
    runs = {
        engine: dict(
            simulate(
                spec, profile, spec.parameter_values(), members=1500, horizon=180 * DAY, seed=4, engine=engine
            ).outcomes
        )
        for engine in ("table", "members")
    }
    for name in ("lost_online_access", "days_without_online_access", "sent_by_email", "lapses", "desk_calls_per_10000"):
        table, members = runs["table"][name], runs["members"][name]
        assert table.low <= members.high and members.low <= table.high, (name, table, members)
        assert table.estimate > 0, name  # something happened


def test_the_oracle_catches_a_table_built_from_another_spec() -> None:
    """A table filled by the reference engine of a spec whose postcard reset keeps the web
    password, replayed on ANA's own machine: the replay parts from the table."""
    spec, other = load_spec(ANA), load_spec(FORGETS_TO_CLEAR)
    profile = load_profile(PROFILE, spec)
    table = Table(Shape(other, profile, other.parameter_values()))
    checked = np.zeros(BLOCK, dtype=bool)
    checked[:500] = True
    _, lives = run_block(table, 1, 0, 500, 365 * DAY, checked)
    found = [d for life in lives if (d := replay(table, CompiledSpec(spec, spec.parameter_values()), life))]
    assert found, "no sampled member took the postcard"
    assert all(d.startswith("member ") and " at " in d for d in found)
    assert any("credentials differ: web_password" in d or "matches" in d for d in found), found[:3]
    honest = Table(Shape(spec, profile, spec.parameter_values()))
    _, lives = run_block(honest, 1, 0, 100, 365 * DAY, checked)
    assert [replay(honest, CompiledSpec(spec, spec.parameter_values()), life) for life in lives] == [None] * 100


def test_a_spec_with_single_use_codes_runs_on_the_members_engine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec_path = REPO / "spec" / "account_recovery.yaml"
    assert "single-use codes" in (table_engine_refuses(load_spec(spec_path)) or "")
    profile = tmp_path / "recovery.yaml"
    profile.write_text(
        "credlab_profile: 1\nspec: account_recovery\nstart:\n  - {state: signed_out, share: 100%}\n"
        "habits:\n  signed_out:\n    - {every: 3d, do: sign_in, with: {password: {known: password}}}\n",
        encoding="utf-8",
    )
    args = ["population", str(spec_path), "--profile", str(profile), "--members", "20", "--horizon", "30d"]
    assert main(args) == 2
    assert "--engine members" in capsys.readouterr().err
    assert main([*args, "--engine", "members"]) == 0
