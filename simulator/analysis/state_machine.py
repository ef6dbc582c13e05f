"""The fuzzer's state machine for a test suite's own Hypothesis run.

    from credlab import state_machine

    TestPolicy = state_machine("spec/ana_web_password.yaml").TestCase

pytest runs ``TestPolicy`` as Hypothesis runs any stateful test: under the suite's settings (a
profile loaded with ``settings.load_profile`` or ``--hypothesis-profile``, or
``TestPolicy.settings = settings(...)``), its example database and ``--hypothesis-seed``. credlab
sets none of them. The machine is the one ``credlab fuzz`` runs (:mod:`credlab.simulator.analysis.fuzz`):
one rule per event, the clock rule, restarts from shortest paths, every step in lock-step with the
reference engine, the spec's invariants after each step.

What differs from ``credlab fuzz``, and why:

* The shortest-path search behind the restarts takes seconds on a large spec. It runs when the
  test runs, before Hypothesis's first example (so it counts against no deadline or health check),
  not when the test module is imported: collecting, or running other tests, costs nothing.
* Hypothesis runs first. Then, as ``credlab fuzz``'s directed phase does before it, the shortest
  path to every transition, situation and invariant violation is replayed: a deterministic
  backstop for a small budget of examples (a failure it finds is already minimal). A failure that
  Hypothesis finds is shrunk and kept in the example database like any other.
* A failure (Hypothesis's final replay of the shrunk example, or the backstop's) is replayed with
  the scenario runner's trace, written as ``<out>/<spec name>-counterexample.yaml``, and the error
  gets notes: the property, the story, the traced explanation, the file and the
  ``credlab simulate`` command that replays the same failure.
* Each class compiles its own copy of the spec. The one member every story resets and plays on is
  attached to it and to nothing else, so nothing needs releasing: ``credlab fuzz`` releases it at
  the end of its run, and a test suite's run has no end that a class could see.
* Classes of one spec under other overrides or another seed keep their examples apart in the
  database. The spec's content is left out of that key on purpose: once the spec is fixed, the
  saved counterexample is replayed and passes. (Hypothesis itself keeps no examples under
  ``--hypothesis-seed`` or ``derandomize=True``.)

The search before and the backstop after are part of ``TestCase``. If Hypothesis skips the test
(told to run no examples), the backstop is skipped with it. A class driven some other way (by
``run_state_machine_as_test``) works too, without the backstop, and searches in its first
example: give it ``deadline=None``.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shlex
import unittest
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hypothesis.control import current_build_context
from hypothesis.errors import InvalidArgument
from hypothesis.stateful import RuleBasedStateMachine

from credlab.model import ir
from credlab.model.durations import format_duration
from credlab.model.engine import Engine
from credlab.model.loader import load_spec
from credlab.model.machine import CompiledSpec
from credlab.model.overrides import parse_overrides
from credlab.simulator.analysis.fuzz import (
    FuzzResult,
    FuzzStats,
    PropertyFailed,
    build_state_machine,
    counterexample_file,
    directed,
    explain,
)
from credlab.simulator.analysis.paths import Paths
from credlab.simulator.analysis.shortest import shortest_paths
from credlab.simulator.outputs import write_atomic
from credlab.simulator.results import BACKENDS_AGREE
from credlab.simulator.stories.coverage import Coverage
from credlab.simulator.stories.writer import step_lines

DEFAULT_OUT = "build/credlab-counterexamples"


def state_machine(
    spec: str | os.PathLike[str] | ir.Spec,
    *,
    overrides: Mapping[str, str | int] | None = None,
    out: str | os.PathLike[str] = DEFAULT_OUT,
    seed: int = 0,
) -> type[RuleBasedStateMachine]:
    """The ``RuleBasedStateMachine`` ``credlab fuzz`` runs for ``spec`` (a spec file, or a loaded
    spec), for a test suite: ``TestPolicy = state_machine(spec).TestCase``.

    ``overrides`` sets parameters as ``--set`` does (``{"reset_link_ttl": "30m"}``; a number is
    seconds, as :meth:`~credlab.model.ir.Spec.parameter_values` takes them); ``seed`` is
    the runs' own (random PINs, wrong values: ``credlab simulate --seed``), not Hypothesis's. A
    counterexample is written under ``out``. Raises :class:`~credlab.model.errors.SpecError` for a
    spec or an override that cannot be used.
    """
    loaded = spec if isinstance(spec, ir.Spec) else load_spec(Path(spec))
    shown = loaded.path if isinstance(spec, ir.Spec) else os.fspath(spec)
    harness = _Harness(loaded, shown=shown, overrides=dict(overrides or {}), out=Path(out), seed=seed)
    machine = build_state_machine(
        harness.compiled, harness.engine, harness.paths, harness.stats, seed, on_failure=harness.failed
    )
    # Hypothesis keys a stateful test's examples by the class's source (or, for this generated
    # class, its name: one per spec name) and this extra digest, when the class has one (a private
    # attribute: were Hypothesis to stop reading it, variants would share one key, and a variant
    # that passes an example another saved would delete it).
    key = (loaded.name, Path(loaded.path).name, sorted(harness.overrides.items()), seed)
    setattr(machine, "_hypothesis_internal_add_digest", hashlib.sha256(repr(key).encode()).digest())  # noqa: B010
    _run_paths_around_hypothesis(machine, harness)
    return machine


class _Harness:
    """What the generated class needs beyond the fuzzer's machine: the lazy search, and the reports."""

    def __init__(self, spec: ir.Spec, *, shown: str, overrides: dict[str, str | int], out: Path, seed: int) -> None:
        self.spec, self.shown, self.out, self.seed = spec, shown, out, seed
        self.settings = [  # as --set takes them
            f"{name}={format_duration(value) if isinstance(value, int) else value}" for name, value in overrides.items()
        ]
        self.overrides = parse_overrides(spec, self.settings)
        self.compiled = CompiledSpec(spec, spec.parameter_values(self.overrides))  # this class's own
        self.engine = Engine(spec, self.compiled.parameters)
        self.stats = FuzzStats(Coverage(spec))
        self.found: Paths | None = None

    def paths(self) -> Paths:
        """The shortest paths (searched once, when first needed)."""
        if self.found is None:
            self.found = shortest_paths(self.engine, signatures=True)
        return self.found

    def failed(self, machine: Any, error: PropertyFailed) -> None:
        """On Hypothesis's final replay of the shrunk example, explain and write it (the same step
        fails many times while Hypothesis shrinks: those runs are not reported)."""
        if not _final_replay():
            return
        result = FuzzResult(self.stats)
        try:
            explain(self.compiled, self.engine, result, machine, error.divergence, self.seed)
        except RuntimeError as bug:  # a credlab bug: say so, and let Hypothesis report the failure
            error.add_note(str(bug))
            return
        self.report(error, result, shrunk=True)

    def check_shortest_paths(self) -> None:
        """The backstop: replay the shortest path to every transition, situation and violation."""
        result = FuzzResult(self.stats)
        if directed(self.compiled, self.engine, self.paths(), self.stats, result, self.seed):
            assert result.failure is not None
            error = PropertyFailed(result.failure)
            self.report(error, result, shrunk=False)
            raise error

    def report(self, error: PropertyFailed, result: FuzzResult, *, shrunk: bool) -> None:
        """Write ``result``'s story as a scenario file; tell ``error`` what it is and where it went.
        ``shrunk``: Hypothesis found it; otherwise the backstop did."""
        assert result.failure is not None and result.given is not None
        path = self.out / f"{self.spec.name}-counterexample.yaml"
        replay = shlex.join(["credlab", "simulate", self.shown, str(path), *self.replay_options(result)])
        prop = result.failure.property
        how = "found by Hypothesis" if shrunk else "found on a shortest path, replayed after Hypothesis's examples"
        test = os.environ.get("PYTEST_CURRENT_TEST", "").rpartition(" (")[0]  # "file::Class::runTest (call)"
        text = counterexample_file(
            result,
            self.spec.name,
            description=f"Found by credlab.state_machine (seed {self.seed}): {prop} fails.",
            found_by=f"Counterexample {how} running `{self.call()}`"
            + (f" in {test}" if test else "")
            + (", shrunk by Hypothesis." if shrunk else "."),
            replay=replay,
        )
        story = [f"  given: {{state: {result.given.state}}}", "  steps:"]
        story += [line[4:] for step in result.steps for line in step_lines(step)]
        error.add_note(f"credlab: {prop} fails at step {len(result.steps)} of this story ({how}):\n" + "\n".join(story))
        if result.failure.message() != str(error):  # the traced replay's last steps, which the untraced run lacks
            error.add_note(
                "credlab: the last steps, replayed with a trace:\n"
                + "\n".join(f"  {line}" for line in result.failure.recent)
            )
        try:
            write_atomic(path, text)
        except OSError as problem:
            error.add_note(f"credlab: could not write the counterexample to {path}: {problem}")
        else:
            error.add_note(f"credlab: written to {path}; replay: {replay}")

    def replay_options(self, result: FuzzResult) -> list[str]:
        """What ``credlab simulate`` needs to replay ``result`` as it ran."""
        options = ["--seed", str(self.seed)] if self.seed else []
        for setting in self.settings:
            options += ["--set", setting]
        if result.failure is not None and result.failure.property == BACKENDS_AGREE:
            options.append("--oracle")  # only a run on both backends can show them disagree
        return options

    def call(self) -> str:
        """How the test made this machine, as the public ``credlab.state_machine`` spells it."""
        arguments = [repr(self.shown)]
        if self.settings:
            arguments.append(f"settings={dict(setting.split('=', 1) for setting in self.settings)!r}")
        if self.seed:
            arguments.append(f"seed={self.seed}")
        return f"credlab.state_machine({', '.join(arguments)})"


def _final_replay() -> bool:
    """Whether this run is Hypothesis's last replay of the shrunk example, the one it reports (or
    no Hypothesis run at all: a machine driven by hand)."""
    try:
        return current_build_context().is_final
    except InvalidArgument:  # no build context: not inside a Hypothesis test
        return True


def _run_paths_around_hypothesis(machine: type[RuleBasedStateMachine], harness: _Harness) -> None:
    """Make ``machine.TestCase`` search the shortest paths before Hypothesis's first example and
    replay them after its last (Hypothesis makes one TestCase class per machine class and keeps it,
    which is what lets ``TestCase.settings`` be set; this wraps its test method)."""
    case: type[unittest.TestCase] = machine.TestCase
    hypothesis_test = case.runTest  # type: ignore[attr-defined]

    @functools.wraps(hypothesis_test)  # keeps the marks Hypothesis's pytest plugin reads
    def run_test(self: unittest.TestCase) -> None:
        harness.paths()
        hypothesis_test(self)
        harness.check_shortest_paths()

    setattr(case, "runTest", run_test)  # noqa: B010
