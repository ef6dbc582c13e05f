"""Member-events per CPU second of ``credlab population``, and memory per member.

    .venv/bin/python benchmarks/bench_population.py [--members 2000] [--json]

Simulates ANA members under examples/profiles/ana_members.yaml for a year on one core (serial
executor, no oracle sample), and in the same process a baseline: the same number of events fired
on the compiled ``transitions`` machine with nothing else (the floor of any engine built on it).
Prints member-events per CPU second, the ratio to the baseline, and the peak memory per member.
Goals (issue 18): at least 2 million member-events per CPU second on one core, at least 0.5x a
hand-written numpy loop of the same chain, and a million members over 365 days within 300 MB.
Today's engine (one member at a time on the transitions machine) is far from the first goal; the
vectorised table engine is the work that meets it, and this script is how it will be measured.
It reports; it never fails on timing.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from credlab.model.loader import load_spec  # noqa: E402
from credlab.model.machine import CompiledSpec  # noqa: E402
from credlab.simulator.population.profile import load_profile  # noqa: E402
from credlab.simulator.population.run import simulate  # noqa: E402

ANA = REPO / "spec" / "ana_web_password.yaml"
PROFILE = REPO / "examples" / "profiles" / "ana_members.yaml"
GOAL_EVENTS_PER_SECOND = 2_000_000


def transitions_floor(events: int) -> float:
    """CPU seconds to fire ``events`` logins on the compiled machine, nothing else."""
    spec = load_spec(ANA)
    member = CompiledSpec(spec, spec.parameter_values()).new_member("web_password_set", {"amc_pin": "0123"})
    started = time.process_time()
    for _ in range(events):
        member.fire("login", secret="Sakura2024")
    return time.process_time() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    spec = load_spec(ANA)
    profile = load_profile(PROFILE, spec)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.process_time()
    result = simulate(
        spec, profile, spec.parameter_values(), members=args.members, horizon=365 * 86_400, seed=1, oracle_sample=0
    )
    seconds = time.process_time() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    floor = transitions_floor(result.events)
    rate = result.events / seconds
    out = {
        "members": args.members,
        "events": result.events,
        "events_per_cpu_second": round(rate),
        "ratio_to_transitions_floor": round(floor / seconds, 3),
        "ratio_to_goal": round(rate / GOAL_EVENTS_PER_SECOND, 4),
        "peak_bytes_per_member": round(max(peak_kib, 0) * 1024 / args.members),
    }
    if args.json:
        print(json.dumps(out))
    else:
        print(
            f"{args.members} members, {result.events} events in {seconds:.2f} CPU s: "
            f"{out['events_per_cpu_second']:,} member-events per CPU second\n"
            f"ratio to firing the same events on the transitions machine alone: {out['ratio_to_transitions_floor']}\n"
            f"ratio to the goal of {GOAL_EVENTS_PER_SECOND:,}/s: {out['ratio_to_goal']} (not met: see the docstring)\n"
            f"peak memory growth: {out['peak_bytes_per_member']:,} bytes per member"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
