"""Counting every policy of the Password Rules corpus (434 real sites), against parsing alone.

    .venv/bin/python benchmarks/bench_policy_corpus.py [--rounds 5] [--json]

Per round, in this process: parse every rules string (the baseline: the least any analysis of
them must do), then parse, build the credlab policy and count it exactly (per length and in total,
with its shortest accepted string). Prints the median time per policy of each and their ratio.
Goal (issue 16): counting all 434 takes at most 2 s. It reports; it never fails on timing.
The first round also pays for the one scan of the Unicode database (sizes of classes beyond
ASCII); it is reported apart and left out of the medians.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from credlab.model import ir
from credlab.model.password_rules import parse_rules, rules_policy
from credlab.model.policy_measures import measure

CORPUS = Path(__file__).resolve().parents[1] / "model" / "data" / "password-rules.json"


def policies(texts: list[str]) -> list[ir.Policy]:
    return [rules_policy(f"site_{n}", text) for n, text in enumerate(texts)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    texts = [entry["password-rules"] for entry in json.loads(args.corpus.read_text(encoding="utf-8")).values()]
    started = time.perf_counter()
    measure(ir.Policy("warm", "password", (ir.PolicyRule("a", "reject", ir.AlphabetCheck(("unicode",)), "m"),)))
    first_scan = time.perf_counter() - started
    parse_times, count_times = [], []
    for _ in range(args.rounds):
        started = time.perf_counter()
        for text in texts:
            parse_rules(text)
        parse_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        for policy in policies(texts):
            measure(policy)
        count_times.append(time.perf_counter() - started)
    parse, count = statistics.median(parse_times), statistics.median(count_times)
    result = {
        "policies": len(texts),
        "parse_seconds": parse,
        "count_seconds": count,
        "per_policy_parse_ms": 1000 * parse / len(texts),
        "per_policy_count_ms": 1000 * count / len(texts),
        "ratio": count / parse,
        "unicode_scan_seconds": first_scan,
        "goal_seconds": 2.0,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{len(texts)} policies, median of {args.rounds} rounds")
        print(f"  parse only:          {parse:.3f} s ({result['per_policy_parse_ms']:.3f} ms per policy)")
        print(f"  parse, build, count: {count:.3f} s ({result['per_policy_count_ms']:.3f} ms per policy)")
        print(f"  RATIO count/parse:   {result['ratio']:.1f}   (goal: all counted within 2 s: {count <= 2.0})")
        print(f"  once per process, the Unicode database scan: {first_scan:.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
