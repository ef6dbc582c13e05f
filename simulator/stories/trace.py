"""Traces: what happened in a run, one JSON object per line, secrets redacted.

A trace starts with a ``start`` line, then one line per step::

    {"kind": "start", "spec": "ana_web_password", "run": "...", "state": "unregistered", "time": 0,
     "seed": 0, "parameters": {"reset_link_ttl": "2h"}}
    {"kind": "event", "step": 1, "time": 0, "event": "login", "inputs": {"secret": "***"},
     "accepted": true, "source": "unregistered", "target": "registration_screen",
     "transition": "login_shows_registration_screen", "reason": ""}
    {"kind": "advance", "step": 2, "time": 7140, "by": "1h59m", "source": "...", "target": "..."}
    {"kind": "expiry", "step": 2, "time": 7200, "event": "reset_link_expired", "accepted": true, ...}

``step`` is the story's step number: an ``advance`` and the expiries it fires share one.
``event`` and ``expiry`` lines name the ``transition`` that fired (``null`` when refused).
Secret inputs never appear: they are written as ``***`` or as the reference a scenario
used (``"the mailed amc_pin"``). Diagrams (``--highlight``) and reports read traces.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal, get_args

from credlab.model.errors import Location, Problem, SpecError
from credlab.model.jsonsrc import parse_json
from credlab.model.yamlsrc import read_text

REDACTED = "***"
TraceKind = Literal["start", "event", "advance", "expiry"]
"""The kinds of trace records: the one list every reader and writer of traces uses."""
KINDS: tuple[TraceKind, ...] = get_args(TraceKind)
FIRING: tuple[TraceKind, ...] = ("event", "expiry")
"""The kinds of record that can fire a transition."""


def fired(record: dict[str, Any]) -> bool:
    """Whether ``record`` is a transition firing (an accepted event or expiry)."""
    return record["kind"] in FIRING and bool(record.get("accepted")) and bool(record.get("transition"))


def dumps_line(record: dict[str, Any]) -> str:
    """One trace line: compact, keys in a stable order, so equal runs give equal bytes."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def read_trace(path: Path) -> list[dict[str, Any]]:
    """The records of a trace file, or a located :class:`SpecError` for a malformed line."""
    text = read_text(path, what="trace")
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        record = parse_json(line, str(path), line=number - 1, expected="a trace record")
        if not isinstance(record, dict) or record.get("kind") not in KINDS:
            raise SpecError(
                [Problem(Location(str(path), number), f"not a trace record: 'kind' must be one of {', '.join(KINDS)}")]
            )
        records.append(record)
    if not records or records[0]["kind"] != "start":
        raise SpecError([Problem(Location(str(path)), "a trace starts with a 'start' record")])
    return records


def fired_transitions(records: list[dict[str, Any]]) -> Iterator[tuple[int, str, str, str]]:
    """(step, transition id, source, target) of each transition that fired, in order."""
    for record in records:
        if fired(record):
            yield record["step"], record["transition"], record["source"], record["target"]
