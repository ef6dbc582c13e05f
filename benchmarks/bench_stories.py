"""Benchmark loading a large story library against running it.

What it measures
    A library of about 10,000 stories (``--stories``) is made in a temporary folder from copies of
    ``scenarios/ana_web_password/`` (a story's name is unique within its file, so copied files need
    no renaming). Then, in this process and interleaved over ``--rounds`` rounds:

    loading: ``assign_scenarios`` on the folder, as ``credlab simulate`` loads it: each file read,
    decoded and checked against the spec (every name resolved, every secret checked);

    running: ``run_stories`` on the loaded stories: each on the compiled ``transitions`` machine with
    the virtual clock, expectations and invariants after every step.

    The ratio is loading / running (medians of the rounds). The target is at most 1.0: a CI asset of
    10,000 stories must not spend more time being read than being run.

The script reports; it does not assert timing, and exits 1 only if the library fails to load or a
story fails.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _args import positive

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from credlab.model.loader import load_spec  # noqa: E402
from credlab.simulator.stories.library import assign_scenarios, run_stories  # noqa: E402

SPEC = REPO / "spec" / "ana_web_password.yaml"
LIBRARY = REPO / "scenarios" / "ana_web_password"
TARGET = 1.0


def make_library(folder: Path, stories: int) -> int:
    """Copies of the ANA library until it holds at least ``stories`` stories; returns how many."""
    spec = load_spec(SPEC)
    per_copy = len(assign_scenarios([spec], [LIBRARY])[spec.name])
    copies = -(-stories // per_copy)
    for n in range(copies):
        for source in sorted(LIBRARY.glob("*.yaml")):
            shutil.copy(source, folder / f"{source.stem}_{n:04d}.yaml")
    return copies * per_copy


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stories", type=positive, default=10_000, help="library size (default 10000)")
    parser.add_argument("--rounds", type=positive, default=3, help="interleaved rounds (default 3)")
    args = parser.parse_args()
    spec = load_spec(SPEC)
    loads: list[float] = []
    runs: list[float] = []
    with tempfile.TemporaryDirectory(prefix="credlab-stories-") as tmp:
        folder = Path(tmp)
        total = make_library(folder, args.stories)
        files = len(list(folder.glob("*.yaml")))
        for _ in range(args.rounds):
            started = time.perf_counter()
            stories = assign_scenarios([spec], [folder])[spec.name]
            loads.append(time.perf_counter() - started)
            started = time.perf_counter()
            ran = run_stories(spec, {}, stories)
            runs.append(time.perf_counter() - started)
            if len(stories) != total or not ran.ok:
                print(f"FAILED: loaded {len(stories)} of {total} stories; all passed: {ran.ok}", file=sys.stderr)
                return 1
    load, run = statistics.median(loads), statistics.median(runs)
    ratio = load / run
    verdict = "PASS" if ratio <= TARGET else "ABOVE TARGET"
    print(f"library: {total} stories in {files} files (copies of {LIBRARY.relative_to(REPO)})")
    print(f"  loading   {load:7.2f} s   (median of {args.rounds}; read, decode, check against the spec)")
    print(f"  running   {run:7.2f} s   (median of {args.rounds}; transitions machine, virtual clock)")
    print(f"  RATIO loading/running = {ratio:.2f}   target ≤ {TARGET}   {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
