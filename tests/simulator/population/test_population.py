"""``credlab population``: members following a behaviour profile on the spec's own rules. The
figures are estimates with 95% intervals; the tests check them against answers known exactly,
check that the output is the same whatever runs it, and that a profile is checked like a spec."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from credlab.model.loader import load_spec
from credlab.simulator import api
from credlab.simulator.cli.main import main
from credlab.simulator.population.profile import load_profile
from credlab.simulator.population.run import simulate
from tests.conftest import REPO

ANA = REPO / "spec" / "ana_web_password.yaml"
PROFILE = REPO / "examples" / "profiles" / "ana_members.yaml"
FORGETS_TO_CLEAR = REPO / "tests" / "fixtures" / "defects" / "forgets_to_clear.yaml"
"""ANA whose postcard reset keeps the web password (a planted defect)."""
FORGETTING_ONLY = """\
credlab_profile: 1
spec: ana_web_password
start:
  - {state: web_password_set, share: 100%, credentials: [web_password]}
habits:
  web_password_set:
    - {every: 7d, do: login, with: {secret: {known: web_password}}}
forgets: {web_password: 365d}
"""


def profile_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "profile.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_members_who_only_forget_lose_access_as_often_as_the_exponential_law_says(tmp_path: Path) -> None:
    """With a mean of a year before forgetting and nothing to recover with, the share who lose
    online access within a year is exactly 1 - e^-1, and they are without it for
    H - τ(1 - e^-H/τ) days on average; within half a year, the same laws at 182 days. The profile
    makes the policy a Markov chain, so credlab computes both exactly too (beside the estimates,
    whose 95% intervals hold them)."""
    path = profile_file(tmp_path, FORGETTING_ONLY)
    for horizon, days in (("365d", 365), ("182d", 182)):
        lost_law, days_law = 1 - math.exp(-days / 365), days - 365 * (1 - math.exp(-days / 365))
        report = api.population(ANA, path, members=4000, horizon=horizon, seed=5)
        outcomes = dict(report.base.outcomes)
        assert report.base.exact is not None and report.base.exact.reason is None
        solved = dict(report.base.exact.values)
        assert solved["lost_online_access"] == pytest.approx(lost_law, rel=1e-9)
        assert solved["days_without_online_access"] == pytest.approx(days_law, rel=1e-9)
        for name, exact in solved.items():
            assert outcomes[name].low <= exact <= outcomes[name].high, (horizon, name, outcomes[name], exact)
        assert outcomes["lost_online_access"].high - outcomes["lost_online_access"].low < 0.04


def test_a_profile_with_timers_has_no_exact_answer_and_says_why() -> None:
    report = api.population(ANA, PROFILE, members=50, horizon="30d", seed=1, oracle_sample=0)
    assert report.base.exact is not None and report.base.exact.values == ()
    assert "sets a timer" in (report.base.exact.reason or "")


def test_the_output_is_the_same_for_any_chunking_and_executor() -> None:
    spec = load_spec(ANA)
    profile = load_profile(PROFILE, spec)
    parameters = spec.parameter_values()
    runs = [
        simulate(spec, profile, parameters, members=120, horizon=180 * 86400, seed=5, executor=executor, chunk=chunk)
        for executor, chunk in (("serial", 500), ("serial", 7), ("processes", 25), ("dask", 40))
    ]
    texts = [json.dumps(r.to_json(), sort_keys=True) for r in runs]
    assert texts[0] == texts[1] == texts[2] == texts[3]  # dask: a two-worker LocalCluster
    assert (
        json.dumps(simulate(spec, profile, parameters, members=120, horizon=180 * 86400, seed=6).to_json()) != texts[0]
    )


def test_a_shorter_reset_link_keeps_members_out_longer(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "--format",
            "json",
            "population",
            str(ANA),
            "--profile",
            str(PROFILE),
            "--members",
            "400",
            "--sweep",
            "reset_link_ttl=30m,24h",
            "--seed",
            "2",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["ok"] and out["members"] == 400 and out["seed"] == 2
    assert {"estimate", "ci95"} <= set(out["outcomes"]["lost_online_access"])
    short, long = ({row["value"]: row for row in out["sweep"]}[v]["outcomes"] for v in ("30m", "24h"))
    assert short["lapses"]["ci95"][0] > long["lapses"]["ci95"][1]  # more links expire unused
    assert short["days_without_online_access"]["estimate"] > long["days_without_online_access"]["estimate"]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("state: web_password_set, share", "state: web_pasword_set, share", "the spec has no state 'web_pasword_set'"),
        ("do: login", "do: logn", "the spec has no event 'logn' a member can do"),
        ("secret: {known", "secrt: {known", "'login' has no input 'secrt'; it has: secret, shows_first_time_page"),
        ("share: 100%", "share: 90%", "the start shares add up to 0.9, not 100%"),
        ("share: 100%", "share: 150%", "150% is not a chance"),
        ("{known: web_password}", "{chance: 50%}", "{chance: ...} is for yes/no inputs; 'secret' is a secret"),
        ("every: 7d", "every: 7 days", "'7 days'"),
        ("forgets: {web_password", "forgets: {web_pasword", "the spec has no credential 'web_pasword'"),
    ],
)
def test_a_mistake_in_a_profile_is_one_located_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, message: str
) -> None:
    assert old in FORGETTING_ONLY
    path = profile_file(tmp_path, FORGETTING_ONLY.replace(old, new, 1))
    assert main(["population", str(ANA), "--profile", str(path), "--members", "5"]) == 2
    err = capsys.readouterr().err
    assert f"{path}:" in err and message in err, err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sweep", "reset_link_ttl"], "write NAME=V1,V2"),
        (["--sweep", "reset_link_tl=1h"], "unknown parameter 'reset_link_tl'"),
        (["--horizon", "a year"], "--horizon a year"),
        (["--members", "0"], "members"),
    ],
)
def test_bad_options_are_exit_2(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["population", str(ANA), "--profile", str(PROFILE), *args]) == 2
    assert message in capsys.readouterr().err


def test_an_existing_dask_cluster_gives_the_same_bytes(capsys: pytest.CaptureFixture[str]) -> None:
    import logging

    from dask.distributed import LocalCluster

    args = ["--format", "json", "population", str(ANA), "--profile", str(PROFILE), "--members", "60", "--seed", "4"]
    assert main(args) == 0
    serial = capsys.readouterr().out
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None, silence_logs=logging.ERROR) as cluster:
        assert main([*args, "--executor", "dask", "--scheduler", cluster.scheduler_address]) == 0
    assert capsys.readouterr().out == serial


def test_every_member_of_the_oracle_sample_agrees_with_the_reference_engine() -> None:
    report = api.population(ANA, PROFILE, members=150, horizon="180d", seed=8, oracle_sample=150)
    assert report.ok and report.base.checked == 150 and report.base.disagreements == ()
    assert report.base.events > 1500  # they did things, the postcard and the link's expiry among them
    assert dict(report.base.outcomes)["sent_by_post"].estimate > 0 and dict(report.base.outcomes)["lapses"].estimate > 0


def test_the_oracle_sees_a_machine_that_departs_from_the_reference() -> None:
    """The reference engine of a spec whose postcard reset keeps the web password, against ANA's machine."""
    from credlab.model.engine import Engine
    from credlab.simulator.population.member import MemberRun

    spec, other = load_spec(ANA), load_spec(FORGETS_TO_CLEAR)
    run = MemberRun(spec, spec.parameter_values(), load_profile(PROFILE, spec), 365 * 86400)
    run.engine = Engine(other, other.parameter_values())
    found = [m.disagreement for m in (run.run(1, i, checked=True) for i in range(200)) if m.disagreement]
    assert found and all("at " in d for d in found)
    assert any("credentials differ: web_password" in d for d in found), found[:3]


def test_a_grid_sweeps_two_parameters_together(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--format", "json", "population", str(ANA), "--profile", str(PROFILE), "--members", "80", "--grid"]
    code = main([*args, "--sweep", "reset_link_ttl=30m,24h", "--sweep", "postcard_delivery_max=2d,14d"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["sweep"] == []
    assert [row["values"] for row in out["grid"]] == [
        {"reset_link_ttl": a, "postcard_delivery_max": b} for a in ("30m", "24h") for b in ("2d", "14d")
    ]
    assert [row["parameters"]["reset_link_ttl"] for row in out["grid"]] == ["30m", "30m", "1d", "1d"]  # 24h is 1d
    assert main([*args, "--sweep", "reset_link_ttl=30m,24h"]) == 2  # a grid needs two parameters
    assert "give exactly two --sweep" in capsys.readouterr().err


ATTACKED = """\
credlab_profile: 1
spec: ana_web_password
start:
  - {state: unregistered, share: 100%}
habits:
  unregistered:
    - {every: 30d, do: login, with: {secret: {known: amc_pin}}}
  registration_screen:
    - {after: 1h, do: log_out}
attackers:
  - name: leaked_pin
    share: 50%
    knows: [amc_pin]
    habits:
      unregistered:
        - {every: 2d, do: login, with: {secret: {known: amc_pin}}}
      registration_screen:
        - {after: 1m, do: register, with: {pin: {known: amc_pin}, new_password: {new: web_password}}}
  - name: no_mailbox
    share: 50%
    habits:
      unregistered:
        - {every: 1d, do: open_reset_link}
"""


def test_attackers_succeed_as_their_knowledge_and_capabilities_allow(tmp_path: Path) -> None:
    """A leaked PIN gets an attacker in while the member has no web password; an attacker
    without the member's mailbox can open no reset link, ever."""
    report = api.population(ANA, profile_file(tmp_path, ATTACKED), members=200, horizon="90d", seed=1)
    outcomes = dict(report.base.outcomes)
    leaked, blind = outcomes["attacker_success_leaked_pin"], outcomes["attacker_success_no_mailbox"]
    assert 70 <= leaked.n <= 130 and 70 <= blind.n <= 130  # about half the members have each
    assert leaked.low > 0.9  # registering first, the attacker owns the account
    assert (blind.estimate, blind.high < 0.05) == (0.0, True)
    assert report.ok  # the oracle sample agrees, attackers' steps included


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("share: 50%\n    knows", "share: 50%\n    actor: member\n    knows", "other than member: attacker"),
        ("knows: [amc_pin]", "knows: [amc_pn]", "the spec has no credential 'amc_pn'"),
        (
            "name: no_mailbox\n    share: 50%",
            "name: no_mailbox\n    share: 50%\n    capabilities: [mailbx]",
            "the spec has no capability 'mailbx'",
        ),
    ],
)
def test_a_mistake_in_an_attacker_is_located(tmp_path: Path, old: str, new: str, message: str) -> None:
    from credlab.model.errors import SpecError

    assert old in ATTACKED
    with pytest.raises(SpecError, match=message):
        load_profile(profile_file(tmp_path, ATTACKED.replace(old, new, 1)), load_spec(ANA))
