"""Durations as policy texts write them: ``5y``, ``2w``, ``30d``, ``2h``, ``30m``, ``1h59m``, ``90s``.

Durations are whole seconds on credlab's virtual clock. They are always strings with units:
a bare number is ambiguous (seconds? minutes?) and ``2:00`` is a YAML 1.1 base-60 trap.

The units, largest first: ``y`` (a year of 365 days: the clock has no calendar, so a leap day is
not counted; write ``365d`` or ``366d`` where the text means one), ``w`` (7 days), ``d``, ``h``,
``m``, ``s``. Durations are shown in days and smaller units (``30d``, not ``4w2d``).
"""

from __future__ import annotations

import re

UNITS = (("y", 365 * 86400), ("w", 7 * 86400), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
"""Each unit and its length in seconds, largest first: the order a duration writes them in."""
PATTERN = "".join(f"(?:[0-9]+{unit})?" for unit, _ in UNITS)
"""A duration's spelling (the JSON Schema's pattern is this one)."""
_DURATION = re.compile("".join(f"(?:(?P<{unit}>[0-9]+){unit})?" for unit, _ in UNITS))
_MAX_DIGITS = 9  # a billion units; beyond that a duration is a mistake, not a policy
_SHOWN = UNITS[2:]  # shown in days and smaller: '30d' reads better than '4w2d'


def parse_duration(text: str) -> int:
    """Return the number of seconds in ``text``, or raise ``ValueError`` saying how to write it."""
    match = _DURATION.fullmatch(text)
    if not text or match is None:
        if re.fullmatch(r"[0-9]+", text):
            raise ValueError(f"'{text}' has no unit: write it as '{text}s', or in minutes or hours ('30m', '2h')")
        if ":" in text:
            raise ValueError(
                f"'{text}' is not a duration (YAML 1.1 reads h:mm as a base-60 number); "
                "write hours and minutes with units, such as '2h' or '1h59m'"
            )
        raise ValueError(
            f"'{text}' is not a duration; write whole numbers with units y (365 days), w (7 days), d, h, m "
            "and s, in that order, such as '5y', '2w', '30d', '2h', '30m', '1h59m' or '90s'"
        )
    if any(len(match.group(unit) or "") > _MAX_DIGITS for unit, _ in UNITS):
        raise ValueError(f"'{text[:20]}...' is a far longer duration than any policy needs")
    return sum(int(match.group(unit) or 0) * size for unit, size in UNITS)


def format_duration(seconds: int) -> str:
    """The shortest canonical spelling of ``seconds``: ``7140`` → ``1h59m``, ``0`` → ``0s``."""
    if seconds == 0:
        return "0s"
    parts = []
    rest = seconds
    for unit, size in _SHOWN:
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)
