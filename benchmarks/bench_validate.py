"""Benchmark ``credlab validate spec/ana_web_password.yaml`` against the floor of reading that spec.

The ratio
    ``RATIO`` is the median, over ``--runs`` rounds, of the per-round ratio

        t(validate) / t(baseline)

        validate   python -S -m credlab validate spec/ana_web_password.yaml
        baseline   python -S -c "import yaml; yaml.load(open(SPEC, encoding='utf-8'), Loader=yaml.CSafeLoader)"

    The baseline is the least any program that validates this spec has to do: start the
    interpreter, import PyYAML and parse the spec with libyaml into Python values. It is *not*
    ``import yaml, transitions`` (the baseline until this script was fixed): ``credlab validate``
    never imports ``transitions`` (only the commands that run machines do) and the report checks
    that it still does not. Charging the baseline ~15-20 ms of a library validate does not load
    (and the editable install's ``.pth``, below, to both sides) made the ratio read ~1.7 where a
    pairwise timing against this baseline gives ~2.1 with that ``.pth`` and ~2.5 without.

    Target: ``RATIO <= 2.0``, i.e. credlab's own imports and checks cost no more than that floor.
    A ratio, because absolute times are meaningless on a noisy or shared machine.

Same footing on both sides
    * ``-S``, with the venv's site-packages on ``PYTHONPATH`` instead: no ``site`` module, so no
      ``.pth`` files. The editable install's ``.pth`` (``__editable___credlab_*_finder``) imports
      ``pathlib``, ``re``, ``fnmatch``, ``urllib.parse``, ``ipaddress``, ``importlib.util``, ...
      (~10-15 ms) into *every* interpreter of the venv: added to both sides it pulls the ratio
      towards 1, and it pre-pays, at the baseline's expense, modules credlab itself needs. A wheel
      install has no such file. The same two commands without ``-S`` ("as installed here") are
      timed in the same rounds and their ratio is printed too, as a secondary number.
    * Bytecode: credlab's sources (``credlab/``, ``model/``, ``simulator/``) are compiled to
      ``__pycache__`` first, as pip does for ``yaml``. Under ``PYTHONDONTWRITEBYTECODE=1`` an
      editable checkout has none, and each validate run would compile ~100 ms of source; the
      report says whether bytecode was cached (``--as-is`` skips the compile step).
    * Same interpreter (``sys.executable``), same environment, same working directory (the
      repository root) for every command.

Sampling
    ``WARMUPS`` untimed rounds, then ``--runs`` timed rounds. Each round runs every command once,
    in a freshly shuffled order (seeded), so that drift on the machine and order effects (which
    command runs after which) hit all commands alike. Each validate time is divided by the baseline
    time *of the same round* (pairwise), and the median of those ratios is reported with their
    interquartile range; the ratio of the medians is in ``--json`` for comparison.

The breakdown
    A probe process, run with the headline's flags (median of ``PROBES`` runs), times the cold
    imports of ``yaml``, then ``credlab.model.loader``, then ``credlab.simulator.cli.main`` (every
    command's top-level imports, which ``credlab validate`` pays), the first ``load_spec`` and the
    median of ``LOAD_CALLS`` more; it then runs ``validate`` in-process and reports whether
    ``transitions`` or ``hypothesis`` got imported (either would make the baseline unfair again).
    The script also times compiling credlab's sources in-process: what every run pays without
    cached bytecode.

The script reports; it does not assert timing. It exits 0 unless a measured command fails, in which
case it prints that command's stderr and exits 1.

    .venv/bin/python benchmarks/bench_validate.py [--runs N] [--json] [--as-is]
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import os
import random
import site
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from _args import positive  # this script's own folder

REPO = Path(__file__).resolve().parent.parent
SPEC = "spec/ana_web_password.yaml"
SOURCE_DIRS = ("credlab", "model", "simulator")  # credlab/model and credlab/simulator are symlinks to the last two
TARGET = 2.0
WARMUPS = 3
PROBES = 5
LOAD_CALLS = 20
SEED = 0

BASELINE_CODE = f"import yaml; yaml.load(open({SPEC!r}, encoding='utf-8'), Loader=yaml.CSafeLoader)"
NO_SITE = ["-S"]  # the headline's flags; site-packages then comes from PYTHONPATH (see ENVS)

# name -> (interpreter flags, the rest of the command line, environment)
Command = tuple[list[str], list[str], str]
COMMANDS: dict[str, Command] = {
    "validate": (NO_SITE, ["-m", "credlab", "validate", SPEC], "no_site"),
    "baseline": (NO_SITE, ["-c", BASELINE_CODE], "no_site"),
    "startup": (NO_SITE, ["-c", "pass"], "no_site"),
    "validate_site": ([], ["-m", "credlab", "validate", SPEC], "as_is"),
    "baseline_site": ([], ["-c", BASELINE_CODE], "as_is"),
}


def _envs() -> dict[str, dict[str, str]]:
    """``as_is``: this process's environment; ``no_site``: the same plus site-packages on ``PYTHONPATH``."""
    paths = [*site.getsitepackages(), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {"as_is": dict(os.environ), "no_site": {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}}


ENVS = _envs()


def command_line(name: str) -> list[str]:
    flags, rest, _ = COMMANDS[name]
    return [sys.executable, *flags, *rest]


def shown(name: str) -> str:
    """The command as a reader would type it."""
    flags, rest, _ = COMMANDS[name]
    quoted = [f'"{part}"' if " " in part else part for part in rest]
    return " ".join(["python", *flags, *quoted])


class CommandFailed(Exception):
    def __init__(self, command: list[str], result: subprocess.CompletedProcess[bytes]) -> None:
        super().__init__(" ".join(command))
        self.command = command
        self.result = result


def _ms(ns: float) -> float:
    return round(ns / 1e6, 3)


def run(command: list[str], env: str) -> tuple[float, str]:
    """Run ``command`` once in ``ENVS[env]`` from the repository root: wall time in ms, and stdout."""
    start = time.perf_counter_ns()
    result = subprocess.run(command, cwd=REPO, env=ENVS[env], capture_output=True, check=False)
    elapsed = time.perf_counter_ns() - start
    if result.returncode != 0:
        raise CommandFailed(command, result)
    return _ms(elapsed), result.stdout.decode(errors="replace")


def time_rounds(runs: int) -> dict[str, list[float]]:
    """``runs`` timed rounds after ``WARMUPS`` untimed ones; each round runs every command once, shuffled."""
    order = random.Random(SEED)
    samples: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for i in range(WARMUPS + runs):
        names = list(COMMANDS)
        order.shuffle(names)
        for name in names:
            elapsed, _ = run(command_line(name), COMMANDS[name][2])
            if i >= WARMUPS:
                samples[name].append(elapsed)
    return samples


def paired(numerator: list[float], denominator: list[float]) -> dict[str, float]:
    """Median and quartiles of the per-round ratios ``numerator[i] / denominator[i]``."""
    ratios = [a / b for a, b in zip(numerator, denominator, strict=True)]
    if len(ratios) > 1:
        q1, _, q3 = statistics.quantiles(ratios, n=4, method="inclusive")
    else:
        q1 = q3 = ratios[0]
    return {"median": statistics.median(ratios), "q1": round(q1, 3), "q3": round(q3, 3)}


def _sources() -> list[Path]:
    return sorted({p.resolve() for folder in SOURCE_DIRS for p in (REPO / folder).rglob("*.py")})


def compile_bytecode() -> None:
    """Write credlab's ``__pycache__``; ``compile_dir`` skips symlinked folders, hence one call per folder."""
    for folder in SOURCE_DIRS:
        compileall.compile_dir(str(REPO / folder), quiet=1)


def _bytecode_usable(source: Path) -> bool:
    cached = Path(importlib.util.cache_from_source(str(source)))
    try:
        header = cached.read_bytes()[:16]
    except OSError:
        return False
    if len(header) < 16 or header[:4] != importlib.util.MAGIC_NUMBER:
        return False
    if int.from_bytes(header[4:8], "little") != 0:  # hash-based .pyc: taken as usable
        return True
    stat = source.stat()  # timestamp-based .pyc: the source's mtime and size must match
    stamp = (int(stat.st_mtime) & 0xFFFFFFFF, stat.st_size & 0xFFFFFFFF)
    return (int.from_bytes(header[8:12], "little"), int.from_bytes(header[12:16], "little")) == stamp


def stale_bytecode() -> list[str]:
    """credlab's modules without bytecode the import system would use: every run compiles those."""
    return [str(source.relative_to(REPO)) for source in _sources() if not _bytecode_usable(source)]


def compile_sources() -> float:
    """Time (ms) to compile credlab's own sources, the cost of running without cached bytecode."""
    texts = [(str(source), source.read_text(encoding="utf-8")) for source in _sources()]
    start = time.perf_counter_ns()
    for name, text in texts:
        compile(text, name, "exec")
    return _ms(time.perf_counter_ns() - start)


PROBE = f"""\
import sys, time
ns = time.perf_counter_ns
t0 = ns(); import yaml
t1 = ns(); import credlab.model.loader as loader
t2 = ns(); import credlab.simulator.cli.main as cli
t3 = ns(); loader.load_spec({SPEC!r})
t4 = ns()
calls = []
for _ in range({LOAD_CALLS}):
    start = ns(); loader.load_spec({SPEC!r}); calls.append(ns() - start)
calls.sort()
import contextlib, io
with contextlib.redirect_stdout(io.StringIO()):
    code = cli.main(["validate", {SPEC!r}])
heavy = [m for m in ("transitions", "hypothesis") if m in sys.modules]
print(t1 - t0, t2 - t1, t3 - t2, t4 - t3, calls[len(calls) // 2], code, ",".join(heavy) or "-")
"""


def breakdown() -> dict[str, Any]:
    """Medians over ``PROBES`` probe processes (headline flags) of validate's steps, in ms."""
    keys = ["import_yaml", "import_model_loader_extra", "import_cli_main_extra", "load_spec_first", "load_spec_median"]
    samples: dict[str, list[float]] = {key: [] for key in keys}
    heavy = "-"
    for _ in range(PROBES):
        _, out = run([sys.executable, *NO_SITE, "-c", PROBE], "no_site")
        *numbers, code, heavy = out.split()
        if code != "0":
            raise RuntimeError(f"validate returned {code} in the probe")
        for key, value in zip(keys, numbers, strict=True):
            samples[key].append(_ms(int(value)))
    result: dict[str, Any] = {key: round(statistics.median(values), 3) for key, values in samples.items()}
    result["heavy_imports"] = [] if heavy == "-" else heavy.split(",")
    return result


def measure(runs: int, as_is: bool) -> dict[str, Any]:
    stale = stale_bytecode()
    samples = time_rounds(runs)
    stale = sorted({*stale, *stale_bytecode()})  # a source edited while timing makes its .pyc stale
    ratio = paired(samples["validate"], samples["baseline"])
    return {
        "spec": SPEC,
        "python": sys.version.split()[0],
        "runs": runs,
        "warmups": WARMUPS,
        "commands": {name: shown(name) for name in COMMANDS},
        "median_ms": {name: statistics.median(values) for name, values in samples.items()},
        "min_ms": {name: min(values) for name, values in samples.items()},
        "ratio": {**ratio, "median": round(ratio["median"], 3)},
        "ratio_of_medians": round(statistics.median(samples["validate"]) / statistics.median(samples["baseline"]), 3),
        "ratio_as_installed": {
            key: round(value, 3) for key, value in paired(samples["validate_site"], samples["baseline_site"]).items()
        },
        "target": TARGET,
        "pass": ratio["median"] <= TARGET,
        "stale_bytecode": stale,
        "dont_write_bytecode": sys.dont_write_bytecode,
        "as_is": as_is,
        "breakdown_ms": breakdown(),
        "compile_sources_ms": compile_sources(),
    }


def report(data: dict[str, Any]) -> str:
    med, low, parts, stale = data["median_ms"], data["min_ms"], data["breakdown_ms"], data["stale_bytecode"]
    ratio, installed, heavy = data["ratio"], data["ratio_as_installed"], parts["heavy_imports"]
    verdict = "PASS" if data["pass"] else "ABOVE TARGET"
    cmd = data["commands"]
    lines = [
        f"credlab validate {data['spec']}  (Python {data['python']}; {data['runs']} rounds after {data['warmups']} "
        "warm-ups, each round every command once in shuffled order)",
        "",
        f"  validate   {med['validate']:8.1f} ms   (min {low['validate']:6.1f})   {cmd['validate']}",
        f"  baseline   {med['baseline']:8.1f} ms   (min {low['baseline']:6.1f})   {cmd['baseline']}",
        f"  startup    {med['startup']:8.1f} ms   (min {low['startup']:6.1f})   {cmd['startup']}",
        "",
        f"  RATIO validate/baseline = {ratio['median']:.2f}   (median of {data['runs']} per-round ratios, "
        f"IQR {ratio['q1']:.2f}-{ratio['q3']:.2f})   target ≤ {data['target']:.1f}   {verdict}",
        "",
        "  baseline: start the interpreter, import yaml, parse the spec with libyaml (what any validator must do);",
        "  -S: no site/.pth processing (site-packages via PYTHONPATH), so the editable install's .pth finder",
        "  does not add the same ~10-15 ms of imports to both sides.",
        "",
        "As installed here (no -S: site and the editable .pth run in both; same rounds):",
        f"  validate   {med['validate_site']:8.1f} ms   baseline {med['baseline_site']:8.1f} ms   "
        f"ratio {installed['median']:.2f} (IQR {installed['q1']:.2f}-{installed['q3']:.2f})",
        "",
        "Where the time goes (medians, -S):",
        f"  interpreter start-up               {med['startup']:8.1f} ms",
        f"  + import yaml, parse the spec      {med['baseline'] - med['startup']:8.1f} ms",
        f"  + credlab's own work               {med['validate'] - med['baseline']:8.1f} ms",
        "",
        f"In a probe process (-S, median of {PROBES}):",
        f"  import yaml                        {parts['import_yaml']:8.1f} ms",
        f"  + import credlab.model.loader      {parts['import_model_loader_extra']:8.1f} ms",
        f"  + import credlab.simulator.cli.main{parts['import_cli_main_extra']:8.1f} ms   (every command's imports)",
        f"  load_spec, first call              {parts['load_spec_first']:8.1f} ms",
        f"  load_spec, median of {LOAD_CALLS}            {parts['load_spec_median']:8.1f} ms",
        "  validate imports transitions/hypothesis: "
        + (f"{', '.join(heavy)} (then the baseline should import it too)" if heavy else "no"),
        f"  compile credlab sources            {data['compile_sources_ms']:8.1f} ms   "
        + (f"(paid for {len(stale)} modules without usable bytecode)" if stale else "(not paid: bytecode is cached)"),
    ]
    if stale:
        lines += [
            "",
            f"note: {len(stale)} of credlab's modules had no usable bytecode before or after the timing"
            + (" (PYTHONDONTWRITEBYTECODE is set)" if data["dont_write_bytecode"] else "")
            + ", so validate compiled them",
            "      while yaml loads from .pyc: the ratio above includes that compile time. "
            + ("Run without --as-is." if data["as_is"] else "Were sources edited during the run?"),
            "      " + ", ".join(stale[:6]) + (", ..." if len(stale) > 6 else ""),
        ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=positive, default=30, help="timed rounds (default: 30)")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    parser.add_argument(
        "--as-is",
        action="store_true",
        help="do not compile credlab's bytecode first (measure an editable install without __pycache__)",
    )
    args = parser.parse_args(argv)
    if not args.as_is:
        # pip writes bytecode for installed packages (yaml); an editable install under
        # PYTHONDONTWRITEBYTECODE has none, which would charge credlab ~100 ms of compiling per run.
        compile_bytecode()
    try:
        data = measure(args.runs, args.as_is)
    except CommandFailed as failure:
        print(f"failed (exit {failure.result.returncode}): {' '.join(failure.command)}", file=sys.stderr)
        sys.stderr.write(failure.result.stderr.decode(errors="replace"))
        sys.stderr.write(failure.result.stdout.decode(errors="replace"))
        return 1
    print(json.dumps(data, indent=2) if args.json else report(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
