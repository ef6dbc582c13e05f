"""``bench_explore.py --families``: credlab's exploration core against TLC, edges per CPU second.

For each peer family and size (``../shared/peers/gen_specs.py`` writes the credlab spec, its TLA+
twin is in ``../shared/peers/tlc/``):

- credlab: ``Explorer(Engine(spec)).explore()`` on the loaded spec, in this process, CPU seconds
  (``time.process_time``, the median of ``RUNS``), edges as the explorer counts them (accepted
  moves between situations); its memory in a fresh process (see ``_MEMORY``);
- TLC: ``run_tlc.sh MODULE CONSTANT SIZE`` (one worker), "states generated" per CPU second of the
  JVM, minus TLC's start-up (the CPU of the same module at a tiny size, measured in the same run);
- floor: a minimal breadth-first search in this process over the graph credlab found, as integer
  adjacency lists (no states, no checks): what a Python BFS costs per edge at the least. It is
  always printed, so the figures mean something where Java or the jar is missing.

The ratio is credlab's edges per CPU second over TLC's (target ≥ 1.0). It reports; it never fails
on timing.
"""

from __future__ import annotations

import gc
import json
import shutil
import statistics
import subprocess
import sys
import time
from collections import deque
from pathlib import Path
from typing import Any

from credlab.model import ir
from credlab.model.engine import Engine
from credlab.simulator import api
from credlab.simulator.analysis.explore import Explorer

PEERS = Path(__file__).resolve().parent.parent.parent / "shared" / "peers"
FAMILIES: tuple[tuple[str, int, str | None, str | None], ...] = (
    ("ctrgrid", 512, "CtrGrid", "N"),
    ("ctrgrid", 1001, "CtrGrid", "N"),
    ("product2", 15, "Product2", "K"),
    ("product2", 17, "Product2", "K"),
    ("lockout2", 300, "Lockout2", "K"),
    ("analock", 60, None, None),
)
"""(family, size, TLA+ module, its constant): the sizes issue 14 names, and an ANA-derived family
(no TLA+ twin: speed and memory only) whose tables are large."""
_MEMORY = """
import gc, json, resource, sys
from credlab.model.engine import Engine
from credlab.simulator import api
from credlab.simulator.analysis.explore import Explorer
spec = api.load_spec(sys.argv[1])
gc.collect()
with open("/proc/self/statm") as f:
    before = int(f.read().split()[1]) * resource.getpagesize()
explorer = Explorer(Engine(spec), max_states=20_000_000)
found = explorer.explore()
with open("/proc/self/status") as f:  # not ru_maxrss: Linux carries it over from the parent across exec
    peak = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:"))
entries = sum(map(len, explorer.outcomes.values())) + len(explorer.lapse_table)
print(json.dumps({"situations": len(found.keys), "peak_bytes": peak - before, "entries": entries}))
"""
"""Run in a fresh process (its peak is the exploration's alone): the growth of the resident set
from the loaded spec to the end of the search, per situation. Linux only (``/proc``)."""
BYTES_TARGET = 100
"""Issue 14's bound on bytes per situation (peak, visited set and parents and tables included)."""
RUNS = 3
"""credlab's runs per family; its figure is their median (TLC runs once: each run costs seconds)."""
TINY = 2
TARGET = 1.0


def _floor(adjacency: list[list[int]]) -> float:
    """CPU seconds of a bare BFS over ``adjacency`` (integers only)."""
    started = time.process_time()
    seen = bytearray(len(adjacency))
    seen[0] = 1
    queue = deque([0])
    while queue:
        for target in adjacency[queue.popleft()]:
            if not seen[target]:
                seen[target] = 1
                queue.append(target)
    return time.process_time() - started


def _graph(spec: ir.Spec) -> list[list[int]]:
    """The explored graph as adjacency lists (an exploration that keeps every step, untimed)."""
    return Explorer(Engine(spec), max_states=20_000_000).explore(check=False, every_step=True).successors


def _tlc(module: str, constant: str, size: int) -> dict[str, Any] | None:
    script = PEERS / "tlc" / "run_tlc.sh"
    if not script.is_file() or shutil.which("java") is None:
        return None
    done = subprocess.run(
        ["bash", str(script), module, constant, str(size)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0 or not done.stdout.strip():
        return None
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _memory(path: Path) -> dict[str, Any] | None:
    if not Path("/proc/self/statm").exists():
        return None
    done = subprocess.run([sys.executable, "-c", _MEMORY, str(path)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return None
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def measure(family: str, size: int, module: str | None, constant: str | None, folder: Path) -> dict[str, Any]:
    written = folder / f"{family}_{size}.yaml"
    generated = subprocess.run(
        [sys.executable, str(PEERS / "gen_specs.py"), family, str(size)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    written.write_text(generated.stdout, encoding="utf-8")
    document = Path(__file__).resolve().parent.parent / "spec" / "ana_web_password.policy.txt"
    if family.startswith("ana"):  # an ANA-derived spec cites ANA's policy text, beside it
        shutil.copy(document, folder / document.name)
    spec = api.load_spec(written)
    times = []
    for _ in range(RUNS):  # this machine's noise is tens of percent: the median of a few runs
        gc.collect()
        started = time.process_time()
        found = Explorer(Engine(spec), max_states=20_000_000).explore()
        times.append(time.process_time() - started)
    seconds = statistics.median(times)
    row: dict[str, Any] = {
        "family": f"{family} {size}",
        "situations": len(found.keys),
        "edges": found.edges,
        "complete": found.complete,
        "credlab_cpu_s": round(seconds, 3),
        "credlab_edges_per_cpu_s": round(found.edges / seconds),
        "floor_edges_per_cpu_s": round(found.edges / max(_floor(_graph(spec)), 1e-9)),
    }
    memory = _memory(written)
    if memory is not None:
        row["bytes_per_situation"] = round(memory["peak_bytes"] / max(memory["situations"], 1))
        row["table_entries"] = memory["entries"]
    if module is None or constant is None:
        return row
    tlc, tiny = _tlc(module, constant, size), _tlc(module, constant, TINY)
    if tlc is not None and tiny is not None and tlc.get("generated"):
        cpu = max(tlc["cpu_s"] - tiny["cpu_s"], 1e-3)
        row |= {
            "tlc_states": tlc["states"],
            "tlc_generated": tlc["generated"],
            "tlc_cpu_s": tlc["cpu_s"],
            "tlc_startup_cpu_s": tiny["cpu_s"],
            "tlc_edges_per_cpu_s": round(tlc["generated"] / cpu),
        }
        row["ratio"] = round(row["credlab_edges_per_cpu_s"] / row["tlc_edges_per_cpu_s"], 3)
    return row


def report(rows: list[dict[str, Any]]) -> str:
    lines = [
        "credlab exploration core vs TLC (one worker), edges per CPU second; target credlab/TLC ≥ 1.0",
        f"{'family':16} {'situations':>11} {'edges':>10} {'credlab':>10} {'TLC':>10} {'ratio':>6} {'floor':>10}"
        f" {'B/situation':>11} {'entries':>8}",
    ]
    for r in rows:
        tlc = f"{r['tlc_edges_per_cpu_s']:>10,}" if "tlc_edges_per_cpu_s" in r else f"{'(no TLC)':>10}"
        ratio = f"{r['ratio']:>6.2f}" if "ratio" in r else f"{'-':>6}"
        lines.append(
            f"{r['family']:16} {r['situations']:>11,} {r['edges']:>10,} {r['credlab_edges_per_cpu_s']:>10,} "
            f"{tlc} {ratio} {r['floor_edges_per_cpu_s']:>10,}"
            f" {r.get('bytes_per_situation', '-'):>11} {r.get('table_entries', '-'):>8}"
        )
    below = [r["family"] for r in rows if "ratio" in r and r["ratio"] < TARGET]
    heavy = [r["family"] for r in rows if r.get("bytes_per_situation", 0) > BYTES_TARGET]
    lines.append(
        f"speed: {'PASS' if not below else 'BELOW TARGET for ' + ', '.join(below)}"
        f" · memory: {'PASS' if not heavy else 'ABOVE TARGET for ' + ', '.join(heavy)}"
        " (words, not exit codes: one run on a shared machine moves by tens of percent)"
    )
    lines.append("floor: a bare Python BFS over the same graph as integer lists (the least a Python search costs)")
    lines.append(
        "B/situation: peak resident growth of a fresh process's exploration per situation (target <= 100): the"
        " visited set, parents and steps, and the successor tables (entries: their rows, grow with ANA-like specs)"
    )
    return "\n".join(lines)
