"""Benchmark ``credlab explore`` as a whole against its exploration core.

What it measures
    In this process, for two specs: ``spec/ana_web_password.yaml`` (17,614 situations) and a grid of
    ``--grid N`` (default 30) by N explicit states written by ``../shared/peers/gen_specs.py grid N``
    into a temporary folder (N*N situations, 4N*N-4N edges; the family mirrors TLC's ``Grid.tla``). If
    the generator is missing, the report says so and measures the ANA spec only.

    whole: ``credlab.simulator.api.explore(PATH, out=TMP/explore)``, what ``credlab explore SPEC``
    runs (without printing): load and check the spec, explore it, give every property its verdict,
    write a story for each failure and finding, and, the exploration being complete, the lockout
    windows and the attacker analysis (one search per capability set, from every situation the
    member reaches at once).

    core: ``Explorer(Engine(spec, overrides), max_states=...).explore()`` from
    ``credlab.simulator.analysis.explore`` and ``credlab.model.engine``, on the spec loaded once
    beforehand, with the overrides ``api.explore`` computes (none given: ``{}``): the breadth-first
    search over every reachable situation and the property checks made on the way, and nothing else.

    Both sides use the same ``max_states`` (200,000, ``credlab explore``'s default) and must come back
    complete. Searches are cached per process (``credlab.simulator.analysis.shortest._SEARCHES``
    and ``shortest._EXPLORED``, so that one ``credlab check`` searches once); both are cleared
    before every timed run of either side, so each run pays its full cost, as one ``credlab explore`` does. The cycle
    collector runs (``gc.collect()``) before each timed run, outside the clock, so no run pays for
    the garbage of the one before.

    After one warm-up round per spec (not timed: imports, first-call caches, the output folder),
    ``--runs`` rounds each time both sides once, alternating which goes first, and the medians of each
    side are compared.

Why a ratio
    Seconds depend on the machine; the ratio does not, much. The core is the work an exhaustive
    explorer cannot avoid; everything ``credlab explore`` adds around it (verdicts, stories,
    lockout windows, attacker analysis) should cost at most as much again. The target is
    **analysis / core ≤ 2**, where analysis is the whole run minus loading the spec file (timed
    apart inside each whole run). Loading is printed, with the ratio including it, but is not the
    target: for a generated grid it is libyaml composing thousands of transitions, the same for
    every command, and ``bench_validate.py`` measures it. The report says ``PASS`` or ``ABOVE
    TARGET`` (a word, not an exit code), and what share of the whole the core is.

The script reports; it does not assert timing. It exits 1 only if a measured run raises, the
exploration is incomplete (either side), or the generator fails; then it says so.

    .venv/bin/python benchmarks/bench_explore.py [--runs N] [--grid N] [--only ana|grid] [--json]
    .venv/bin/python benchmarks/bench_explore.py --families [--json]   # against TLC (see _families.py)
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from _args import positive  # noqa: E402  (this script's own folder)

from credlab.model.engine import Engine  # noqa: E402
from credlab.model.ir import Spec  # noqa: E402
from credlab.simulator import api  # noqa: E402
from credlab.simulator.analysis import shortest  # noqa: E402
from credlab.simulator.analysis.explore import Explorer  # noqa: E402

ANA = "spec/ana_web_password.yaml"
GENERATOR = REPO.parent / "shared" / "peers" / "gen_specs.py"
GENERATOR_SHOWN = "../shared/peers/gen_specs.py"
MAX_STATES = 200_000
TARGET = 2.0
WARMUPS = 1


class RunFailed(Exception):
    """A measured run raised, or came back incomplete, or the grid spec could not be generated."""


@dataclass(slots=True)
class Sample:
    seconds: float
    situations: int
    edges: int
    explored: float = 0.0
    """whole only: ``ExploreReport.seconds``, the command's own clock (everything after loading)."""
    loading: float = 0.0
    """whole only: the part of the run spent loading and validating the spec file."""


@dataclass(slots=True)
class Measured:
    name: str
    path: str
    core: list[Sample] = field(default_factory=list)
    whole: list[Sample] = field(default_factory=list)


# --- the two sides -------------------------------------------------------------------------------


def fresh() -> None:
    """Before a timed run: no cached shortest-path search, no garbage left from the last run."""
    shortest._SEARCHES.clear()
    shortest._EXPLORED.clear()
    gc.collect()


def run_core(spec: Spec, overrides: dict[str, int]) -> Sample:
    fresh()
    started = time.perf_counter()
    found = Explorer(Engine(spec, overrides), max_states=MAX_STATES).explore()
    elapsed = time.perf_counter() - started
    if not found.complete:
        raise RunFailed(f"core: exploration of {spec.path} stopped at max_states {MAX_STATES} (incomplete)")
    return Sample(elapsed, len(found.worlds), found.edges)


def run_whole(path: Path, out: Path) -> Sample:
    fresh()
    started = time.perf_counter()
    loaded = api.load_spec(path)  # what api.explore(path) does first, timed apart
    read = time.perf_counter()
    report = api.explore(loaded, max_states=MAX_STATES, out=out)
    elapsed = time.perf_counter() - started
    if not report.complete:
        raise RunFailed(f"whole: exploration of {path} stopped at max_states {MAX_STATES} (incomplete)")
    return Sample(elapsed, report.states, report.edges, report.seconds, read - started)


def measure_spec(name: str, path: Path, shown: str, out: Path, runs: int) -> Measured:
    spec = api.load_spec(path)
    overrides = api.overrides_of(spec, None)  # what api.explore computes when no setting is given
    measured = Measured(name, shown)
    for i in range(WARMUPS + runs):
        sides = ("core", "whole") if i % 2 == 0 else ("whole", "core")
        for side in sides:
            try:
                sample = run_core(spec, overrides) if side == "core" else run_whole(path, out)
            except RunFailed:
                raise
            except Exception as error:
                round_name = "warm-up" if i < WARMUPS else f"run {i - WARMUPS + 1}"
                raise RunFailed(f"{name}: {side} ({round_name}) raised {type(error).__name__}: {error}") from error
            if i >= WARMUPS:
                (measured.core if side == "core" else measured.whole).append(sample)
    return measured


def grid_spec(folder: Path, size: int) -> Path:
    """The grid spec written by the peers' generator (run from the repository root, as it expects)."""
    written = folder / f"grid{size}.yaml"
    done = subprocess.run(
        [sys.executable, str(GENERATOR), "grid", str(size)], cwd=REPO, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RunFailed(f"{GENERATOR} grid {size} exited {done.returncode}: {done.stderr.strip()}")
    written.write_text(done.stdout, encoding="utf-8")
    return written


# --- report --------------------------------------------------------------------------------------


def summary(measured: Measured) -> dict[str, Any]:
    core = statistics.median(s.seconds for s in measured.core)
    whole = statistics.median(s.seconds for s in measured.whole)
    counts = {(s.situations, s.edges) for s in measured.core + measured.whole}
    situations, edges = measured.core[0].situations, measured.core[0].edges
    loading = statistics.median(s.loading for s in measured.whole)
    analysis = statistics.median(s.seconds - s.loading for s in measured.whole)
    ratio = analysis / core
    return {
        "spec": measured.name,
        "path": measured.path,
        "situations": situations,
        "edges": edges,
        "sides_agree": len(counts) == 1,
        "core_seconds": round(core, 4),
        "whole_seconds": round(whole, 4),
        "whole_explore_seconds": round(statistics.median(s.explored for s in measured.whole), 4),
        "loading_seconds": round(loading, 4),
        "analysis_seconds": round(analysis, 4),
        "ratio_with_loading": round(whole / core, 3),
        "core_share_of_whole": round(core / whole, 4),
        "ratio": round(ratio, 3),
        "target": TARGET,
        "pass": ratio <= TARGET,
        "core_runs_seconds": [round(s.seconds, 4) for s in measured.core],
        "whole_runs_seconds": [round(s.seconds, 4) for s in measured.whole],
    }


def report(data: dict[str, Any]) -> str:
    lines = [
        f"credlab explore, whole vs core  (Python {data['python']}, median of {data['runs']} interleaved run(s) "
        f"per side after {data['warmups']} warm-up round; max_states {data['max_states']})",
    ]
    for note in data["skipped"]:
        lines += ["", f"  skipped: {note}"]
    for s in data["specs"]:
        verdict = "PASS" if s["pass"] else "ABOVE TARGET"
        lines += [
            "",
            f"{s['spec']}: {s['path']}  ({s['situations']} situations, {s['edges']} edges)",
            f"  core    {s['core_seconds']:9.3f} s   (Explorer(Engine(spec, overrides)).explore())",
            f"  whole   {s['whole_seconds']:9.3f} s   (api.explore(path, out=...), what `credlab explore` runs; "
            f"its own clock: {s['whole_explore_seconds']:.3f} s)",
            f"  of which loading the spec {s['loading_seconds']:.3f} s, and the analysis {s['analysis_seconds']:.3f} s",
            f"  RATIO analysis/core = {s['ratio']:.2f}   target ≤ {s['target']:g}   {verdict}",
            f"  whole/core with loading = {s['ratio_with_loading']:.2f} (loading is bench_validate's to measure)",
            f"  core is {100 * s['core_share_of_whole']:.1f}% of whole",
        ]
        if not s["sides_agree"]:
            lines.append("  note: the two sides did not report the same situations and edges in every run")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=positive, default=5, help="timed runs per side and spec (default: 5)")
    parser.add_argument("--grid", type=positive, default=30, metavar="N", help="grid size N (default: 30)")
    parser.add_argument("--only", choices=("ana", "grid"), help="measure one spec only")
    parser.add_argument("--json", action="store_true", help="print the numbers as one JSON object")
    parser.add_argument(
        "--families",
        action="store_true",
        help="instead: the exploration core against TLC on the peer families, edges per CPU second (minutes)",
    )
    args = parser.parse_args(argv)
    if args.families:
        return families(args.json)
    data: dict[str, Any] = {
        "python": sys.version.split()[0],
        "runs": args.runs,
        "warmups": WARMUPS,
        "max_states": MAX_STATES,
        "grid": args.grid if args.only != "ana" else None,
        "specs": [],
        "skipped": [],
    }
    try:
        with tempfile.TemporaryDirectory(prefix="credlab-bench-explore-") as tmp:
            folder = Path(tmp)
            out = folder / "explore"
            if args.only in (None, "ana"):
                data["specs"].append(summary(measure_spec("ana", REPO / ANA, ANA, out, args.runs)))
            if args.only in (None, "grid"):
                if GENERATOR.is_file():
                    path = grid_spec(folder, args.grid)
                    shown = f"{GENERATOR_SHOWN} grid {args.grid} (a temporary file)"
                    data["specs"].append(summary(measure_spec(f"grid {args.grid}", path, shown, out, args.runs)))
                else:
                    note = f"grid {args.grid}: {GENERATOR_SHOWN} is missing ({GENERATOR})"
                    data["skipped"].append(note)
                    print(f"bench_explore: {note}; not measured", file=sys.stderr)
    except RunFailed as failure:
        print(f"bench_explore: {failure}", file=sys.stderr)
        return 1
    print(json.dumps(data, indent=2) if args.json else report(data))
    return 0


def families(as_json: bool) -> int:
    """``--families``: see ``_families.py``."""
    import _families

    if not (_families.PEERS / "gen_specs.py").is_file():
        print(f"bench_explore: {GENERATOR_SHOWN} is missing; no family to measure", file=sys.stderr)
        return 1
    rows = []
    with tempfile.TemporaryDirectory(prefix="credlab-bench-families-") as tmp:
        for family, size, module, constant in _families.FAMILIES:
            rows.append(_families.measure(family, size, module, constant, Path(tmp)))
            print(f"  measured {family} {size}", file=sys.stderr)
    print(json.dumps(rows, indent=2) if as_json else _families.report(rows))
    return 0 if all(r["complete"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
