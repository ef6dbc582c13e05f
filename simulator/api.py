"""credlab's Python API: options in, typed results out. The CLI and the HTML report are its clients.

Every function takes a spec as a path or as an already loaded :class:`~credlab.model.ir.Spec`,
keyword options with defaults the CLI shares, and returns an immutable result with ``.ok`` and
``.to_json()`` (exactly what ``--format json`` prints). Parameter overrides (``settings``) are
given as ``{"reset_link_ttl": "30m"}`` or as ``["reset_link_ttl=30m"]``, as on the command line.

Errors are credlab's own: a :class:`~credlab.model.errors.SpecError` carrying every located problem
of a spec or scenario file, or a :class:`~credlab.model.errors.UsageError` for an unusable option.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from credlab.model import ir
from credlab.model.errors import Location, Problem, SpecError, UsageError
from credlab.model.loader import load_spec as _load
from credlab.model.node import node, replace
from credlab.model.overrides import parse_overrides
from credlab.simulator.outputs import writable_folder
from credlab.simulator.render.diagram_formats import FORMATS
from credlab.simulator.results import (
    ExploreReport,
    FuzzReport,
    Json,
    MutateReport,
    PolicyCheck,
    SpecValidation,
    Stage,
    ValidateReport,
)
from credlab.simulator.results_policies import PolicyAudit, PolicyComparison, PolicyCount, PolicyExport
from credlab.simulator.specs import spec_paths

if TYPE_CHECKING:
    from hypothesis.stateful import RuleBasedStateMachine

    from credlab.simulator.analysis.check import CheckReport
    from credlab.simulator.analysis.exploration import Exploration
    from credlab.simulator.analysis.fuzz import FuzzStats
    from credlab.simulator.analysis.lint import LintReport
    from credlab.simulator.conform.drive import ConformReport
    from credlab.simulator.population.run import PopulationReport
    from credlab.simulator.render.diagram_files import DiagramFiles
    from credlab.simulator.results import CoverageReport
    from credlab.simulator.rules_import import ImportReport
    from credlab.simulator.stories.report import SimulateReport

PathLike = str | os.PathLike[str]
SpecLike = PathLike | ir.Spec
Settings = Mapping[str, str] | Iterable[str] | None
DiagramFormat = Literal["dot", "svg", "png", "mmd"]


def load_spec(path: PathLike) -> ir.Spec:
    """Load and validate the spec at ``path``; raises :class:`SpecError` with every problem found."""
    return _load(Path(path))


def _spec(spec: SpecLike) -> ir.Spec:
    return spec if isinstance(spec, ir.Spec) else load_spec(spec)


def _specs(specs: SpecLike | Iterable[SpecLike]) -> list[ir.Spec]:
    if isinstance(specs, str | os.PathLike | ir.Spec):
        return [_spec(specs)]
    given = list(specs)
    return [_spec(s) for s in given] if given else [load_spec(p) for p in spec_paths([])]


def overrides_of(spec: ir.Spec, settings: Settings) -> dict[str, int]:
    """``settings`` checked against ``spec``'s parameters, in seconds; raises :class:`SpecError`."""
    if settings is None:
        return {}
    if isinstance(settings, Mapping):
        pairs = [f"{k}={v}" for k, v in settings.items()]
    else:  # one "NAME=VALUE" string is one setting, not a sequence of characters
        pairs = [settings] if isinstance(settings, str) else list(settings)
    return parse_overrides(spec, pairs)


def _at_least(minimum: int, **values: int) -> None:
    for name, value in values.items():
        if value < minimum:
            raise UsageError(f"{name} must be at least {minimum}, not {value}")


def validate(specs: Iterable[PathLike] = ()) -> ValidateReport:
    """Load every spec (default: ``./spec/*.yaml``); a spec that does not load carries its problems."""
    found = []
    for path in spec_paths(specs):
        try:
            found.append(SpecValidation(str(path), load_spec(path)))
        except SpecError as error:
            found.append(SpecValidation(str(path), None, error.problems))
    return ValidateReport(tuple(found))


def lint(specs: SpecLike | Iterable[SpecLike] = ()) -> LintReport:
    """Static findings about each spec: what a valid spec says less well than its author may think."""
    from credlab.simulator.analysis.lint import LintReport
    from credlab.simulator.analysis.lint import lint as run_lint

    return LintReport(tuple((spec.path, tuple(run_lint(spec))) for spec in _specs(specs)))


def simulate(
    specs: SpecLike | Iterable[SpecLike] = (),
    scenarios: Iterable[PathLike] = (),
    *,
    settings: Settings = None,
    seed: int = 0,
    oracle: bool = False,
    trace_dir: PathLike | None = None,
) -> SimulateReport:
    """Run every story about each spec (from ``scenarios`` files and folders, default ``./scenarios/``);
    with ``oracle``, each step also runs on the reference engine and the two must agree; with
    ``trace_dir``, each story's trace is written there as JSON Lines (secrets redacted)."""
    from credlab.simulator.stories.library import assign_scenarios, require_some, run_stories, write_traces
    from credlab.simulator.stories.report import SimulateReport

    loaded = _specs(specs)
    if trace_dir is not None:
        writable_folder(Path(trace_dir), "--trace-dir")
    explicit = [Path(p) for p in scenarios]
    assigned = assign_scenarios(loaded, explicit)
    require_some(loaded, assigned, explicit)
    runs = []
    for spec in loaded:
        stories = run_stories(spec, overrides_of(spec, settings), assigned[spec.name], seed, oracle)
        if trace_dir is not None:
            write_traces(Path(trace_dir), stories)
        runs.append(stories)
    return SimulateReport(tuple(runs))


def conform(
    spec: SpecLike,
    target: str,
    scenarios: Iterable[PathLike] = (),
    *,
    settings: Settings = None,
    out: PathLike = "build/conform",
    seed: int = 0,
    paths: bool = True,
    walks: int = 0,
    walk_steps: int = 20,
    binding: PathLike | None = None,
    smtp: str | None = None,
    browser: bool = False,
) -> ConformReport:
    """Drive the spec's stories (``scenarios``, default ``./scenarios/``) through the system
    ``target`` in lock step, comparing every observable outcome with the spec's; with ``paths``,
    also the shortest story to every transition and state. ``target`` is a URL
    (``http://127.0.0.1:8000``) driven through the HTTP ``binding`` file (``smtp``: HOST:PORT to
    capture its email at, instead of the binding's; ``browser``: the binding's browser events
    through headless Chromium), or ``spec:FILE``: another spec's reference
    behaviour (last release's, a variant) as the system. Each divergence is written under ``out``
    as the shortest story that shows it. With ``walks``, that many random walks of at most
    ``walk_steps`` steps follow (Hypothesis, shrunk on a divergence)."""
    from credlab.simulator.conform.drive import conform as drive
    from credlab.simulator.conform.drive import path_stories
    from credlab.simulator.conform.targets import open_target
    from credlab.simulator.stories.library import assign_scenarios, require_some

    loaded = _spec(spec)
    folder = writable_folder(Path(out), "--out")
    explicit = [Path(p) for p in scenarios]
    assigned = assign_scenarios([loaded], explicit)
    require_some([loaded], assigned, explicit)
    parameters = {**loaded.parameter_values(), **overrides_of(loaded, settings)}
    stories = list(assigned[loaded.name]) + (path_stories(loaded, parameters) if paths else [])
    _at_least(0, walks=walks)
    _at_least(1, walk_steps=walk_steps)
    with open_target(loaded, target, binding, smtp, browser) as system:
        return drive(loaded, parameters, stories, system, folder, seed, walks, walk_steps)


def population(
    spec: SpecLike,
    profile: PathLike,
    *,
    members: int = 1000,
    horizon: str = "365d",
    seed: int = 0,
    settings: Settings = None,
    sweep: str | Sequence[str] = (),
    executor: str = "serial",
    scheduler: str | None = None,
    oracle_sample: int = 20,
    grid: bool = False,
    progress: Callable[[int, int], None] | None = None,
    engine: str = "table",
) -> PopulationReport:
    """``members`` following ``profile`` over ``horizon``, outcomes with 95% intervals; each ``sweep``
    (``NAME=V1,V2``) reruns them per value. The rest: :class:`~.population.run.PopulationOptions`."""
    from credlab.simulator.population.run import PopulationOptions, parse_sweep, population_report

    _at_least(1, members=members)
    _at_least(0, oracle_sample=oracle_sample)
    loaded = _spec(spec)
    parameters = {**loaded.parameter_values(), **overrides_of(loaded, settings)}
    sweeps = [parse_sweep(one) for one in ([sweep] if isinstance(sweep, str) else sweep)]
    options = PopulationOptions(
        members, horizon, seed, sweeps, grid, executor, scheduler, oracle_sample, engine, progress
    )
    return population_report(loaded, profile, parameters, options)


def fuzz(
    spec: SpecLike,
    *,
    settings: Settings = None,
    max_examples: int = 100,
    steps: int = 30,
    seed: int = 0,
    out: PathLike = "build/fuzz",
    progress: Callable[[FuzzStats], None] | None = None,
) -> FuzzReport:
    """Hypothesis stateful testing of ``spec`` in lock-step with the reference engine; a shrunk
    counterexample is written under ``out`` as a scenario file ``credlab simulate`` replays."""
    from credlab.simulator.analysis.fuzz_report import FuzzOptions, fuzz_report

    _at_least(1, max_examples=max_examples, steps=steps)
    loaded = _spec(spec)
    options = FuzzOptions(max_examples, steps, seed, writable_folder(Path(out), "--out"))
    return fuzz_report(loaded, overrides_of(loaded, settings), options, progress)


def explore(
    spec: SpecLike,
    *,
    settings: Settings = None,
    max_states: int = 200_000,
    out: PathLike = "build/explore",
    progress: Callable[[Exploration], None] | None = None,
) -> ExploreReport:
    """Every reachable situation of ``spec``: properties, findings, and a replayable story for each."""
    from credlab.simulator.analysis.explore_report import ExploreOptions, explore_report

    _at_least(1, max_states=max_states)
    loaded = _spec(spec)
    options = ExploreOptions(max_states, writable_folder(Path(out), "--out"))
    return explore_report(loaded, overrides_of(loaded, settings), options, progress)


def mutate(
    spec: SpecLike,
    scenarios: Iterable[PathLike] = (),
    *,
    threshold: float = 0.9,
    explore: bool = True,
    max_states: int = 50_000,
    out: PathLike = "build/mutate",
    progress: Callable[[int, int], None] | None = None,
) -> MutateReport:
    """Mutation analysis: which mutants of ``spec`` its stories (and exploration) kill."""
    from credlab.simulator.analysis.mutate_report import MutateOptions, mutate_report
    from credlab.simulator.stories.library import assign_scenarios

    if not 0 <= threshold <= 1:
        raise UsageError(f"threshold is a kill rate between 0 and 1, not {threshold}")
    _at_least(1, max_states=max_states)
    loaded = _spec(spec)
    stories = assign_scenarios([loaded], [Path(p) for p in scenarios])[loaded.name]
    options = MutateOptions(threshold, explore, max_states, writable_folder(Path(out), "--out"))
    return mutate_report(loaded, stories, options, progress)


def check(
    specs: SpecLike | Iterable[SpecLike] = (),
    *,
    settings: Settings = None,
    scenarios: Iterable[PathLike] = (),
    out: PathLike = "build/report",
    mutate: bool = False,
    max_states: int = 200_000,
    timestamp: bool = False,
    progress: Callable[[str, str], None] | None = None,
) -> CheckReport:
    """The main job: validate, lint, scenarios, fuzz, explore, the diagram (and with ``mutate``,
    mutation analysis) for each spec, written to ``out/report.json`` and ``out/index.html``."""
    from credlab.simulator.analysis.check import CheckOptions, run_check
    from credlab.simulator.outputs import write_atomic
    from credlab.simulator.render.picture import picture
    from credlab.simulator.render.report_html import render

    _at_least(1, max_states=max_states)
    loaded = _specs(specs)
    parsed = [overrides_of(spec, settings) for spec in loaded]  # every spec must declare what is set
    overrides = parsed[0] if parsed else {}
    folder = writable_folder(Path(out), "--out")
    options = CheckOptions(
        folder, tuple(sorted(overrides.items())), tuple(Path(p) for p in scenarios), mutate, max_states
    )
    report = run_check(loaded, options, progress)
    drawn = []
    for checked in report.specs:
        if progress is not None:
            progress(checked.spec.name, Stage.DIAGRAM.value)
        shown = checked.spec.with_parameters(dict(checked.overrides))
        drawn.append(replace(checked, picture=picture(shown, checked.stories.coverage)))
    report = replace(report, specs=tuple(drawn), generated=_now() if timestamp else None)
    write_atomic(folder / "report.json", report_json(report.to_json()))
    write_atomic(folder / "index.html", render(report.to_json()))
    return report


def report_json(data: Json) -> str:
    """``report.json``'s text: sorted keys, so the same report gives the same bytes."""
    import json

    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="seconds")


@node
class Diagram:
    """One drawing of a spec: DOT or Mermaid text, or SVG/PNG bytes rendered by Graphviz."""

    spec: str
    format: DiagramFormat
    data: bytes

    ok: bool = True

    @property
    def text(self) -> str:
        return self.data.decode("utf-8") if self.format != "png" else ""

    def to_json(self) -> Json:
        return {"ok": self.ok, "spec": self.spec, "format": self.format, "text": self.text or None}


def render_diagram(
    spec: SpecLike,
    *,
    format: DiagramFormat = "svg",
    focus: str | None = None,
    coverage: CoverageReport | None = None,
    settings: Settings = None,
) -> Diagram:
    """Draw ``spec`` (with ``focus``, one state's neighbourhood; with ``coverage``, what runs never
    exercised greyed out). SVG and PNG need Graphviz's ``dot``: without it, a :class:`UsageError`."""
    from credlab.simulator.render.picture import draw

    loaded = _spec(spec)
    if focus is not None and focus not in loaded.states:
        raise UsageError(f"focus: '{focus}' is not a state of {loaded.name}")
    drawn = loaded.with_parameters(overrides_of(loaded, settings))
    return Diagram(loaded.name, format, draw(drawn, format, focus=focus, coverage=coverage))


def diagrams(
    specs: Iterable[PathLike] = (),
    *,
    out: PathLike = "diagrams",
    formats: Sequence[str] = FORMATS,
    check: bool = False,
    focus: str | None = None,
    highlight: PathLike | None = None,
    coverage: PathLike | None = None,
    detail: str = "rules",
) -> DiagramFiles:
    """Write each spec's diagram files (DOT, SVG, PNG, Mermaid and a README) into ``out``, or with
    ``check``, compare what is there and write nothing. With no spec, every ``./spec/*.yaml``, and
    files in ``out`` that no spec produces are reported too. ``focus`` (a state), ``highlight`` (a
    trace), ``coverage`` (a coverage report) and ``detail`` (full, events) draw a variant view."""
    from credlab.simulator.render.diagram_files import diagram_files, load_specs

    named = list(specs)
    if not check:
        writable_folder(Path(out), "-o")
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise UsageError(f"formats: {', '.join(unknown) or 'none given'}; choose from {', '.join(FORMATS)}")
    loaded = load_specs(spec_paths(named))
    if focus is not None and focus not in loaded[0].states:
        raise UsageError(
            f"focus: '{focus}' is not a state of {loaded[0].name} (its states: {', '.join(loaded[0].states)})"
        )
    return diagram_files(
        loaded,
        Path(out),
        tuple(f for f in FORMATS if f in formats),
        checking=check,
        orphans_too=not named,
        focus=focus,
        highlight=Path(highlight) if highlight is not None else None,
        coverage=Path(coverage) if coverage is not None else None,
        detail=detail,
    )


def check_policy(spec: SpecLike, policy: str, candidates: Sequence[str], *, actor: str | None = None) -> PolicyCheck:
    """Judge each candidate secret against every rule of ``spec``'s ``policy``; personal-information
    rules compare with ``actor``'s profile (default: ``member``, if declared). The result never
    holds a candidate: verdicts refer to them by position."""
    from credlab.model.policy import PolicyContext, evaluate

    loaded = _spec(spec)
    declared = _policy(loaded, policy)
    if actor is not None and actor not in loaded.actors:
        names = ", ".join(loaded.actors) or "none"
        raise SpecError([Problem(Location(loaded.path), f"unknown actor '{actor}' (the spec declares: {names})")])
    who = actor if actor is not None else ("member" if "member" in loaded.actors else None)
    context = PolicyContext(loaded.actors[who].profile if who is not None else {})
    return PolicyCheck(loaded.path, declared.name, tuple(evaluate(declared, c, context) for c in candidates))


def _policy(loaded: ir.Spec, name: str) -> ir.Policy:
    declared = loaded.policies.get(name)
    if declared is None:
        names = ", ".join(loaded.policies) or "none"
        raise SpecError([Problem(Location(loaded.path), f"unknown policy '{name}' (the spec declares: {names})")])
    return declared


def count_policy(spec: SpecLike, policy: str) -> PolicyCount:
    """How many strings ``spec``'s ``policy`` accepts, per length and in total, exactly (over
    Unicode scalar values; rules that need other facts are named in ``not_counted``)."""
    from credlab.model.policy_measures import measure

    loaded = _spec(spec)
    return PolicyCount(loaded.path, measure(_policy(loaded, policy)))


def compare_policies(a: str, b: str) -> PolicyComparison:
    """How the strings two policies accept relate (equal, subset, superset, overlap, disjoint),
    with the size and shortest witness of each difference. ``a`` and ``b`` are ``SPEC:POLICY``."""
    from credlab.model.policy_measures import compare

    chosen = []
    for given in (a, b):
        path, colon, name = given.rpartition(":")
        if not colon or not path or not name:
            raise UsageError(
                f"'{given}' names no policy: write SPEC:POLICY, e.g. spec/ana_web_password.yaml:web_password"
            )
        loaded = _spec(path)
        chosen.append(_policy(loaded, name))
    return PolicyComparison(a, b, compare(chosen[0], chosen[1]))


def audit_policy(spec: SpecLike, policy: str, against: str, *, out: PathLike = "build/explore") -> PolicyAudit:
    """``spec``'s ``policy`` against a standard's profile (``nist-800-63b-4``, ``asvs-5-l1`` …
    ``asvs-5-l3``): each requirement passed, failed with a witness, or unknown. Whether the password
    is used alone comes from the spec's access rules; rate limiting from its exploration's
    ``unlimited_guessing`` findings (stories under ``out``)."""
    from credlab.model.audit import Guessing, audit
    from credlab.model.standards import PROFILES
    from credlab.simulator.analysis.policy_review import lifecycle_guessing, usage

    profile = PROFILES.get(against)
    if profile is None:
        raise UsageError(f"no profile '{against}': choose from {', '.join(PROFILES)}")
    loaded = _spec(spec)
    declared = _policy(loaded, policy)
    credentials, single_factor = usage(loaded, policy)
    guessing: Guessing | None = None
    evidence: tuple[str, ...] = ()
    if any(r.check == "rate_limit" for r in profile.requirements) and any(
        credentials & set(a.credentials) for a in loaded.access
    ):
        guessing, evidence = lifecycle_guessing(loaded, credentials, explore(loaded, out=out))
    results = tuple(audit(declared, profile, single_factor=single_factor, guessing=guessing))
    return PolicyAudit(loaded.path, declared.name, profile, single_factor, results, evidence)


def export_rules(spec: SpecLike, policy: str) -> PolicyExport:
    """``spec``'s ``policy`` as a Password Rules string, with every rule the format cannot say,
    checked by reading the string back: it must accept exactly what the exported rules accept."""
    from credlab.model.password_rules import export_rules as export
    from credlab.model.password_rules import rules_policy
    from credlab.model.policy_measures import compare

    loaded = _spec(spec)
    declared = _policy(loaded, policy)
    text, left_out = export(declared)
    dropped = {i for i, _ in left_out}
    kept = replace(declared, rules=tuple(r for r in declared.rules if r.id not in dropped))
    same = compare(kept, rules_policy(declared.name, text)).relation == "equal"
    advice = tuple(r.id for r in declared.rules if r.severity != "reject")
    return PolicyExport(loaded.path, declared.name, text, left_out, same, advice)


def import_rules(file: PathLike, *, out: PathLike | None = None) -> ImportReport:
    """Read Password Rules strings (one per line, or the corpus JSON) into credlab policies and
    write them as one spec at ``out`` (default ``build/imported/<file stem>.yaml``)."""
    from credlab.simulator.rules_import import import_rules as read
    from credlab.simulator.rules_import import write_spec

    source = Path(file)
    target = Path(out) if out is not None else Path("build") / "imported" / f"{source.stem}.yaml"
    writable_folder(target.parent, "--out")
    report, text = read(source, target)
    if report.out is not None:
        write_spec(target, text)
    return report


def state_machine(
    spec: SpecLike, *, settings: Settings = None, out: PathLike = "build/credlab-counterexamples", seed: int = 0
) -> type[RuleBasedStateMachine]:
    """The Hypothesis ``RuleBasedStateMachine`` ``credlab fuzz`` runs, for a test suite's own settings:
    ``TestPolicy = credlab.state_machine("spec/x.yaml").TestCase``. A failure shows the shrunk story
    and writes it under ``out`` as a scenario file ``credlab simulate`` replays."""
    from credlab.simulator.analysis.state_machine import state_machine as build

    loaded = _spec(spec)
    return build(loaded, overrides=overrides_of(loaded, settings), out=out, seed=seed)
