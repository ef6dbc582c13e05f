"""The IR of findings a spec accepts as known risks (re-exported by :mod:`credlab.model.ir`)."""

from __future__ import annotations

from typing import Literal

from credlab.model.errors import Location
from credlab.model.node import node

_NOWHERE = Location("<builtin>")

FindingKind = Literal[
    "takeover",
    "denial_of_service",
    "lockout_window",
    "dead_end",
    "unlimited_guessing",
    "recovery_bypasses_factor",
]
"""What exploration can find wrong with a lifecycle, each kind with its own analysis (see
:mod:`credlab.simulator.analysis.findings`); a spec may accept one with a reason."""


@node
class AcceptedFinding:
    """A finding the policy accepts as a known risk: still reported, marked accepted, and not a
    failure of ``credlab check``. ``channel`` and ``capabilities`` narrow which findings of the
    kind it covers (absent: every one)."""

    kind: FindingKind
    reason: str
    channel: str | None = None
    capabilities: tuple[str, ...] | None = None
    """The attacker's holdings exactly (capability names and credential names), if given."""
    sources: tuple[str, ...] = ()
    assumes: tuple[str, ...] = ()
    loc: Location = _NOWHERE
