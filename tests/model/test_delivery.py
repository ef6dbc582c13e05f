"""Messages that take time: a ``delay`` adds, with the spec's own parts, two deadlines, an arrival
event and its transition; every reference is checked at load time, and the windows run the same
on the reference engine and on the ``transitions`` machine."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from credlab.model import ir
from credlab.model.engine import Engine
from credlab.model.errors import SpecError
from credlab.model.loader import load_spec
from credlab.model.machine import CompiledSpec
from tests.conftest import ANA_SPEC

DAY = 86400


def variant(tmp_path: Path, old: str, new: str) -> Path:
    text = ANA_SPEC.read_text(encoding="utf-8")
    assert old in text, old
    (tmp_path / "ana_web_password.policy.txt").write_text(
        ANA_SPEC.with_suffix(".policy.txt").read_text(encoding="utf-8"), encoding="utf-8"
    )
    path = tmp_path / "variant.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_a_delay_adds_two_deadlines_an_arrival_and_starts_them_where_the_message_is_sent(ana: ir.Spec) -> None:
    postcard = ana.messages["pin_postcard"]
    assert postcard.delay == ("postcard_delivery_min", "postcard_delivery_max")
    assert postcard.assumes == ("postcard_takes_days",)
    earliest, latest = ana.deadlines["pin_postcard_deliverable"], ana.deadlines["pin_postcard_in_transit"]
    assert (earliest.delivery, latest.delivery) == ("pin_postcard", "pin_postcard")
    assert latest.on_expiry == "pin_postcard_arrives" and earliest.on_expiry is None
    assert ana.events["pin_postcard_arrives"].internal and ana.events["pin_postcard_arrives"].delivers == "pin_postcard"
    [arrival] = [t for t in ana.transitions if t.delivers == "pin_postcard"]
    assert arrival.target is None and set(arrival.sources_states) == set(ana.states)
    [request] = [t for t in ana.transitions if t.id == "request_postcard_reset"]
    sent = [type(e).__name__ for e in request.effects][-3:]
    assert sent == ["Send", "StartDeadline", "StartDeadline"]
    assert ana.deadlines["reset_link"].delivery is None  # the spec's own deadlines are untouched


def test_the_postcard_arrives_within_its_window_on_both_backends(ana: ir.Spec) -> None:
    """Not before the least delay, at any instant between, and by the most: the engine and the
    machine agree at every point."""
    engine = Engine(ana)
    compiled = CompiledSpec(ana, ana.parameter_values())
    for wait, arrives in ((DAY - 1, False), (DAY, True), (3 * DAY, True)):
        world = engine.initial("unregistered", {"amc_pin": "0123"})
        member = compiled.new_member("unregistered", {"amc_pin": "0123"}, seed=1)
        world, _ = engine.fire(world, "request_postcard_reset", {"identified": True}, random.Random(1))
        member.fire("request_postcard_reset", identified=True)
        world, _ = engine.advance(world, wait, random.Random(1))
        member.advance(wait)
        world, step = engine.fire(world, "pin_postcard_arrives", {}, random.Random(1))
        outcome = member.fire("pin_postcard_arrives")
        assert step.accepted is outcome.accepted is arrives, wait
    world = engine.initial("unregistered", {"amc_pin": "0123"})
    world, _ = engine.fire(world, "request_postcard_reset", {"identified": True}, random.Random(1))
    world, steps = engine.advance(world, 7 * DAY, random.Random(1))
    assert [s.transition for s in steps] == ["pin_postcard_arrives"]  # it has arrived by the most


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "    delay: {min: postcard_delivery_min, max: postcard_delivery_max}",
            "    delay: {min: 8d, max: postcard_delivery_max}",
            "message 'pin_postcard' arrives at most 7d, before its min 8d",
        ),
        (
            "    delay: {min: postcard_delivery_min, max: postcard_delivery_max}",
            "    delay: {min: postcard_delivery_min, max: postcard_delivery_maxx}",
            "unknown parameter 'postcard_delivery_maxx' (did you mean 'postcard_delivery_max'?)",
        ),
        (
            "    delay: {min: postcard_delivery_min, max: postcard_delivery_max}",
            "    delay: {min: 1d}",
            "delay is missing the required key 'max'",
        ),
        (
            "deadlines:\n",
            "deadlines:\n  pin_postcard_in_transit:\n    duration: 1h\n    boundary: exclusive\n"
            "    source: url_expires\n",
            "credlab names what it adds for it 'pin_postcard_in_transit': rename the spec's own",
        ),
    ],
)
def test_a_bad_delay_is_a_located_error(tmp_path: Path, old: str, new: str, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(variant(tmp_path, old, new))
    assert message in str(caught.value), str(caught.value)
    assert "variant.yaml:" in str(caught.value).splitlines()[0]


def test_messages_go_by_sms_app_screen_or_in_person_too(tmp_path: Path) -> None:
    """A channel of kind sms, app or screen carries messages and reaches a capability."""
    path = variant(
        tmp_path,
        "  post: {kind: post, reaches: postal_address, description: Post to the registered postal address.}",
        "  post: {kind: sms, reaches: postal_address, description: A text message to the registered phone.}",
    )
    spec = load_spec(path)
    assert spec.channels["post"].kind == "sms" and spec.messages["pin_postcard"].via == "post"
    refused = variant(tmp_path, "  email: {kind: email, reaches: mailbox,", "  email: {kind: online, reaches: mailbox,")
    with pytest.raises(SpecError) as caught:
        load_spec(refused)
    message = str(caught.value)
    assert "only channels that carry messages (email, post, sms, app, screen, in_person) reach someone" in message


def test_assumptions_may_be_named_by_channels_credentials_events_and_parameters(tmp_path: Path) -> None:
    """Each of these can carry an interpretation of the text; lint counts it as used there."""
    from credlab.simulator.analysis.lint import lint

    text = ANA_SPEC.read_text(encoding="utf-8")
    edits = {
        "  kiosk: {kind: in_person, description: Self Service Check-in machines at airports.}": (
            "  kiosk: {kind: in_person, description: Self Service Check-in machines at airports., "
            "assumes: [kiosks_take_the_pin]}"
        ),
        "assumptions:\n": (
            "assumptions:\n  kiosks_take_the_pin:\n    question: Which machines take the AMC password?\n"
            "    choice: Every Self Service Check-in machine.\n    source: pin_at_kiosk\n"
        ),
        "    initially_set: true\n": "    initially_set: true\n    assumes: [pin_is_four_ascii_digits]\n",
        '    description: Click "LOG OUT" (or leave the page) to end the session.\n': (
            '    description: Click "LOG OUT" (or leave the page) to end the session.\n'
            "    assumes: [leaving_the_flow]\n"
        ),
        "    description: How long the password reset URL stays valid after the email is sent.\n": (
            "    description: How long the password reset URL stays valid after the email is sent.\n"
            "    assumes: [link_expiry_boundary]\n"
        ),
    }
    for old, new in edits.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    (tmp_path / "ana_web_password.policy.txt").write_text(
        ANA_SPEC.with_suffix(".policy.txt").read_text(encoding="utf-8"), encoding="utf-8"
    )
    path = tmp_path / "ana_web_password.yaml"
    path.write_text(text, encoding="utf-8")
    spec = load_spec(path)
    assert spec.channels["kiosk"].assumes == ("kiosks_take_the_pin",)
    assert spec.credentials["amc_pin"].assumes == ("pin_is_four_ascii_digits",)
    assert spec.events["log_out"].assumes == ("leaving_the_flow",)
    assert spec.parameters["reset_link_ttl"].assumes == ("link_expiry_boundary",)
    assert [f for f in lint(spec) if f.id == "unused-assumption"] == []  # named only by the kiosk: used
    path.write_text(text.replace("assumes: [kiosks_take_the_pin]", "assumes: [kiosk_takes_the_pin]"), encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    assert "unknown assumption 'kiosk_takes_the_pin' (did you mean 'kiosks_take_the_pin'?)" in str(caught.value)
