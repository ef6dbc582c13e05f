"""Fixed candidate secrets derived from a spec's policies: valid literals, broken ones, Unicode traps.

Searches and the fuzzer try secrets symbolically (what the member knows, what was mailed, a
wrong value) and, besides those, a few literal values. Every literal here is a pure function of
the spec, so a search or a fuzz run that uses them is deterministic:

- :func:`literal_values` — one value each policy accepts (the member's new password or PIN);
- :func:`broken_values` — that value broken in each way its policy refuses (one short, too
  long, no digit, no letter, a symbol, a full-width letter);
- :func:`trap_values` — the Unicode traps that fool naive checks: a full-width first letter,
  another script's digit, a trailing newline, a zero-width space, a NUL, a space.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from credlab.model import ir
from credlab.model.policy import enforced_ok, random_candidate


def literal_values(spec: ir.Spec, stranger: str | None = None) -> dict[str, str]:
    """One valid value per policy, drawn with a fixed seed: the member's new passwords and PINs.
    For a ``stranger`` (another actor), values of their own, each different from the member's:
    an attacker does not pick the member's new password by sharing its symbol."""
    literals = {
        name: random_candidate(policy, random.Random(f"credlab-literal-{name}"))
        for name, policy in spec.policies.items()
    }
    if stranger is None:
        return literals
    own = {}
    for name, policy in spec.policies.items():
        rng = random.Random(f"credlab-literal-{stranger}-{name}")
        candidate = literals[name]
        for _ in range(1000):  # a policy that admits one value only keeps it
            if candidate not in literals.values():
                break
            candidate = random_candidate(policy, rng)
        own[name] = candidate
    return own


def _full_width_first(value: str) -> str:
    return chr(ord(value[0]) + 0xFEE0) + value[1:] if value[:1].isascii() and value[:1].isalnum() else value


BREAKERS: tuple[Callable[[str], str], ...] = (
    lambda v: v[:-1],  # one character short
    lambda v: v + v,  # too long
    lambda v: "".join(c for c in v if not c.isdigit()) or "x",  # no digit
    lambda v: "".join(c for c in v if c.isdigit()) or "1",  # no letter
    lambda v: v[:-1] + "!",  # a symbol
    _full_width_first,
)

TRAPS: tuple[Callable[[str], str], ...] = (
    _full_width_first,  # "Ｓakura2024": NFKC folds it to an ASCII letter
    lambda v: v[:-1] + "\u0663",  # ARABIC-INDIC DIGIT THREE: str.isdigit() says yes
    lambda v: v + "\n",  # a trailing newline: `$` in a regex matches before it
    lambda v: v[:1] + "\u200b" + v[1:],  # a zero-width space: invisible
    lambda v: v + "\x00",  # NUL: C strings end there
    lambda v: v[:1] + " " + v[1:],  # a space
)


def broken_values(spec: ir.Spec, valid: dict[str, str]) -> list[str]:
    """Values each policy refuses, one per way of breaking its valid literal (fixed, deterministic)."""
    broken: list[str] = []
    for name, policy in spec.policies.items():
        for breaker in BREAKERS:
            candidate = breaker(valid[name])
            if not enforced_ok(policy, candidate) and candidate not in broken:
                broken.append(candidate)
    return broken


def trap_values(spec: ir.Spec, valid: dict[str, str]) -> list[str]:
    """Each policy's valid literal with each Unicode trap applied (whether or not the policy refuses it:
    a policy that accepts a NUL is worth seeing accept it)."""
    traps: list[str] = []
    for name in spec.policies:
        for trap in TRAPS:
            candidate = trap(valid[name])
            if candidate != valid[name] and candidate not in traps:
                traps.append(candidate)
    return traps
