"""``credlab population``: many members under a behaviour profile, and what happens to them.

Two engines simulate the members. The **table engine** (the default, :mod:`.block`) advances
blocks of members together over numpy arrays, reading what each step does from an outcome table
the reference engine fills as situations are met (:mod:`.table`); a sample of its members is
replayed on the compiled ``transitions`` machine and the reference engine side by side as the
oracle (:mod:`.oracle`). The **members engine** (:mod:`.member`) runs one member at a time on the
``transitions`` machine, for specs the table does not model (sets of single-use codes).

Chunks of members run on an executor (:mod:`.executors`): ``serial``, ``processes`` or ``dask``.
A member's life depends only on the seed and its number (the table engine: its block's
``SeedSequence``), and chunks add up as :class:`~.tally.Tally` in member order, so the output is
byte-identical for every executor and chunk size. A sweep runs the population again for each
value of one parameter, with the same members (same seed).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from credlab.model import ir
from credlab.model.durations import format_duration, parse_duration
from credlab.model.errors import UsageError
from credlab.model.loader import load_spec
from credlab.model.machine import CompiledSpec
from credlab.model.overrides import parse_overrides
from credlab.simulator.population.block import BLOCK, run_block
from credlab.simulator.population.exact import Exact, exact
from credlab.simulator.population.executors import run_jobs
from credlab.simulator.population.member import NONE, MemberOutcome, MemberRun
from credlab.simulator.population.oracle import replay
from credlab.simulator.population.profile import Profile, load_profile
from credlab.simulator.population.situation import Shape
from credlab.simulator.population.stats import Estimate, mean_of, quantile_of_bins, share
from credlab.simulator.population.table import Table
from credlab.simulator.population.tally import DAY, Moments, Tally

ENGINES = ("table", "members")
OUTCOMES: dict[str, str] = {
    "lost_online_access": "share of members who are without online access at some time",
    "days_without_online_access": "days per member without online access",
    "unrecovered_at_horizon": "share of members still without online access at the end",
    "lapses": "deadlines per member that lapsed and moved them (a reset link expiring unused)",
    "desk_calls_per_10000": "calls to a service desk (voice channels) per 10,000 members",
}
"""The outcomes every population reports; per channel, ``sent_by_C`` (messages per member) and
``recovery_days_p50_C`` / ``_p95_C`` (time back to online access, by the channel of the last
message before it) are added for each channel the spec sends on."""


def describe(name: str) -> str:
    """What an outcome measures, in plain words."""
    if name in OUTCOMES:
        return OUTCOMES[name]
    if name.startswith("attacker_success_"):
        who = name.removeprefix("attacker_success_")
        return f"share of members with the attacker '{who}' whose attacker gets online access as them"
    if name.startswith("sent_by_"):
        return f"messages sent to a member by {name.removeprefix('sent_by_')} (resets that way)"
    for q, words in (("p50", "median"), ("p95", "95th percentile of")):
        prefix = f"recovery_days_{q}_"
        if name.startswith(prefix):
            channel = name.removeprefix(prefix)
            after = "with no message" if channel == NONE else f"after a message by {channel}"
            return f"{words} days until online access is back, {after}"
    return name


@dataclass(frozen=True, slots=True)
class PopulationResult:
    parameters: tuple[tuple[str, str], ...]
    """The spec's parameters the population ran under, as written (``2h``)."""
    outcomes: tuple[tuple[str, Estimate], ...]
    events: int
    checked: int = 0
    """Members also replayed on the machines (the oracle sample)."""
    disagreements: tuple[str, ...] = ()
    """Where a checked member's replay and the engine differed (credlab's own bug)."""
    engine: str = "table"
    exact: Exact | None = None
    """The exact values where the profile makes the policy a Markov chain (table engine only)."""

    def to_json(self) -> dict[str, object]:
        return {
            "engine": self.engine,
            "exact": self.exact.to_json() if self.exact is not None else None,
            "parameters": dict(self.parameters),
            "outcomes": {name: e.to_json() for name, e in self.outcomes},
            "events": self.events,
            "oracle": {"members": self.checked, "disagreements": list(self.disagreements)},
        }


def shown_value(spec: ir.Spec, name: str, value: int) -> str:
    return format_duration(value) if spec.parameters[name].type == "duration" else str(value)


def summarise(
    spec: ir.Spec, parameters: dict[str, int], tally: Tally, engine: str, exact: Exact | None = None
) -> PopulationResult:
    """The estimates of a merged tally, each with its 95% interval."""
    n, means = tally.members, tally.means
    channels = sorted({m.via for m in spec.messages.values()})

    def per_member(name: str, scale: float = 1.0) -> Estimate:
        m = means.get(name, Moments(n))
        return mean_of(m.n, m.total, m.squares, scale)

    outcomes: dict[str, Estimate] = {
        "lost_online_access": share(tally.lost, n),
        "days_without_online_access": per_member("days_without_online_access"),
        "unrecovered_at_horizon": share(tally.unrecovered, n),
        "lapses": per_member("lapses"),
        "desk_calls_per_10000": per_member("desk_calls", 10_000),
    }
    for channel in channels:
        outcomes[f"sent_by_{channel}"] = per_member(f"sent_by_{channel}")
    for name in sorted(tally.attacked):
        outcomes[f"attacker_success_{name}"] = share(tally.breached.get(name, 0), tally.attacked[name])
    for channel in [*channels, NONE]:
        counts = tally.recoveries.get(channel, [0])
        outcomes[f"recovery_days_p50_{channel}"] = quantile_of_bins(counts, 0.5, 1 / DAY)
        outcomes[f"recovery_days_p95_{channel}"] = quantile_of_bins(counts, 0.95, 1 / DAY)
    shown = tuple(sorted((k, shown_value(spec, k, v)) for k, v in parameters.items()))
    return PopulationResult(
        shown, tuple(sorted(outcomes.items())), tally.events, tally.checked, tuple(tally.disagreements), engine, exact
    )


def tally_members(spec: ir.Spec, profile: Profile, members: list[MemberOutcome], first: int = 0) -> Tally:
    """The member-by-member engine's outcomes, added up like the table engine's blocks."""
    tally = Tally(members=len(members), events=sum(m.events for m in members))
    tally.lost = sum(m.lost_access for m in members)
    tally.unrecovered = sum(m.unrecovered > 0 for m in members)
    tally.mean("days_without_online_access", [m.seconds_without_access / DAY for m in members])
    tally.mean("lapses", [float(m.lapses) for m in members])
    tally.mean("desk_calls", [float(m.desk_calls) for m in members])
    for channel in sorted({m.via for m in spec.messages.values()}):
        tally.mean(f"sent_by_{channel}", [float(m.sent.get(channel, 0)) for m in members])
    for attacker in profile.attackers:
        attacked = [m for m in members if attacker.name in m.attacked]
        tally.attacked[attacker.name] = len(attacked)
        tally.breached[attacker.name] = sum(attacker.name in m.breached for m in attacked)
    for m in members:
        for via, seconds in m.recoveries:
            tally.recovered(via, [seconds])
    checked = [m for m in members if m.checked]
    tally.checked = len(checked)
    tally.disagreements = [f"member {first + i}: {m.disagreement}" for i, m in enumerate(members) if m.disagreement]
    return tally


def is_checked(index: int, members: int, sample: int) -> bool:
    """Whether member ``index`` is in the oracle sample: ``sample`` members spread evenly."""
    return (index * sample) % members < sample


def table_engine_refuses(spec: ir.Spec) -> str | None:
    """Why the table engine cannot run ``spec`` (None: it can)."""
    sets = [name for name, c in spec.credentials.items() if c.codes is not None]
    if sets:
        return f"credential {sets[0]} is a set of single-use codes, which the table engine does not model"
    return None


@lru_cache(maxsize=4)
def _loaded(spec_path: str, profile_path: str) -> tuple[ir.Spec, Profile]:
    spec = load_spec(spec_path)
    return spec, load_profile(profile_path, spec)


@lru_cache(maxsize=4)
def _table_for(
    spec_path: str, profile_path: str, parameters: tuple[tuple[str, int], ...]
) -> tuple[Table, CompiledSpec]:
    """A worker's outcome table, built once per process for each run it serves (and kept
    between chunks: a later chunk finds it nearly full)."""
    spec, profile = _loaded(spec_path, profile_path)
    return Table(Shape(spec, profile, dict(parameters))), CompiledSpec(spec, dict(parameters))


def _blocks(
    spec_path: str,
    profile_path: str,
    parameters: tuple[tuple[str, int], ...],
    horizon: int,
    seed: int,
    first: int,
    end: int,
    members: int,
    sample: int,
) -> Tally:
    """Blocks ``first`` to ``end`` of the table engine, with their oracle replays."""
    table, compiled = _table_for(spec_path, profile_path, parameters)
    tally = Tally()
    for block in range(first, end):
        offset = block * BLOCK
        checked = np.array([is_checked(i, members, sample) for i in range(offset, min(offset + BLOCK, members))])
        found, lives = run_block(table, seed, block, members, horizon, checked)
        found.checked = len(lives)
        found.disagreements = [d for life in lives if (d := replay(table, compiled, life)) is not None]
        tally.merge(found)
    return tally


def _members(
    spec_path: str,
    profile_path: str,
    parameters: tuple[tuple[str, int], ...],
    horizon: int,
    seed: int,
    first: int,
    end: int,
    members: int,
    sample: int,
) -> Tally:
    """Members ``first`` to ``end`` on the member-by-member engine."""
    spec, profile = _loaded(spec_path, profile_path)
    run = _member_run(spec_path, profile_path, parameters, horizon)
    found = [run.run(seed, i, is_checked(i, members, sample)) for i in range(first, end)]
    return tally_members(spec, profile, found, first)


@lru_cache(maxsize=4)
def _member_run(spec_path: str, profile_path: str, parameters: tuple[tuple[str, int], ...], horizon: int) -> MemberRun:
    spec, profile = _loaded(spec_path, profile_path)
    return MemberRun(spec, dict(parameters), profile, horizon)


def simulate(
    spec: ir.Spec,
    profile: Profile,
    parameters: dict[str, int],
    *,
    members: int,
    horizon: int,
    seed: int,
    executor: str = "serial",
    chunk: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    scheduler: str | None = None,
    oracle_sample: int = 20,
    engine: str = "table",
) -> PopulationResult:
    """``members`` members over ``horizon`` seconds; ``progress(done, members)`` after each chunk.

    ``engine``: ``table`` (vectorised over blocks of members, :mod:`.block`) or ``members`` (one
    member at a time on the compiled ``transitions`` machine, :mod:`.member`). ``chunk``: members
    per job (the table engine rounds it to whole blocks)."""
    if engine not in ENGINES:
        raise UsageError(f"--engine {engine}: choose one of {', '.join(ENGINES)}")
    if engine == "table" and (reason := table_engine_refuses(spec)) is not None:
        raise UsageError(f"--engine table: {reason}; use --engine members")
    spec_path, profile_path = str(Path(spec.path).resolve()), str(Path(profile.path).resolve())
    key = tuple(sorted(parameters.items()))
    if engine == "table":
        per_job = max(1, (chunk or 4 * BLOCK) // BLOCK)
        blocks = -(-members // BLOCK)
        bounds = [
            (b, min(b + per_job, blocks), min(b * BLOCK, members), min((b + per_job) * BLOCK, members))
            for b in range(0, blocks, per_job)
        ]
        jobs = [
            (spec_path, profile_path, key, horizon, seed, first, end, members, oracle_sample)
            for first, end, _, _ in bounds
        ]
        function = _blocks
    else:
        size = chunk or 500
        bounds = [
            (first, min(first + size, members), first, min(first + size, members)) for first in range(0, members, size)
        ]
        jobs = [
            (spec_path, profile_path, key, horizon, seed, first, end, members, oracle_sample)
            for first, end, _, _ in bounds
        ]
        function = _members
    total = Tally()
    for (_, _, _, done), found in zip(bounds, run_jobs(function, jobs, executor, scheduler), strict=True):
        total.merge(found)  # in member order, whatever finished first
        if progress is not None:
            progress(done, members)
    for attacker in profile.attackers:
        total.attacked.setdefault(attacker.name, 0)
    solved = None
    if engine == "table":
        solved = exact(_table_for(spec_path, profile_path, key)[0], horizon)
    return summarise(spec, parameters, total, engine, solved)


@dataclass(frozen=True, slots=True)
class PopulationReport:
    spec: str
    profile: str
    members: int
    horizon: int
    seed: int
    base: PopulationResult
    sweep: tuple[tuple[str, str, PopulationResult], ...] = ()
    grid: tuple[tuple[tuple[tuple[str, str], ...], PopulationResult], ...] = ()
    """Two parameters swept together: (each parameter's value as written, the population under them)."""
    """(parameter, its value as written, the population under it)."""

    @property
    def ok(self) -> bool:
        """False only when the oracle sample found the compiled machine and the reference engine
        disagreeing: a bug in credlab, and the figures cannot be trusted."""
        results = (self.base, *(result for _, _, result in self.sweep), *(result for _, result in self.grid))
        return not any(r.disagreements for r in results)

    def to_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "spec": self.spec,
            "profile": self.profile,
            "members": self.members,
            "horizon": format_duration(self.horizon),
            "seed": self.seed,
            "engine": self.base.engine,
            "exact": self.base.exact.to_json() if self.base.exact is not None else None,
            "outcomes": {name: e.to_json() for name, e in self.base.outcomes},
            "events": self.base.events,
            "oracle": {"members": self.base.checked, "disagreements": list(self.base.disagreements)},
            "what": {name: describe(name) for name, _ in self.base.outcomes},
            "sweep": [{"parameter": name, "value": value, **result.to_json()} for name, value, result in self.sweep],
            "grid": [{"values": dict(values), **result.to_json()} for values, result in self.grid],
        }


def parse_sweep(sweep: str) -> tuple[str, tuple[str, ...]]:
    """``NAME=V1,V2,…`` as (name, values as written)."""
    name, sep, values = sweep.partition("=")
    texts = tuple(v.strip() for v in values.split(",") if v.strip())
    if not sep or not texts:
        raise UsageError(f"--sweep {sweep}: write NAME=V1,V2,..., such as reset_link_ttl=30m,1h,2h")
    return name, texts


def sweep_values(spec: ir.Spec, name: str, texts: Sequence[str]) -> list[tuple[str, int]]:
    """Each value of parameter ``name`` checked against the spec: (as written, value)."""
    return [(text, parse_overrides(spec, [f"{name}={text}"])[name]) for text in texts]


@dataclass(frozen=True, slots=True)
class PopulationOptions:
    """How ``credlab population`` runs (the command's options, as a value)."""

    members: int = 1000
    horizon: str = "365d"
    """A duration as written."""
    seed: int = 0
    sweeps: Sequence[tuple[str, Sequence[str]]] = ()
    """(parameter, its values as written) for each swept parameter."""
    grid: bool = False
    """Sweep the two parameters together (every pair) instead of each on its own."""
    executor: str = "serial"
    """serial, processes, or dask (a two-worker LocalCluster, or the cluster at ``scheduler``)."""
    scheduler: str | None = None
    oracle_sample: int = 20
    """Members replayed step for step on the machines too."""
    engine: str = "table"
    """table (vectorised, :mod:`.block`) or members (one at a time, :mod:`.member`)."""
    progress: Callable[[int, int], None] | None = None
    """Called with (members done, members) after each chunk."""


def population_report(
    spec: ir.Spec, profile_path: str | os.PathLike[str], parameters: dict[str, int], options: PopulationOptions
) -> PopulationReport:
    """The population under ``parameters``, and under each value of each swept parameter (the
    others at ``parameters``'); with ``grid``, under every pair of values of the two swept
    parameters instead."""
    members, seed, sweeps, grid = options.members, options.seed, options.sweeps, options.grid
    try:
        seconds = parse_duration(options.horizon)
    except ValueError as error:
        raise UsageError(f"--horizon {options.horizon}: {error}") from None
    profile = load_profile(profile_path, spec)

    def one(values: dict[str, int]) -> PopulationResult:
        return simulate(
            spec,
            profile,
            values,
            members=members,
            horizon=seconds,
            seed=seed,
            executor=options.executor,
            progress=options.progress,
            scheduler=options.scheduler,
            oracle_sample=options.oracle_sample,
            engine=options.engine,
        )

    checked = [(name, sweep_values(spec, name, texts)) for name, texts in sweeps]  # before anything runs
    if grid and (len(checked) != 2 or checked[0][0] == checked[1][0]):
        raise UsageError("--grid sweeps two parameters together: give exactly two --sweep, one per parameter")
    base = one(parameters)
    if grid:
        (a, a_values), (b, b_values) = checked
        pairs = tuple(
            (((a, a_text), (b, b_text)), one({**parameters, a: a_value, b: b_value}))
            for a_text, a_value in a_values
            for b_text, b_value in b_values
        )
        return PopulationReport(spec.path, profile.path, members, seconds, seed, base, (), pairs)
    swept = [(name, text, one({**parameters, name: value})) for name, values in checked for text, value in values]
    return PopulationReport(spec.path, profile.path, members, seconds, seed, base, tuple(swept))
