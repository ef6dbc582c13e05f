"""Member-events per CPU second of ``credlab population``, against a hand-written numpy loop.

    .venv/bin/python benchmarks/bench_population.py [--members 200000] [--json]

Simulates ANA members under examples/profiles/ana_members.yaml for a year on one core with the
table engine (serial executor, the oracle sample of 20 included), and in the same process two
baselines:

- a **hand-written numpy loop** of ANA's core chain for a registered member under the profile's
  figures (:func:`hand_loop`: logins, desk calls, forgetting, the response to two refusals, the
  link with its lapse, the reset form, the postcard), written for this one chain with nothing
  general: the per-event work of any vectorised simulator, the floor to compare with. It leaves
  out what the profile adds beyond that (unregistered members, registration, attackers), so it
  is a lower bound on the same chain's cost;
- the **members engine** (one member at a time on the compiled transitions machine) on a small
  sample, the engine the table engine replaces.

Prints member-events per CPU second of each, the ratios, and the peak memory of the run.
Goals (issue 18): at least 2 million member-events per CPU second on one core, at least 0.5x the
hand-written loop, and a million members over 365 days within 300 MB (``--members 1000000``;
the table engine's memory does not grow with the members: blocks of 16,384 are added up and
dropped). It reports; it never fails on timing.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from credlab.model.loader import load_spec  # noqa: E402
from credlab.simulator.population.profile import load_profile  # noqa: E402
from credlab.simulator.population.run import simulate  # noqa: E402

ANA = REPO / "spec" / "ana_web_password.yaml"
PROFILE = REPO / "examples" / "profiles" / "ana_members.yaml"
GOAL_EVENTS_PER_SECOND = 2_000_000
DAY, YEAR = 86_400.0, 365 * 86_400

# The hand-written chain, ANA's core for a registered member, states:
KNOWS, FORGOT, FORGOT_TWICE, LINK_SENT, FORM, CARD_SENT = range(6)
# rates per second in each state: log in (every 4 days; every day waiting for the card), call the
# desk (every 90 days), forget the password (mean 2 years)
LOGIN = np.array([1 / 4, 1 / 4, 1 / 4, 1 / 4, 0, 1]) / DAY
DESK = np.array([1 / 90, 1 / 90, 1 / 90, 1 / 90, 0, 1 / 90]) / DAY
FORGET = np.array([1 / 730, 0, 0, 0, 0, 0]) / DAY
RATE = LOGIN + DESK + FORGET
LOGIN_SHARE = LOGIN / np.where(RATE > 0, RATE, 1)
KEEP_SHARE = (LOGIN + DESK) / np.where(RATE > 0, RATE, 1)
LINK_TTL, OPEN, SUBMIT, CARD = 7_200, (60, 3 * 3_600), (60, 300), (86_400, 7 * 86_400)


def hand_loop(members: int, seed: int) -> int:
    """Member-events of ``members`` registered members of the hand-written chain over a year:
    they log in, call the desk, forget the password; after two refused logins 75% ask for a link
    (95% pass identification), 15% for a postcard (90%), 10% call the desk; 90% open the link
    within 1 minute to 3 hours unless it lapses after 2 hours, then set a new password within
    5 minutes; the card arrives in 1 to 7 days. Each member-event costs what any vectorised
    simulator pays: an exponential draw, the earliest of three timers, choices, moves, timers."""
    rng = np.random.default_rng(seed)
    state = np.zeros(members, dtype=np.int64)
    now = np.zeros(members)
    timers = np.full((members, 3), np.inf)  # the link's lapse, the member's next step, the card
    events = 0
    while now.size:
        total = RATE[state]
        rate_at = now + np.maximum(1.0, np.ceil(rng.standard_exponential(now.size) / np.where(total > 0, total, 1)))
        rate_at[total == 0] = np.inf
        slot = timers.argmin(axis=1)
        timer_at = timers[np.arange(now.size), slot]
        by_timer = timer_at <= rate_at
        at = np.where(by_timer, timer_at, rate_at)
        going = at < YEAR
        state, now, timers, at, by_timer, slot = (a[going] for a in (state, now, timers, at, by_timer, slot))
        n = state.size
        events += n
        pick = rng.random(n)
        nxt = state.copy()
        by_rate = ~by_timer
        login = by_rate & (pick < LOGIN_SHARE[state])
        forget = by_rate & (pick >= KEEP_SHARE[state])
        nxt[forget] = FORGOT
        nxt[login & (state == FORGOT)] = FORGOT_TWICE
        asks = login & (state == FORGOT_TWICE)
        choice, passes = rng.random(n), rng.random(n)
        link = asks & (choice < 0.75) & (passes < 0.95)
        card = asks & (choice >= 0.75) & (choice < 0.90) & (passes < 0.90)
        nxt[asks] = FORGOT
        nxt[link], nxt[card] = LINK_SENT, CARD_SENT
        timers[link, 0] = at[link] + LINK_TTL
        opens = link & (rng.random(n) < 0.9)
        timers[opens, 1] = at[opens] + rng.integers(*OPEN, endpoint=True, size=int(opens.sum()))
        timers[card, 2] = at[card] + rng.integers(*CARD, endpoint=True, size=int(card.sum()))
        lapsed = by_timer & (slot == 0)
        stepped = by_timer & (slot == 1)
        arrived = by_timer & (slot == 2)
        nxt[lapsed] = FORGOT
        timers[lapsed, 1] = np.inf
        to_form = stepped & (state == LINK_SENT)
        nxt[to_form] = FORM
        timers[to_form, 0] = np.inf
        timers[to_form, 1] = at[to_form] + rng.integers(*SUBMIT, endpoint=True, size=int(to_form.sum()))
        nxt[(stepped & (state == FORM)) | arrived] = KNOWS
        timers[lapsed, 0] = timers[stepped & (state == FORM), 1] = timers[arrived, 2] = np.inf
        state, now = nxt, at
    return events


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--members", type=int, default=200_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    spec = load_spec(ANA)
    profile = load_profile(PROFILE, spec)
    parameters = spec.parameter_values()

    started = time.process_time()
    result = simulate(spec, profile, parameters, members=args.members, horizon=YEAR, seed=1)
    table_seconds = time.process_time() - started
    assert not result.disagreements, result.disagreements
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    started = time.process_time()
    hand_events = hand_loop(args.members, seed=1)
    hand_seconds = time.process_time() - started

    sample = 300
    started = time.process_time()
    slow = simulate(spec, profile, parameters, members=sample, horizon=YEAR, seed=1, engine="members", oracle_sample=0)
    members_seconds = time.process_time() - started

    rate = result.events / table_seconds
    hand_rate = hand_events / hand_seconds
    members_rate = slow.events / members_seconds
    out = {
        "members": args.members,
        "events": result.events,
        "events_per_cpu_second": round(rate),
        "hand_loop_events_per_cpu_second": round(hand_rate),
        "ratio_to_hand_loop": round(rate / hand_rate, 3),
        "members_engine_events_per_cpu_second": round(members_rate),
        "ratio_to_members_engine": round(rate / members_rate, 1),
        "ratio_to_goal": round(rate / GOAL_EVENTS_PER_SECOND, 3),
        "peak_mib": round(peak_mib, 1),
    }
    if args.json:
        print(json.dumps(out))
        return 0
    print(
        f"table engine: {args.members:,} members, {result.events:,} events in {table_seconds:.2f} CPU s: "
        f"{out['events_per_cpu_second']:,} member-events per CPU second "
        f"(goal {GOAL_EVENTS_PER_SECOND:,}: ratio {out['ratio_to_goal']})\n"
        f"hand-written numpy loop of ANA's core chain: {out['hand_loop_events_per_cpu_second']:,}/s; "
        f"ratio {out['ratio_to_hand_loop']} (goal >= 0.5)\n"
        f"members engine (transitions machine, {sample} members): {out['members_engine_events_per_cpu_second']:,}/s; "
        f"the table engine is {out['ratio_to_members_engine']}x faster\n"
        f"peak memory of the whole process: {out['peak_mib']} MiB (goal for a million members: 300 MB)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
