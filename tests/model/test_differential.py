"""The compiled transitions machine and the reference engine agree step by step; a broken
compiler shows up as a disagreement."""

from __future__ import annotations

import random
import typing

import pytest

from credlab.model import ir
from credlab.model.differential import agree, disagreements, world_of
from credlab.model.engine import Engine
from credlab.model.loader import load_spec
from credlab.model.machine import CompiledSpec, Member, compile_spec
from credlab.model.runtime import Delivery
from tests.conftest import REPO

PIN = "0123"
STORY: list[tuple[str, dict[str, str | bool] | int]] = [
    ("login", {"secret": "9999"}),
    ("login", {"secret": PIN, "shows_first_time_page": True}),
    ("continue_login", {}),
    ("register", {"pin": PIN, "new_password": "short"}),
    ("register", {"pin": PIN, "new_password": "Sakura2024"}),
    ("login", {"secret": PIN}),
    ("authenticate", {"channel": "kiosk", "secret": PIN}),
    ("request_email_reset", {"identified": True}),
    ("advance", 3600),
    ("open_reset_link", {}),
    ("submit_reset", {"new_pin": "4321"}),
    ("request_email_reset", {"identified": True}),
    ("advance", 7200),
    ("request_postcard_reset", {"identified": True}),
    ("login", {"secret": PIN}),
    ("log_out", {}),
]


def lockstep(compiled: CompiledSpec, engine: Engine, member: Member) -> list[str]:
    """Play STORY on both backends; return the first disagreements found (empty if none)."""
    world = engine.initial(credentials={"amc_pin": PIN})
    rng = random.Random(5)
    for event, inputs in STORY:
        if isinstance(inputs, int):
            outcomes = member.advance(inputs)
            world, steps = engine.advance(world, inputs, rng)
            assert [o.transition for o in outcomes] == [s.transition for s in steps]
            found = disagreements(member, None, world, None, engine)
            assert agree(member, None, world, None, engine) is (found == [])
        else:
            outcome = member.fire(event, **inputs)
            world, step = engine.fire(world, event, inputs, rng)
            found = disagreements(member, outcome, world, step, engine)
            assert agree(member, outcome, world, step, engine) is (found == [])
        if found:
            return [f"after {event}: {d}" for d in found]
        assert member.violated_invariants() == engine.violated_invariants(world) == []
    return []


def test_the_backends_agree_on_a_long_story(ana: ir.Spec) -> None:
    compiled = compile_spec(ana)
    member = compiled.new_member(secrets={"amc_pin": PIN}, seed=5)
    assert lockstep(compiled, Engine(ana), member) == []
    assert member.state == "pin_randomized"
    assert world_of(member, Engine(ana)).delivered[-1].carried is not None


def test_a_broken_compiled_guard_is_caught(ana: ir.Spec, monkeypatch: pytest.MonkeyPatch) -> None:
    """Break one guard in the compiled machine only: the oracle must report the disagreement."""
    original = compile_spec(ana).runtime.__class__.guard

    def broken(self: object, g: ir.Guard) -> object:
        if isinstance(g, ir.Matches):  # the registration PIN check now accepts anything
            return lambda ctx: True
        return original(self, g)  # type: ignore[arg-type]

    monkeypatch.setattr("credlab.model.runtime.Runtime.guard", broken)
    compiled = CompiledSpec(ana, ana.parameter_values())  # a fresh, uncached, broken compile
    member = compiled.new_member(secrets={"amc_pin": PIN}, seed=5)
    story = [("login", {"secret": PIN}), ("register", {"pin": "9999", "new_password": "Sakura2024"})]
    engine, world, rng = Engine(ana), Engine(ana).initial(credentials={"amc_pin": PIN}), random.Random(5)
    found: list[str] = []
    for event, inputs in story:
        outcome = member.fire(event, **inputs)
        world, step = engine.fire(world, event, inputs, rng)
        found += disagreements(member, outcome, world, step, engine)
    assert any("accepted: transitions machine True, reference engine False" in d for d in found)
    assert any("credentials differ: web_password" in d for d in found)


def test_a_broken_effect_is_caught(ana: ir.Spec, monkeypatch: pytest.MonkeyPatch) -> None:
    original = compile_spec(ana).runtime.__class__.effect

    def broken(self: object, e: ir.Effect) -> object:
        if isinstance(e, ir.ClearCredential):  # the postcard reset forgets to clear the web password
            return lambda ctx: None
        return original(self, e)  # type: ignore[arg-type]

    monkeypatch.setattr("credlab.model.runtime.Runtime.effect", broken)
    compiled = CompiledSpec(ana, ana.parameter_values())
    member = compiled.new_member(secrets={"amc_pin": PIN}, seed=5)
    assert lockstep(compiled, Engine(ana), member) != []


def test_world_of_reads_a_member_exactly(ana: ir.Spec) -> None:
    engine = Engine(ana)
    member = compile_spec(ana).new_member(secrets={"amc_pin": PIN})
    assert world_of(member, engine) == engine.initial(credentials={"amc_pin": PIN})


def _set_credential(member: Member) -> None:
    member.record.credentials["web_password"] = b"not a digest of anything"


def _set_flag(member: Member) -> None:
    name = next(iter(member.record.flags))
    member.record.flags[name] = not member.record.flags[name]


def _start_deadline(member: Member) -> None:
    member.record.deadlines["reset_link"] = member.record.now


def _fire_expiry(member: Member) -> None:
    member.record.expiry_fired.add("reset_link")


def _tick(member: Member) -> None:
    member.record.now += 1


def _move(member: Member) -> None:
    member.state = "pin_randomized"


def _deliver(member: Member) -> None:
    member.record.deliveries.append(Delivery(0, "reset_mail", "email", "mailbox"))


@pytest.mark.parametrize(
    "change",
    [_set_credential, _set_flag, _start_deadline, _fire_expiry, _tick, _move, _deliver],
    ids=lambda change: change.__name__.strip("_"),
)
def test_agree_sees_every_field_disagreements_names(ana: ir.Spec, change: object) -> None:
    """The fast yes/no and the explaining list look at the same fields."""
    engine = Engine(ana)
    member = compile_spec(ana).new_member(secrets={"amc_pin": PIN})
    world = world_of(member, engine)
    assert agree(member, None, world, None, engine) and disagreements(member, None, world, None, engine) == []
    change(member)  # type: ignore[operator]
    assert not agree(member, None, world, None, engine)
    assert disagreements(member, None, world, None, engine) != []


def test_agree_sees_a_counter_differ() -> None:
    spec = load_spec(REPO / "tests" / "model" / "good_specs" / "bank_card_pin.yaml")
    engine = Engine(spec)
    member = compile_spec(spec).new_member()
    world = world_of(member, engine)
    assert agree(member, None, world, None, engine)
    member.record.counters["wrong_pins"] += 1
    assert not agree(member, None, world, None, engine)
    assert disagreements(member, None, world, None, engine) == ["counters differ: wrong_pins"]


def test_the_engine_interprets_every_kind_of_guard(ana: ir.Spec) -> None:
    """The engine dispatches on the guard's type: a kind of guard added to the IR needs a case here."""
    assert set(Engine(ana)._holds) == set(typing.get_args(ir.Guard))


def test_the_engine_keeps_sessions_as_the_machine_does(ana: ir.Spec) -> None:
    """Both backends refuse another actor on a session screen and agree on who owns it, step by step."""
    engine, compiled = Engine(ana), compile_spec(ana)
    member = compiled.new_member(secrets={"amc_pin": PIN}, seed=5)
    world, rng = engine.initial(credentials={"amc_pin": PIN}), random.Random(5)
    story: list[tuple[str, str, dict[str, str | bool]]] = [
        ("member", "login", {"secret": PIN, "shows_first_time_page": True}),
        ("attacker", "continue_login", {}),
        ("member", "continue_login", {}),
        ("attacker", "register", {"pin": PIN, "new_password": "Sakura2024"}),
        ("member", "log_out", {}),
        ("attacker", "login", {"secret": PIN}),
        ("member", "log_out", {}),
    ]
    accepted = []
    for actor, event, inputs in story:
        member.actor = actor
        outcome = member.fire(event, **inputs)
        world, step = engine.fire(world, event, inputs, rng, actor)
        assert agree(member, outcome, world, step, engine), disagreements(member, outcome, world, step, engine)
        accepted.append(step.accepted)
    assert accepted == [True, False, True, False, True, True, False]
    assert world.state == "registration_screen" and world.owner == "attacker"
