"""``credlab population``: many members under a behaviour profile, each outcome with a 95% interval."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from credlab.simulator.cli.options import add_command, progress_line
from credlab.simulator.cli.output import finish

if TYPE_CHECKING:
    from credlab.simulator.population.run import PopulationResult

HELP = "simulate many members under a behaviour profile: how often things happen, with 95%% intervals"
DESCRIPTION = """\
Simulate --members members following the behaviour profile --profile FILE (YAML: where they start,
what they do in each state and how often, when they forget a secret, what they do when something
keeps failing; see examples/profiles/ana_members.yaml) over --horizon, on the spec's own rules:
its deadlines lapse and its messages arrive on a virtual clock.

Outcomes, each with a 95% confidence interval: the share of members who are without online
access at some time, days without it, messages sent per member by channel (resets), deadlines
that lapsed and moved a member (a reset link expiring unused), service-desk calls per 10,000
members, and time back to online access (median and 95th percentile) by the channel of the last
message before it. --sweep NAME=V1,V2,... reruns the same members under each value of one
parameter (repeat it to sweep others, one at a time; with --grid, two together: every pair).
The same --seed gives byte-identical output with every --executor: serial, processes (a pool of
local processes) or dask (a two-worker LocalCluster, or the cluster at --scheduler;
its workers read the spec and profile from the same paths).

--engine table (the default) advances blocks of members together over arrays, reading each step
from a table the reference engine fills as situations are met; --engine members runs one member
at a time on the compiled transitions machine (slower; for specs with sets of single-use codes).
--oracle-sample members of the table engine are replayed with real secrets at their real
instants on the transitions machine and the reference engine side by side, and must agree with
both (of the members engine: on the reference engine). Where nothing a member does sets a timer,
the situations form a Markov chain and the share who lose access and the days without it are
also computed exactly, shown beside the estimates. Exit 1 if a replay disagrees (a credlab bug),
else 0; 2 on bad input.
"""


def add_parser(sub: Any) -> None:
    parser = add_command(sub, "population", help=HELP, description=DESCRIPTION)
    parser.add_argument("spec", metavar="SPEC", help="the spec file")
    parser.add_argument("--profile", required=True, metavar="FILE", help="the behaviour profile (YAML)")
    parser.add_argument("--members", type=int, default=1000, metavar="N", help="how many members; default 1000")
    parser.add_argument("--horizon", default="365d", metavar="DURATION", help="how long; default 365d")
    parser.add_argument("--seed", type=int, default=0, help="random seed; default 0")
    parser.add_argument("--set", action="append", metavar="NAME=VALUE", help="override a spec parameter")
    parser.add_argument(
        "--sweep",
        action="append",
        default=[],
        metavar="NAME=V1,V2,...",
        help="rerun under each value of a parameter (repeat for others, each swept on its own)",
    )
    parser.add_argument(
        "--executor",
        default="serial",
        choices=["serial", "processes", "dask"],
        help="where members run: here, a pool of local processes, or a Dask cluster; default serial",
    )
    parser.add_argument(
        "--scheduler", metavar="ADDRESS", help="with --executor dask: an existing cluster (default: a LocalCluster)"
    )
    parser.add_argument(
        "--engine",
        default="table",
        choices=["table", "members"],
        help="table: vectorised over blocks of members (default); members: one at a time on the transitions machine",
    )
    parser.add_argument("--grid", action="store_true", help="sweep two parameters together: every pair of their values")
    parser.add_argument(
        "--oracle-sample",
        type=int,
        default=20,
        metavar="N",
        help="members also replayed step for step on the machines (the oracle); default 20",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from credlab.simulator import api

    with progress_line(args.format == "text") as show:
        report = api.population(
            args.spec,
            args.profile,
            members=args.members,
            horizon=args.horizon,
            seed=args.seed,
            settings=args.set,
            sweep=args.sweep,
            executor=args.executor,
            scheduler=args.scheduler,
            oracle_sample=args.oracle_sample,
            grid=args.grid,
            engine=args.engine,
            progress=(lambda done, total: show(f"{done}/{total} members")) if show else None,
        )

    def text() -> Iterator[str]:
        yield f"{report.spec}: {report.members} members over {args.horizon} (profile {report.profile})"
        width = max(len(name) for name, _ in report.base.outcomes)
        exact = report.base.exact
        solved = dict(exact.values) if exact is not None else {}
        for name, e in report.base.outcomes:
            if e.n:
                line = f"  {name:<{width}}  {e.estimate:>10g}  [{e.low:g}, {e.high:g}]  (n={e.n})"
                yield line + (f"  exact {solved[name]:.6g}" if name in solved else "")
        if exact is not None and solved:
            yield f"  exact: the profile makes the policy a Markov chain of {exact.situations} situations"
        base = report.base
        verdict = "they agree" if not base.disagreements else f"{len(base.disagreements)} DISAGREE (a credlab bug)"
        yield f"  oracle: {base.checked} members of the {base.engine} engine replayed on the machines: {verdict}"
        yield from (f"    {line}" for line in base.disagreements)
        rows = [(", ".join(f"{k}={v}" for k, v in values), result) for values, result in report.grid]
        rows += [(f"{parameter}={value}", result) for parameter, value, result in report.sweep]
        for setting, result in rows:
            yield f"  {setting}: " + ", ".join(_shown(result, name) for name in SWEPT)

    return finish(args, report, text)


SWEPT = ("lost_online_access", "days_without_online_access")
"""What the text shows for each swept setting (JSON has every outcome)."""


def _shown(result: PopulationResult, name: str) -> str:
    e = dict(result.outcomes)[name]
    return f"{name} {e.estimate:g} [{e.low:g}, {e.high:g}]"
