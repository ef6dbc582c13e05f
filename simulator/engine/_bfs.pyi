"""Types of the C module built from ``_bfs.c`` (see :mod:`credlab.simulator.analysis.native`)."""

from typing import Any

def search(
    start: bytes,
    tables: list[list[tuple[int, int, dict[int, Any], dict[int, int], str | None]]],
    state_shift: int,
    state_bits: int,
    online_mask: int,
    online_access: dict[int, bool],
    limit: int,
    check: bool,
    every_step: bool,
    invariants: bool,
    beyond: int,
    callbacks: object,
    /,
) -> tuple[bytes, bytes, list[Any], bytes, bytes, bytes, int, bool]: ...
