"""The exact answer, where there is one: a profile that makes the policy a finite Markov chain.

When nothing a member does ever sets a timer (no deadline runs, no message is delayed, no
``after`` habit), every step happens at a rate, and the situations the members can reach form a
finite continuous-time Markov chain: the outcome table, closed over every firing, is its
generator. Two outcomes then have exact values by linear algebra (uniformisation: the chain
watched at the events of a Poisson clock of rate Λ, ``P = I + Q/Λ``):

- ``lost_online_access``: the probability of reaching a situation without online access by the
  horizon H, with those situations made absorbing: ``Σ_k Pois(k; ΛH) · π0 Pᵏ 1_W``;
- ``days_without_online_access``: the expected time without it, ``∫₀ᴴ π(t) 1_W dt =
  Σ_k (1/Λ) · P(N(ΛH) > k) · π0 Pᵏ 1_W``.

credlab shows them beside the Monte Carlo estimates; a test asserts each estimate's 95% interval
holds its exact value. Anything else (a timer on the way, a chain too large) is said, not guessed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from credlab.simulator.population.table import Table
from credlab.simulator.population.tally import DAY

LARGEST = 2_000
"""Situations at most, for a dense generator."""
WORK = 5e9
"""Multiply-adds at most (situations² × Poisson terms)."""
TAIL = 1e-13


@dataclass(frozen=True, slots=True)
class Exact:
    values: tuple[tuple[str, float], ...] = ()
    reason: str | None = None
    """Why there is no exact answer (None: there is)."""
    situations: int = 0

    def to_json(self) -> dict[str, object]:
        return {"values": dict(self.values), "reason": self.reason, "situations": self.situations}


def exact(table: Table, horizon: int) -> Exact:
    """The exact outcomes of ``table``'s chain over ``horizon`` seconds, if it is a Markov chain."""
    profile = table.shape.profile
    start: dict[int, float] = {}
    for s, chosen in enumerate(profile.starts):
        for bits in range(1 << len(profile.attackers)):
            present = tuple(a for a in range(len(profile.attackers)) if bits >> a & 1)
            weight = chosen.share * math.prod(
                a.share if i in present else 1 - a.share for i, a in enumerate(profile.attackers)
            )
            if weight == 0:
                continue
            branch = table.start(s, present)
            if table.has_slots[branch]:
                return Exact(reason=_TIMER)
            situation = int(table.next[branch])
            start[situation] = start.get(situation, 0.0) + weight
    order, seen = list(start), set(start)
    moves: dict[int, list[tuple[int, float]]] = {}
    for s in order:  # the closure: every situation the members can reach
        if len(order) > LARGEST:
            return Exact(reason=f"more than {LARGEST:,} situations: too many for the exact check")
        if math.isinf(table.mean_gap[s]):
            moves[s] = []
            continue
        entry = table.fill(s, 0)
        first, count = int(table.first[entry]), int(table.branches[entry])
        if table.has_slots[first : first + count].any():
            return Exact(reason=_TIMER)
        moves[s] = [(int(table.next[b]), float(table.probability[b])) for b in range(first, first + count)]
        for target, _ in moves[s]:
            if target not in seen:
                seen.add(target)
                order.append(target)
    index = {s: i for i, s in enumerate(order)}
    n = len(order)
    generator = np.zeros((n, n))
    for s, targets in moves.items():
        rate = 1.0 / table.mean_gap[s] if targets else 0.0
        for target, p in targets:
            generator[index[s], index[target]] += rate * p
        generator[index[s], index[s]] -= rate
    without = np.array([bool(table.without[s]) for s in order])
    pi0 = np.zeros(n)
    for s, weight in start.items():
        pi0[index[s]] += weight
    fastest = max(float(-generator.diagonal().min()), 1e-30)
    terms = fastest * horizon + 12 * math.sqrt(fastest * horizon) + 20
    if n * n * terms > WORK:
        return Exact(
            reason=f"{n:,} situations over {terms:,.0f} steps: too much work for the exact check", situations=n
        )
    absorbing = generator.copy()
    absorbing[without] = 0.0
    lost = _uniformised(absorbing, pi0, without, fastest, horizon, integral=False)
    days = _uniformised(generator, pi0, without, fastest, horizon, integral=True) / DAY
    return Exact((("days_without_online_access", days), ("lost_online_access", lost)), None, n)


_TIMER = "a step sets a timer (a deadline, a delayed message or an after-habit): not a Markov chain"


def _uniformised(
    generator: np.ndarray, pi0: np.ndarray, target: np.ndarray, rate: float, horizon: int, *, integral: bool
) -> float:
    """``π(H) 1_target`` (or its integral over [0, H] with ``integral``) by uniformisation at ``rate``."""
    mean = rate * horizon
    step = np.eye(len(pi0)) + generator / rate
    vector, total, below = pi0.copy(), 0.0, 0.0
    k = 0
    while True:
        weight = math.exp(-mean + k * math.log(mean) - math.lgamma(k + 1)) if mean > 0 else float(k == 0)
        below += weight
        share = float(vector[target].sum())
        total += (max(0.0, 1.0 - below) / rate) * share if integral else weight * share
        if k > mean and (1.0 - below < TAIL or k > mean + 12 * math.sqrt(mean) + 20):
            return total
        vector = vector @ step
        k += 1
