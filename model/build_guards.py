"""Decoded guards and effects → IR, checking each name against the spec and the event.

Guards and effects are a closed vocabulary (see :mod:`credlab.model.spec_schema`): a spec picks
words from it and names things it declares; nothing in a spec is ever executed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, TypeGuard

from credlab.model import ir
from credlab.model.errors import Location, Problems
from credlab.model.schema import Obj, Seq, Tag


class SpecBuilder(Protocol):
    """What building a guard or effect needs of the spec being built: its declarations so far and
    how to check a reference (:class:`credlab.model.build.SpecBuilder` is the one implementation)."""

    problems: Problems

    @property
    def states(self) -> Mapping[str, ir.State]: ...

    @property
    def credentials(self) -> Mapping[str, ir.Credential]: ...

    @property
    def channels(self) -> Mapping[str, ir.Channel]: ...

    @property
    def flags(self) -> Mapping[str, ir.Flag]: ...

    @property
    def counters(self) -> Mapping[str, ir.Counter]: ...

    @property
    def deadlines(self) -> Mapping[str, ir.Deadline]: ...

    @property
    def messages(self) -> Mapping[str, ir.Message]: ...

    @property
    def policies(self) -> Mapping[str, ir.Policy]: ...

    def ref(self, name: Any, table: Mapping[str, Any], what: str, where: Location) -> TypeGuard[str]: ...

    def refs_in(self, values: Any, table: Mapping[str, Any], what: str) -> tuple[str, ...] | None: ...

    def input_of(
        self, name: Any, inputs: dict[str, ir.Input] | None, types: tuple[str, ...], where: Location
    ) -> bool: ...


def build_guard(b: SpecBuilder, tag: Any, inputs: dict[str, ir.Input] | None) -> ir.Guard | None:
    """The IR of one guard, or None when it is invalid (its problems are recorded)."""
    if not isinstance(tag, Tag):
        return None
    kind, value, where = tag.kind, tag.value, tag.value_loc
    if kind in ("not", "all", "any"):
        parts = [value] if kind == "not" else list(value) if isinstance(value, Seq) else []
        built = [build_guard(b, part, inputs) for part in parts]
        if not built or any(g is None for g in built):
            return None
        guards = tuple(g for g in built if g is not None)
        return ir.Not(guards[0]) if kind == "not" else ir.All(guards) if kind == "all" else ir.AnyOf(guards)
    if kind == "implies":
        if not isinstance(value, Obj):
            return None
        condition, consequence = build_guard(b, value.get("if"), inputs), build_guard(b, value.get("then"), inputs)
        return ir.Implies(condition, consequence) if condition and consequence else None
    if kind == "in_state":
        states = b.refs_in(value, b.states, "state")
        return ir.InState(states) if states is not None else None
    if isinstance(value, str):
        return _named_guard(b, kind, value, where, inputs)
    if isinstance(value, Obj):
        return _record_guard(b, kind, value, inputs)
    return None


def _named_guard(
    b: SpecBuilder, kind: str, name: str, where: Any, inputs: dict[str, ir.Input] | None
) -> ir.Guard | None:
    if kind == "is_set":
        return ir.IsSet(name) if b.ref(name, b.credentials, "credential", where) else None
    if kind == "flag":
        return ir.FlagSet(name) if b.ref(name, b.flags, "flag", where) else None
    if kind in ("within", "expired"):
        if not b.ref(name, b.deadlines, "deadline", where):
            return None
        return ir.Within(name) if kind == "within" else ir.Expired(name)
    if kind == "given":
        if not b.input_of(name, inputs, ("secret", "channel", "bool", "choice"), where):
            return None
        assert inputs is not None
        if not inputs[name].optional:
            b.problems.add(where, f"input '{name}' is not optional, so 'given' always holds; mark it 'optional: true'")
            return None
        return ir.Given(name)
    if kind == "input_true":
        return ir.InputTrue(name) if b.input_of(name, inputs, ("bool",), where) else None
    return None  # pragma: no cover - the schema admits no other named guard


def _record_guard(b: SpecBuilder, kind: str, obj: Obj, inputs: dict[str, ir.Input] | None) -> ir.Guard | None:
    if kind == "matches":
        ok = b.input_of(obj.get("input"), inputs, ("secret",), obj.at("input"))
        ok &= b.ref(obj.get("credential"), b.credentials, "credential", obj.at("credential"))
        return ir.Matches(obj["input"], obj["credential"]) if ok else None
    if kind == "satisfies":
        ok = b.input_of(obj.get("input"), inputs, ("secret",), obj.at("input"))
        ok &= b.ref(obj.get("policy"), b.policies, "policy", obj.at("policy"))
        return ir.Satisfies(obj["input"], obj["policy"]) if ok else None
    if kind == "count_at_least":
        if not b.ref(obj.get("counter"), b.counters, "counter", obj.at("counter")):
            return None
        value, maximum = obj.get("value"), b.counters[obj["counter"]].maximum
        if isinstance(value, int) and value > maximum:
            b.problems.add(obj.at("value"), f"counter '{obj['counter']}' never exceeds {maximum}, so this never holds")
            return None
        return ir.CountAtLeast(obj["counter"], value) if isinstance(value, int) else None
    if kind == "codes_left":
        if not code_set(b, obj.get("credential"), obj.at("credential"), "codes_left"):
            return None
        value, size = obj.get("at_least"), b.credentials[obj["credential"]].codes or 0
        if isinstance(value, int) and value > size:
            b.problems.add(obj.at("at_least"), f"'{obj['credential']}' has {size} codes at most, so this never holds")
            return None
        return ir.CodesLeft(obj["credential"], value) if isinstance(value, int) else None
    if kind == "accepts":
        ok = b.ref(obj.get("channel"), b.channels, "channel", obj.at("channel"))
        ok &= b.ref(obj.get("credential"), b.credentials, "credential", obj.at("credential"))
        return ir.Accepts(obj["channel"], obj["credential"]) if ok else None
    if kind == "input_in":
        if not b.input_of(obj.get("input"), inputs, ("channel", "choice"), obj.at("input")):
            return None
        assert inputs is not None
        declared = inputs[obj["input"]]
        allowed = declared.values or (tuple(b.channels) if declared.type == "channel" else ())
        values = obj.get("values")
        if not isinstance(values, Seq):
            return None
        ok = True
        for value, where in zip(values, values.item_locs, strict=True):
            if isinstance(value, str) and value not in allowed:
                b.problems.add(where, f"'{value}' is not a value of input '{declared.name}' ({', '.join(allowed)})")
                ok = False
        return ir.InputIn(declared.name, tuple(values)) if ok else None
    if kind == "authenticates":
        ok = b.input_of(obj.get("secret"), inputs, ("secret",), obj.at("secret"))
        has_channel, has_input = "channel" in obj, "channel_from" in obj
        if has_channel == has_input:
            b.problems.add(
                obj.loc, "authenticates needs exactly one of 'channel' (a channel) or 'channel_from' (a channel input)"
            )
            return None
        if has_channel:
            ok &= b.ref(obj.get("channel"), b.channels, "channel", obj.at("channel"))
        else:
            ok &= b.input_of(obj.get("channel_from"), inputs, ("channel",), obj.at("channel_from"))
        return ir.Authenticates(obj["secret"], obj.get("channel"), obj.get("channel_from")) if ok else None
    return None  # pragma: no cover


def build_effect(b: SpecBuilder, tag: Any, inputs: dict[str, ir.Input]) -> ir.Effect | None:
    """The IR of one effect, or None when it is invalid (its problems are recorded)."""
    if not isinstance(tag, Tag):
        return None
    kind, value, where = tag.kind, tag.value, tag.value_loc
    if kind == "set_credential":
        if not isinstance(value, Obj):
            return None
        ok = b.ref(value.get("credential"), b.credentials, "credential", value.at("credential"))
        ok &= b.input_of(value.get("from"), inputs, ("secret",), value.at("from"))
        if ok and b.credentials[value["credential"]].codes is not None:
            b.problems.add(
                value.at("credential"),
                f"'{value['credential']}' is a set of codes, which credlab issues: use randomize_credential",
            )
            return None
        return ir.SetCredential(value["credential"], value["from"]) if ok else None
    if kind == "use_code":
        if not isinstance(value, Obj):
            return None
        ok = code_set(b, value.get("credential"), value.at("credential"), "use_code")
        ok &= b.input_of(value.get("from"), inputs, ("secret",), value.at("from"))
        return ir.UseCode(value["credential"], value["from"]) if ok else None
    if not isinstance(value, str):
        return None
    if kind in ("clear_credential", "randomize_credential"):
        if not b.ref(value, b.credentials, "credential", where):
            return None
        return ir.ClearCredential(value) if kind == "clear_credential" else ir.RandomizeCredential(value)
    if kind in ("increment", "reset_counter"):
        if not b.ref(value, b.counters, "counter", where):
            return None
        return ir.Increment(value) if kind == "increment" else ir.ResetCounter(value)
    if kind in ("set_flag", "clear_flag"):
        return ir.SetFlag(value, kind == "set_flag") if b.ref(value, b.flags, "flag", where) else None
    if kind in ("start_deadline", "stop_deadline"):
        if not b.ref(value, b.deadlines, "deadline", where):
            return None
        return ir.StartDeadline(value) if kind == "start_deadline" else ir.StopDeadline(value)
    if kind == "send":
        return ir.Send(value) if b.ref(value, b.messages, "message", where) else None
    return None  # pragma: no cover


def code_set(b: SpecBuilder, name: Any, where: Location, word: str) -> bool:
    """Whether ``name`` is a declared credential that is a set of codes (``word`` needs one)."""
    if not b.ref(name, b.credentials, "credential", where):
        return False
    if b.credentials[name].codes is None:
        b.problems.add(where, f"{word} needs a set of codes, and '{name}' is one value; give it 'codes: N'")
        return False
    return True


def unguarded_overlap(
    problems: Problems,
    where: Location,
    event: str,
    transition: str,
    sources: tuple[str, ...],
    unguarded: dict[tuple[str, str], str],
) -> None:
    """Two transitions with no guard for one event in one state would both be enabled wherever
    that state is reached, and the file's order would decide which fires: refused at load,
    where it is decidable. ``unguarded`` maps (state, event) to the unguarded transition seen
    first. Guarded overlaps are exploration's ``deterministic`` property."""
    for state in sources:
        first = unguarded.setdefault((state, event), transition)
        if first != transition:
            problems.add(
                where,
                f"transitions '{first}' and '{transition}' both handle '{event}' in state '{state}' with no "
                "guard, so both would fire at once; give one a `when:` that tells them apart",
            )
            return


def leaves_an_end(problems: Problems, written: object, states: Mapping[str, ir.State]) -> None:
    """A transition from a final state (an end of the lifecycle) is refused where it names it."""
    if not isinstance(written, Seq):
        return
    for source, where in zip(written, written.item_locs, strict=True):
        if isinstance(source, str) and source in states and states[source].final:
            problems.add(
                where,
                f"state '{source}' is final: no transition leaves it; drop this transition, or 'final: true' from "
                "the state",
            )
