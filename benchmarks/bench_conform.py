"""credlab's own time per conformance step, against the HTTP round trips that step drives.

    .venv/bin/python benchmarks/bench_conform.py [--rounds 3] [--json]

Starts the ANA example app (``credlab example-app ana``, a real process on 127.0.0.1) and, per
round, drives ANA's story library through it (``credlab conform``'s story driver, no walks). The
time spent in HTTP round trips (connect, request sent, answer read: the app's work and the
loopback) is measured by the target itself; the rest of the run is credlab's own (the spec's step, comparing,
rendering requests, reading mail). Prints both per step and their ratio.
Goal (issue 17): credlab's own time per step at most 0.25x the HTTP round trips it drives.
It reports; it never fails on timing.
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

from credlab.model.loader import load_spec  # noqa: E402
from credlab.simulator.conform.binding import load_binding  # noqa: E402
from credlab.simulator.conform.drive import conform  # noqa: E402
from credlab.simulator.conform.http_target import HttpTarget  # noqa: E402
from credlab.simulator.stories.library import assign_scenarios  # noqa: E402
from tests.fixtures.example_app import BINDING, running_app  # noqa: E402

ANA = REPO / "spec" / "ana_web_password.yaml"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    spec = load_spec(ANA)
    stories = list(assign_scenarios([spec], [])[spec.name])
    binding = load_binding(BINDING, spec)
    own: list[float] = []
    http_time: list[float] = []
    steps = requests = 0
    with running_app() as app, tempfile.TemporaryDirectory() as out:
        host, port = app.smtp.rsplit(":", 1)
        with HttpTarget(spec, binding, app.url, (host, int(port))) as target:
            for _ in range(args.rounds):
                target.waited, target.requests = 0.0, 0
                started = time.perf_counter()
                report = conform(spec, spec.parameter_values(), stories, target, Path(out))
                total = time.perf_counter() - started
                assert report.ok, report.divergences
                steps, requests = report.steps, target.requests
                own.append((total - target.waited) / report.steps)
                http_time.append(target.waited / report.steps)
    mine, theirs = statistics.median(own), statistics.median(http_time)
    result = {
        "steps": steps,
        "requests_per_step": round(requests / steps, 2),
        "credlab_ms_per_step": round(mine * 1000, 3),
        "http_ms_per_step": round(theirs * 1000, 3),
        "ratio": round(mine / theirs, 3),
        "goal": 0.25,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"{steps} steps, {result['requests_per_step']} HTTP requests per step\n"
            f"credlab's own time: {result['credlab_ms_per_step']} ms per step\n"
            f"HTTP round trips:   {result['http_ms_per_step']} ms per step\n"
            f"ratio {result['ratio']} (goal: at most {result['goal']})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
