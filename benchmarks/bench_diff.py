"""What the joint search of ``credlab diff`` costs, against exploring each version on its own.

    .venv/bin/python benchmarks/bench_diff.py [--rounds 3] [--json]

The change is a refactor of ANA's spec (one transition renamed), the case where the joint search
must run to its end to say "no behavioural difference". Per round, in this process:

- baseline: each version explored by the reference explorer's Python tables (``Explorer(...,
  tables=True)``, no C loop), as the joint search does it — old, then new;
- joint: ``compare_behaviour`` on the two versions (the padded layout, the joint search, no stories).

Prints both, the ratio joint / baseline, and the joint situations against the product of the
two explorations' sizes (the bound a naive product search would meet). Issue 19 sets no goal;
the ratio says what reviewing a change costs next to exploring it twice. It never fails on timing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from _args import positive  # noqa: E402

from credlab.model.engine import Engine  # noqa: E402
from credlab.model.loader import load_spec  # noqa: E402
from credlab.model.spec_diff import structural_changes  # noqa: E402
from credlab.simulator.analysis.explore import Explorer  # noqa: E402
from credlab.simulator.analysis.joint import JointSearch  # noqa: E402
from credlab.simulator.review.behaviour import joint_layout  # noqa: E402
from credlab.simulator.review.vocabulary import Padded, pad  # noqa: E402

ANA = REPO / "spec" / "ana_web_password.yaml"
RENAMED = ("id: login_with_web_password\n", "id: login_with_the_web_password\n")


def renamed_copy(folder: Path) -> Path:
    text = ANA.read_text(encoding="utf-8")
    assert text.count(RENAMED[0]) == 1, "the spec changed: pick another transition to rename"
    copy = folder / ANA.name
    copy.write_text(text.replace(*RENAMED), encoding="utf-8")
    (folder / ANA.with_suffix(".policy.txt").name).write_bytes(ANA.with_suffix(".policy.txt").read_bytes())
    return copy


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=positive, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        old, new = load_spec(ANA), load_spec(renamed_copy(Path(folder)))
    renames = {c.name: c.was for c in structural_changes(old, new) if c.kind == "renamed" and c.was}
    padded = pad(old, new)
    assert isinstance(padded, Padded), padded
    baseline: list[float] = []
    joint: list[float] = []
    sizes: tuple[int, ...] = ()
    situations = 0
    for _ in range(args.rounds):
        started = time.perf_counter()
        found = [Explorer(Engine(spec), max_states=1_000_000).explore() for spec in (old, new)]
        baseline.append(time.perf_counter() - started)
        assert all(f.complete for f in found)
        sizes = tuple(len(f.keys) for f in found)
        started = time.perf_counter()
        left = Explorer(Engine(padded.old), layout=joint_layout(padded.old, padded.new), broken=True)
        left.ambiguity = False
        search = JointSearch(left, padded.new, hidden=padded.hidden, renamed=renames)
        parted, complete = search.differences(1_000_000, 12)
        joint.append(time.perf_counter() - started)
        assert complete and not parted, "a rename must leave no behavioural difference"
        situations = search.searched
    ratio = statistics.median(j / b for j, b in zip(joint, baseline, strict=True))
    result = {
        "baseline_seconds": round(statistics.median(baseline), 3),
        "joint_seconds": round(statistics.median(joint), 3),
        "ratio": round(ratio, 2),
        "explored": list(sizes),
        "joint_situations": situations,
        "product_bound": sizes[0] * sizes[1],
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"explore old + new (Python tables): {result['baseline_seconds']} s  ({sizes[0]:,} + {sizes[1]:,})")
        print(f"joint search to its end:           {result['joint_seconds']} s  ({situations:,} joint situations)")
        product = f"{sizes[0] * sizes[1]:,}"
        print(f"RATIO joint / baseline: {result['ratio']}  (no goal set; a product search could meet {product})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
