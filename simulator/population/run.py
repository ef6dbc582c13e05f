"""``credlab population``: many members under a behaviour profile, and what happens to them.

Members are simulated one by one (:mod:`.member`), in chunks that an executor runs: ``serial`` in
this process, ``processes`` on a pool of local processes. A member's random source depends only
on the seed and its number, and results are merged in member order, so the output is
byte-identical for every executor and chunk size. A sweep runs the population again for each
value of one parameter, with the same members (same seed).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from credlab.model import ir
from credlab.model.durations import format_duration, parse_duration
from credlab.model.errors import UsageError
from credlab.model.loader import load_spec
from credlab.model.overrides import parse_overrides
from credlab.simulator.population.member import NONE, MemberOutcome, MemberRun
from credlab.simulator.population.profile import Attacker, Profile, load_profile
from credlab.simulator.population.stats import Estimate, mean, quantile, share

DAY = 86_400.0
EXECUTORS = ("serial", "processes", "dask")
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
    """Members also replayed on the reference engine (the oracle sample)."""
    disagreements: tuple[str, ...] = ()
    """Where a checked member's machine and the reference engine differed (credlab's own bug)."""

    def to_json(self) -> dict[str, object]:
        return {
            "parameters": dict(self.parameters),
            "outcomes": {name: e.to_json() for name, e in self.outcomes},
            "events": self.events,
            "oracle": {"members": self.checked, "disagreements": list(self.disagreements)},
        }


def shown_value(spec: ir.Spec, name: str, value: int) -> str:
    return format_duration(value) if spec.parameters[name].type == "duration" else str(value)


def summarise(
    spec: ir.Spec, parameters: dict[str, int], members: list[MemberOutcome], attackers: Sequence[Attacker] = ()
) -> PopulationResult:
    n = len(members)
    channels = sorted({m.via for m in spec.messages.values()})
    outcomes: dict[str, Estimate] = {
        "lost_online_access": share(sum(m.lost_access for m in members), n),
        "days_without_online_access": mean([m.seconds_without_access / DAY for m in members]),
        "unrecovered_at_horizon": share(sum(m.unrecovered > 0 for m in members), n),
        "lapses": mean([float(m.lapses) for m in members]),
        "desk_calls_per_10000": mean([float(m.desk_calls) for m in members], 10_000),
    }
    for channel in channels:
        outcomes[f"sent_by_{channel}"] = mean([float(m.sent.get(channel, 0)) for m in members])
    for name in sorted({a for m in members for a in m.attacked} | {a.name for a in attackers}):
        attacked = [m for m in members if name in m.attacked]
        outcomes[f"attacker_success_{name}"] = share(sum(name in m.breached for m in attacked), len(attacked))
    for channel in [*channels, NONE]:
        times = [seconds / DAY for m in members for via, seconds in m.recoveries if via == channel]
        outcomes[f"recovery_days_p50_{channel}"] = quantile(times, 0.5)
        outcomes[f"recovery_days_p95_{channel}"] = quantile(times, 0.95)
    shown = tuple(sorted((k, shown_value(spec, k, v)) for k, v in parameters.items()))
    checked = [(i, m) for i, m in enumerate(members) if m.checked]
    differ = tuple(f"member {i}: {m.disagreement}" for i, m in checked if m.disagreement is not None)
    return PopulationResult(
        shown, tuple(sorted(outcomes.items())), sum(m.events for m in members), len(checked), differ
    )


def is_checked(index: int, members: int, sample: int) -> bool:
    """Whether member ``index`` is in the oracle sample: ``sample`` members spread evenly."""
    return (index * sample) % members < sample


@lru_cache(maxsize=4)
def _run_for(spec_path: str, profile_path: str, parameters: tuple[tuple[str, int], ...], horizon: int) -> MemberRun:
    """A worker's member simulator, built once per process for each run it serves."""
    spec = load_spec(spec_path)
    return MemberRun(spec, dict(parameters), load_profile(profile_path, spec), horizon)


def _chunk(
    spec_path: str,
    profile_path: str,
    parameters: tuple[tuple[str, int], ...],
    horizon: int,
    seed: int,
    first: int,
    end: int,
    members: int,
    sample: int,
) -> list[MemberOutcome]:
    run = _run_for(spec_path, profile_path, parameters, horizon)
    return [run.run(seed, index, is_checked(index, members, sample)) for index in range(first, end)]


def simulate(
    spec: ir.Spec,
    profile: Profile,
    parameters: dict[str, int],
    *,
    members: int,
    horizon: int,
    seed: int,
    executor: str = "serial",
    chunk: int = 500,
    progress: Callable[[int, int], None] | None = None,
    scheduler: str | None = None,
    oracle_sample: int = 20,
) -> PopulationResult:
    """``members`` members over ``horizon`` seconds; ``progress(done, members)`` after each chunk."""
    if executor not in EXECUTORS:
        raise UsageError(f"--executor {executor}: choose one of {', '.join(EXECUTORS)}")
    bounds = [(first, min(first + chunk, members)) for first in range(0, members, chunk)]
    key = tuple(sorted(parameters.items()))
    results: list[MemberOutcome] = []
    if executor == "serial":
        run = MemberRun(spec, parameters, profile, horizon)
        for first, end in bounds:
            results += [run.run(seed, index, is_checked(index, members, oracle_sample)) for index in range(first, end)]
            if progress is not None:
                progress(len(results), members)
    else:
        spec_path, profile_path = str(Path(spec.path).resolve()), str(Path(profile.path).resolve())
        jobs = [
            (spec_path, profile_path, key, horizon, seed, first, end, members, oracle_sample) for first, end in bounds
        ]
        chunks = _on_dask(jobs, scheduler) if executor == "dask" else _on_processes(jobs)
        for found in chunks:  # in member order, whatever finishes first
            results += found
            if progress is not None:
                progress(len(results), members)
    return summarise(spec, parameters, results, profile.attackers)


Job = tuple[str, str, tuple[tuple[str, int], ...], int, int, int, int, int, int]


def _on_processes(jobs: list[Job]) -> Iterator[list[MemberOutcome]]:
    with ProcessPoolExecutor(max_workers=min(len(jobs), os.cpu_count() or 1) or 1) as pool:
        futures = [pool.submit(_chunk, *job) for job in jobs]
        for future in futures:
            yield future.result()


def _on_dask(jobs: list[Job], scheduler: str | None) -> Iterator[list[MemberOutcome]]:
    """Chunks on a ``dask.distributed`` cluster: the one at ``scheduler``, or a two-worker
    LocalCluster of processes started for the run. Workers read the spec and the profile from
    the same paths, so a remote cluster needs them there too."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise UsageError("--executor dask needs dask.distributed: pip install 'credlab[dask]'") from None
    with ExitStack() as stack:
        if scheduler is not None:
            try:
                client = stack.enter_context(Client(scheduler, timeout=10))
            except OSError as error:
                raise UsageError(f"--scheduler {scheduler}: cannot reach it ({error})") from None
        else:
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=2,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
            )
            client = stack.enter_context(Client(cluster))
        futures = [client.submit(_chunk, *job, pure=False) for job in jobs]
        for future in futures:
            yield future.result()


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


def population_report(
    spec: ir.Spec,
    profile_path: str | os.PathLike[str],
    parameters: dict[str, int],
    members: int,
    horizon: str,
    seed: int,
    sweeps: Sequence[tuple[str, Sequence[str]]] = (),
    executor: str = "serial",
    progress: Callable[[int, int], None] | None = None,
    scheduler: str | None = None,
    oracle_sample: int = 20,
    grid: bool = False,
) -> PopulationReport:
    """The population under ``parameters``, and under each value of each swept parameter (the
    others at ``parameters``'); with ``grid``, under every pair of values of the two swept
    parameters instead. ``horizon`` is a duration as written (``365d``)."""
    try:
        seconds = parse_duration(horizon)
    except ValueError as error:
        raise UsageError(f"--horizon {horizon}: {error}") from None
    profile = load_profile(profile_path, spec)

    def one(values: dict[str, int]) -> PopulationResult:
        return simulate(
            spec,
            profile,
            values,
            members=members,
            horizon=seconds,
            seed=seed,
            executor=executor,
            progress=progress,
            scheduler=scheduler,
            oracle_sample=oracle_sample,
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
