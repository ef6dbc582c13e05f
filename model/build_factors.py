"""Factors: what a credential proves, and access rules that take several at once.

A credential is a ``knowledge`` factor unless it says otherwise; a ``possession`` or
``inherence`` factor may name the ``device`` (a capability) that produces its value, so that only
whoever holds the device can present it. An access rule takes its ``credential``, every
credential listed under ``also``, and the capabilities under ``requires`` (a card in the slot),
all together: two factors where a rule names two.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast, get_args

from credlab.model import ir
from credlab.model.schema import Obj

if TYPE_CHECKING:
    from credlab.model.build import SpecBuilder


def credential_factor(b: SpecBuilder, name: str, obj: Obj) -> tuple[ir.Factor, str | None]:
    factor = obj.get("factor", "knowledge")
    factor = cast(ir.Factor, factor) if factor in get_args(ir.Factor) else "knowledge"
    device = obj.get("device")
    if not isinstance(device, str) or not b.ref(device, b.capabilities, "capability", obj.at("device")):
        return factor, None
    if factor == "knowledge":
        b.problems.add(
            obj.at("device"),
            f"credential '{name}' is a knowledge factor: nothing but memory produces it; give it "
            "'factor: possession' (or inherence), or drop 'device'",
        )
    return factor, device


def access_factors(b: SpecBuilder, obj: Obj) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The ``also`` credentials and the ``requires`` capabilities of an access rule, checked."""
    also = b.refs(obj, "also", b.credentials, "credential")
    if obj.get("credential") in also:
        where = obj["also"].item_locs[list(obj["also"]).index(obj["credential"])]
        b.problems.add(where, f"credential '{obj['credential']}' is the rule's own: list only the others under 'also'")
        also = tuple(c for c in also if c != obj["credential"])
    return also, b.refs(obj, "requires", b.capabilities, "capability")
