"""Decoded ``accepted_findings:`` → IR: each accepted risk's kind, reason and narrowing, checked
against the spec's channels, capabilities and credentials."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from credlab.model import ir
from credlab.model.schema import Obj, Seq

if TYPE_CHECKING:
    from credlab.model.build import SpecBuilder


def accepted_findings(b: SpecBuilder, items: list[Any]) -> tuple[ir.AcceptedFinding, ...]:
    """The accepted findings; an unknown channel, capability or credential is a located error."""
    out = []
    for obj in items:
        if not isinstance(obj, Obj) or not isinstance(obj.get("kind"), str):
            continue
        channel = obj.get("channel")
        if channel is not None and not b.ref(channel, b.channels, "channel", obj.at("channel")):
            continue
        held = obj.get("capabilities")
        capabilities: tuple[str, ...] | None = None
        if isinstance(held, Seq):
            holdable = {**b.capabilities, **b.credentials}
            capabilities = b.refs(obj, "capabilities", holdable, "capability or credential")
            if len(capabilities) != len(held):
                continue
        out.append(
            ir.AcceptedFinding(
                obj["kind"],
                obj.get("reason", ""),
                channel,
                capabilities,
                b.cite(obj),
                b.refs(obj, "assumes", b.assumptions, "assumption"),
                obj.loc,
            )
        )
    return tuple(out)
