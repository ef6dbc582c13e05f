"""Durations as policy texts write them: ``30d``, ``2h``, ``30m``, ``1h59m``, ``90s``.

Durations are whole seconds on credlab's virtual clock. They are always strings with units:
a bare number is ambiguous (seconds? minutes?) and ``2:00`` is a YAML 1.1 base-60 trap.
"""

from __future__ import annotations

import re

_DURATION = re.compile(r"(?:(?P<d>[0-9]+)d)?(?:(?P<h>[0-9]+)h)?(?:(?P<m>[0-9]+)m)?(?:(?P<s>[0-9]+)s)?")
_MAX_DIGITS = 9  # a billion units; beyond that a duration is a mistake, not a policy
_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


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
            f"'{text}' is not a duration; write whole numbers with units d, h, m and s, in that order, "
            "such as '30d', '2h', '30m', '1h59m' or '90s'"
        )
    if any(len(match.group(unit) or "") > _MAX_DIGITS for unit, _ in _UNITS):
        raise ValueError(f"'{text[:20]}...' is a far longer duration than any policy needs")
    return sum(int(match.group(unit) or 0) * size for unit, size in _UNITS)


def format_duration(seconds: int) -> str:
    """The shortest canonical spelling of ``seconds``: ``7140`` → ``1h59m``, ``0`` → ``0s``."""
    if seconds == 0:
        return "0s"
    parts = []
    rest = seconds
    for unit, size in _UNITS:
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)
