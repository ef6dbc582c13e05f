"""Write runs back as scenario files: a shrunk counterexample becomes a pinned regression.

The output is the scenario language itself (see :mod:`credlab.simulator.stories.schema`), so
``credlab simulate`` replays it; literals are written as YAML double-quoted strings with
escapes, so a trailing newline or a NUL survives the round trip.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from credlab.model.durations import format_duration
from credlab.simulator.stories.scenario import Advance, Expectation, SecretRef, Step, StoryValue


def _scalar(value: StoryValue) -> str:
    if isinstance(value, SecretRef):
        return f"{{{value.kind}: {value.credential}}}"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)  # JSON string escapes are valid YAML double-quoted escapes


def _advance(advance: Advance) -> str:
    if advance.until is not None:
        sign = "-" if advance.offset < 0 else "+"
        return f'{{until: {advance.until}, offset: "{sign}{format_duration(abs(advance.offset))}"}}'
    if advance.parameter is not None:
        return advance.parameter
    return format_duration(advance.seconds or 0)


def _expect(expect: Expectation) -> str:
    """The parts of an expectation credlab writes: the state, accepted, the transition, which
    credentials channels take, credentials set, flags and counters (names from a validated spec:
    plain YAML words)."""
    parts = []
    if expect.state is not None:
        parts.append(f"state: {expect.state}")
    if expect.accepted is not None:
        parts.append(f"accepted: {'true' if expect.accepted else 'false'}")
    if expect.transition is not None:
        parts.append(f"transition: {expect.transition}")
    if expect.access is not None:
        tables = ", ".join(f"{channel}: [{', '.join(credentials)}]" for channel, credentials in expect.access)
        parts.append(f"access: {{{tables}}}")
    if expect.credentials:
        shown = ", ".join(f"{name}: {'set' if is_set else 'unset'}" for name, is_set in expect.credentials)
        parts.append(f"credentials: {{{shown}}}")
    if expect.flags:
        parts.append("flags: {" + ", ".join(f"{n}: {'true' if v else 'false'}" for n, v in expect.flags) + "}")
    if expect.counters:
        parts.append("counters: {" + ", ".join(f"{n}: {v}" for n, v in expect.counters) + "}")
    return "{" + ", ".join(parts) + "}"


def step_lines(step: Step) -> list[str]:
    if step.advance is not None:
        lines = [f"      - advance: {_advance(step.advance)}"]
    else:
        lines = [f"      - do: {step.event}"]
        if step.inputs:
            lines.append("        with: {" + ", ".join(f"{n}: {_scalar(v)}" for n, v in step.inputs) + "}")
        if step.actor is not None:
            lines.append(f"        as: {step.actor}")
    if step.expect is not None and _expect(step.expect) != "{}":
        lines.append(f"        expect: {_expect(step.expect)}")
    return lines


def scenario_file(
    *,
    spec: str,
    name: str,
    description: str,
    state: str,
    credentials: Mapping[str, str],
    steps: Iterable[Step],
    header: Iterable[str] = (),
    flags: Mapping[str, bool] | None = None,
    running: Iterable[str] = (),
    grants: Mapping[str, tuple[Iterable[str], Iterable[str]]] | None = None,
) -> str:
    """The text of a scenario file holding one story; ``grants`` maps an actor to (has, knows)."""
    lines = [f"# {line}" for line in header]
    lines += [
        "credlab_scenarios: 1",
        f"spec: {spec}",
        "scenarios:",
        f"  - name: {name}",
        f"    description: {json.dumps(description)}",
        "    given:",
        f"      state: {state}",
    ]
    if credentials:
        lines.append("      credentials: {" + ", ".join(f"{k}: {json.dumps(v)}" for k, v in credentials.items()) + "}")
    if flags:  # the caller's: those that differ from their initial values
        lines.append("      flags: {" + ", ".join(f"{k}: {'true' if v else 'false'}" for k, v in flags.items()) + "}")
    if running := list(running):
        lines.append(f"      running: [{', '.join(running)}]")
    if grants:
        lines.append("      actors:")
        for actor, (has, knows) in grants.items():
            lines.append(f"        {actor}: {{has: [{', '.join(has)}], knows: [{', '.join(knows)}]}}")
    lines.append("    steps:")
    for step in steps:
        lines.extend(step_lines(step))
    return "\n".join(lines) + "\n"
