"""Benchmark ``credlab validate spec/ana_web_password.yaml`` against the cost of its own dependencies.

What it measures
    The wall time of a whole ``credlab validate`` process (``python -m simulator validate ...``), and,
    in the same run, the wall time of a bare ``python -c "import yaml, transitions"``: the floor any
    credlab command pays before doing work of its own (interpreter start-up plus the two libraries
    ``validate`` cannot avoid). A third command, ``python -c "pass"``, shows the interpreter start-up
    alone. The commands are run interleaved (A B C A B C ...) so that slow drift on the machine
    (thermal throttling, a neighbour's build) hits all of them alike; each gets 2 warm-ups, then the
    median of ``--runs`` timed runs is kept.

Why a ratio
    Absolute milliseconds are meaningless on a noisy or shared machine: the same command can take
    twice as long from one minute to the next. The ratio validate / baseline cancels the machine's
    speed, since both sides pay the same interpreter and import costs. The target is a ratio of at
    most 2.0: credlab's own code (imports of ``model``/``simulator``, loading, validating and
    compiling the spec) may cost no more than the dependencies it stands on.

The breakdown
    After the subprocess timings, the script times in-process, in a fresh interpreter state: the
    cold import of ``model.loader`` (which pulls in ``yaml``), then what ``model.machine`` adds (mostly
    ``transitions``), then what ``simulator.cli`` adds; ``load_spec`` (first call and median of 50);
    and ``model.machine.compile_spec`` on freshly loaded specs (``Spec`` hashes by identity, so a new
    load is never a cache hit). Cold imports can be measured only once per process: those are single
    samples, so read them as rough. It also times compiling credlab's own sources, which every run pays
    when they have no cached bytecode (``__pycache__``), e.g. under ``PYTHONDONTWRITEBYTECODE=1`` with an
    editable install, while ``yaml`` and ``transitions`` in site-packages do have theirs: the report
    says which case was measured, since it moves the ratio noticeably.

The script reports; it does not assert timing. It exits 0 unless a measured command fails, in which
case it prints that command's stderr and exits 1.

    .venv/bin/python benchmarks/bench_validate.py [--runs N] [--json]
"""

from __future__ import annotations

import argparse
import compileall
import importlib
import importlib.util
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from _args import positive  # this script's own folder

REPO = Path(__file__).resolve().parent.parent
SPEC = "spec/ana_web_password.yaml"
TARGET = 2.0
WARMUPS = 2
LOAD_CALLS = 50
COMPILE_CALLS = 20

COMMANDS: dict[str, list[str]] = {
    "validate": [sys.executable, "-m", "simulator", "validate", SPEC],
    "baseline": [sys.executable, "-c", "import yaml, transitions"],
    "startup": [sys.executable, "-c", "pass"],
}


class CommandFailed(Exception):
    def __init__(self, name: str, result: subprocess.CompletedProcess[bytes]) -> None:
        super().__init__(name)
        self.name = name
        self.result = result


def _ms(ns: float) -> float:
    return round(ns / 1e6, 3)


def time_command(name: str) -> float:
    """Wall time of one run of ``COMMANDS[name]``, in ms; raises :class:`CommandFailed` on a non-zero exit."""
    start = time.perf_counter_ns()
    result = subprocess.run(COMMANDS[name], cwd=REPO, capture_output=True, check=False)
    elapsed = time.perf_counter_ns() - start
    if result.returncode != 0:
        raise CommandFailed(name, result)
    return _ms(elapsed)


def time_interleaved(runs: int) -> dict[str, list[float]]:
    """``runs`` timed runs of every command, interleaved, after ``WARMUPS`` interleaved warm-ups."""
    samples: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for i in range(WARMUPS + runs):
        for name in COMMANDS:
            elapsed = time_command(name)
            if i >= WARMUPS:
                samples[name].append(elapsed)
    return samples


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter_ns()
    action()
    return _ms(time.perf_counter_ns() - start)


def bytecode_cached() -> bool:
    """Whether credlab's modules have bytecode this interpreter would use (else each run compiles them)."""
    sources = [*REPO.glob("model/*.py"), *REPO.glob("simulator/**/*.py")]
    return all(Path(importlib.util.cache_from_source(str(source))).exists() for source in sources)


def compile_sources() -> float:
    """Time (ms) to compile credlab's own sources, the cost of running without cached bytecode."""
    sources = [*REPO.glob("model/*.py"), *REPO.glob("simulator/**/*.py")]
    texts = [(str(source), source.read_text(encoding="utf-8")) for source in sources]
    start = time.perf_counter_ns()
    for name, text in texts:
        compile(text, name, "exec")
    return _ms(time.perf_counter_ns() - start)


def breakdown() -> dict[str, float]:
    """In-process timings (ms) of the steps ``credlab validate`` goes through."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    already = sorted(m for m in ("yaml", "transitions", "model", "simulator") if m in sys.modules)
    if already:  # pragma: no cover - only if someone imports this module from elsewhere
        print(f"note: {', '.join(already)} already imported; import times are underestimates", file=sys.stderr)

    result: dict[str, float] = {}
    result["import_model_loader_ms"] = _timed(lambda: importlib.import_module("model.loader"))
    result["import_model_machine_extra_ms"] = _timed(lambda: importlib.import_module("model.machine"))
    result["import_simulator_cli_extra_ms"] = _timed(lambda: importlib.import_module("simulator.cli"))

    loader = importlib.import_module("model.loader")
    machine = importlib.import_module("model.machine")
    path = REPO / SPEC

    result["load_spec_first_ms"] = _timed(lambda: loader.load_spec(path))
    result["load_spec_median_ms"] = statistics.median(_timed(lambda: loader.load_spec(path)) for _ in range(LOAD_CALLS))

    compiles: list[float] = []
    for _ in range(COMPILE_CALLS):
        spec = loader.load_spec(path)  # a new Spec object: compile_spec's cache is keyed by identity
        start = time.perf_counter_ns()
        machine.compile_spec(spec)
        compiles.append(_ms(time.perf_counter_ns() - start))
    result["compile_spec_first_ms"] = compiles[0]
    result["compile_spec_median_ms"] = statistics.median(compiles)
    result["compile_sources_ms"] = compile_sources()
    return result


def measure(runs: int) -> dict[str, Any]:
    samples = time_interleaved(runs)
    medians = {name: statistics.median(values) for name, values in samples.items()}
    ratio = medians["validate"] / medians["baseline"]
    return {
        "spec": SPEC,
        "python": sys.version.split()[0],
        "runs": runs,
        "warmups": WARMUPS,
        "median_ms": medians,
        "min_ms": {name: min(values) for name, values in samples.items()},
        "ratio": round(ratio, 3),
        "target": TARGET,
        "pass": ratio <= TARGET,
        "bytecode_cached": bytecode_cached(),
        "dont_write_bytecode": sys.dont_write_bytecode,
        "breakdown_ms": breakdown(),
    }


def report(data: dict[str, Any]) -> str:
    med, low, parts = data["median_ms"], data["min_ms"], data["breakdown_ms"]
    verdict = "PASS" if data["pass"] else "ABOVE TARGET"
    own = med["validate"] - med["baseline"]
    lines = [
        f"credlab validate {data['spec']}  (Python {data['python']}, median of {data['runs']} interleaved runs, "
        f"{data['warmups']} warm-ups)",
        "",
        f"  validate   {med['validate']:8.1f} ms   (min {low['validate']:.1f})",
        f"  baseline   {med['baseline']:8.1f} ms   (min {low['baseline']:.1f})   python -c 'import yaml, transitions'",
        f"  startup    {med['startup']:8.1f} ms   (min {low['startup']:.1f})   python -c 'pass'",
        "",
        f"  RATIO validate/baseline = {data['ratio']:.2f}   target ≤ {data['target']:.1f}   {verdict}",
        "",
        "Where the time goes (subprocess medians):",
        f"  interpreter start-up           {med['startup']:8.1f} ms",
        f"  + import yaml, transitions     {med['baseline'] - med['startup']:8.1f} ms",
        f"  + credlab's own work           {own:8.1f} ms",
        "",
        "In-process breakdown (cold imports are single samples):",
        f"  import model.loader (+yaml)    {parts['import_model_loader_ms']:8.1f} ms",
        f"  + import model.machine         {parts['import_model_machine_extra_ms']:8.1f} ms   (transitions, runtime)",
        f"  + import simulator.cli         {parts['import_simulator_cli_extra_ms']:8.1f} ms   (all commands)",
        f"  load_spec, first call          {parts['load_spec_first_ms']:8.1f} ms",
        f"  load_spec, median of {LOAD_CALLS}        {parts['load_spec_median_ms']:8.1f} ms",
        f"  compile_spec, first (fresh)    {parts['compile_spec_first_ms']:8.1f} ms",
        f"  compile_spec, median of {COMPILE_CALLS}     {parts['compile_spec_median_ms']:8.1f} ms   (fresh specs)",
        f"  compile credlab sources        {parts['compile_sources_ms']:8.1f} ms   "
        + ("(not paid: bytecode is cached)" if data["bytecode_cached"] else "(paid by every run: no cached bytecode)"),
    ]
    if not data["bytecode_cached"]:
        lines += [
            "",
            "note: credlab's modules have no cached bytecode"
            + (" (PYTHONDONTWRITEBYTECODE is set)" if data["dont_write_bytecode"] else "")
            + ", so each validate run compiles",
            "      them while yaml/transitions load from .pyc: the ratio above includes that compile time.",
        ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=positive, default=15, help="timed runs per command (default: 15)")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    parser.add_argument(
        "--as-is",
        action="store_true",
        help="do not compile credlab's bytecode first (measure an editable install without __pycache__)",
    )
    args = parser.parse_args(argv)
    if not args.as_is:
        # pip writes bytecode for installed packages (yaml, transitions); an editable install under
        # PYTHONDONTWRITEBYTECODE has none, which would charge credlab ~20 ms of compiling per run.
        for folder in ("model", "simulator"):
            compileall.compile_dir(str(REPO / folder), quiet=1)
    try:
        data = measure(args.runs)
    except CommandFailed as failure:
        print(
            f"{failure.name} failed (exit {failure.result.returncode}): {' '.join(COMMANDS[failure.name])}",
            file=sys.stderr,
        )
        sys.stderr.write(failure.result.stderr.decode(errors="replace"))
        sys.stderr.write(failure.result.stdout.decode(errors="replace"))
        return 1
    print(json.dumps(data, indent=2) if args.json else report(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
