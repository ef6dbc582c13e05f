"""``--set NAME=VALUE``: analysts' overrides of a spec's declared parameters."""

from __future__ import annotations

from credlab.model import ir
from credlab.model.durations import format_duration, parse_duration
from credlab.model.errors import Location, Problem, SpecError
from credlab.model.schema import did_you_mean


def parse_overrides(spec: ir.Spec, settings: list[str] | None) -> dict[str, int]:
    """Check each ``NAME=VALUE`` against the spec's parameters; raise a :class:`SpecError` if off."""
    where = Location(spec.path)
    overrides: dict[str, int] = {}
    problems = []
    for setting in settings or ():
        name, sep, value = setting.partition("=")
        if not sep:
            problems.append(Problem(where, f"--set {setting}: write NAME=VALUE, such as reset_link_ttl=30m"))
        elif name not in spec.parameters:
            declared = ", ".join(spec.parameters) or "none"
            hint = did_you_mean(name, spec.parameters) or f" (the spec declares: {declared})"
            problems.append(Problem(where, f"--set {name}: unknown parameter '{name}'{hint}"))
        else:
            try:
                overrides[name] = parse_duration(value)
            except ValueError as error:
                problems.append(Problem(where, f"--set {name}: {error}"))
    if problems:
        raise SpecError(problems)
    return overrides


def describe_overrides(overrides: dict[str, int]) -> str:
    return ", ".join(f"{name}={format_duration(value)}" for name, value in sorted(overrides.items()))


def set_arguments(overrides: dict[str, int]) -> str:
    """The ``--set`` arguments that select ``overrides`` again, for replay commands (with a leading space)."""
    return "".join(f" --set {name}={format_duration(value)}" for name, value in sorted(overrides.items()))
