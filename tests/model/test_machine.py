"""The compiled ANA machine behaves as the policy text says, on a virtual clock."""

from __future__ import annotations

import pytest

from credlab.model.ir import Spec
from credlab.model.machine import CompiledSpec, InputError, Member, compile_spec

PIN = "0123"
PASSWORD = "Sakura2024"
HOUR = 3600


@pytest.fixture
def compiled(ana: Spec) -> CompiledSpec:
    return compile_spec(ana)


def fresh(compiled: CompiledSpec, state: str | None = None) -> Member:
    return compiled.new_member(state, secrets={"amc_pin": PIN})


def registered(compiled: CompiledSpec) -> Member:
    member = fresh(compiled)
    assert member.fire("login", secret=PIN).accepted
    assert member.fire("register", pin=PIN, new_password=PASSWORD).accepted
    assert member.state == "web_password_set"
    return member


class TestRegistration:
    def test_already_logged_in_members_log_out_then_log_in_again(self, compiled: CompiledSpec) -> None:
        member = fresh(compiled, "logged_in_with_pin")
        assert member.fire("log_out").target == "unregistered"
        assert member.fire("login", secret=PIN).target == "registration_screen"

    def test_the_information_page_may_come_first(self, compiled: CompiledSpec) -> None:
        member = fresh(compiled)
        assert member.fire("login", secret=PIN, shows_first_time_page=True).target == "first_time_information"
        assert member.fire("continue_login").target == "registration_screen"
        assert member.fire("register", pin=PIN, new_password=PASSWORD).target == "web_password_set"

    def test_registration_needs_the_right_pin(self, compiled: CompiledSpec) -> None:
        member = fresh(compiled)
        member.fire("login", secret=PIN)
        outcome = member.fire("register", pin="9999", new_password=PASSWORD)
        assert not outcome.accepted and outcome.target == "registration_screen"
        assert outcome.refusals[0].guard == "pin matches amc_pin"

    def test_a_refused_password_names_the_rules_it_broke(self, compiled: CompiledSpec) -> None:
        member = fresh(compiled)
        member.fire("login", secret=PIN)
        outcome = member.fire("register", pin=PIN, new_password="ｓａｋｕｒａｓａｎ")
        assert not outcome.accepted
        assert outcome.refusals[0].rules == ("one_byte_alphanumeric", "letters_and_digits")
        assert "broke one_byte_alphanumeric, letters_and_digits" in outcome.reason

    def test_a_wrong_pin_does_not_log_in(self, compiled: CompiledSpec) -> None:
        member = fresh(compiled)
        outcome = member.fire("login", secret="9999")
        assert not outcome.accepted and member.state == "unregistered"


class TestChannels:
    def test_after_registration_only_the_web_password_works_online(self, compiled: CompiledSpec) -> None:
        member = registered(compiled)
        assert not member.fire("login", secret=PIN).accepted
        assert member.fire("login", secret=PASSWORD).accepted
        assert member.accepts("web", "web_password") and not member.accepts("web", "amc_pin")

    @pytest.mark.parametrize("channel", ["call_centre", "kiosk"])
    def test_the_pin_still_works_by_phone_and_at_kiosks(self, compiled: CompiledSpec, channel: str) -> None:
        member = registered(compiled)
        assert member.fire("authenticate", channel=channel, secret=PIN).accepted
        assert not member.fire("authenticate", channel=channel, secret=PASSWORD).accepted


class TestEmailReset:
    def reset_requested(self, compiled: CompiledSpec) -> Member:
        member = registered(compiled)
        assert member.fire("request_email_reset", identified=True).target == "reset_pending"
        assert [d.message for d in member.record.deliveries] == ["reset_email"]
        return member

    def test_the_link_works_just_before_two_hours(self, compiled: CompiledSpec) -> None:
        member = self.reset_requested(compiled)
        member.advance(HOUR + 59 * 60)
        assert member.fire("open_reset_link").target == "reset_form"
        assert member.fire("submit_reset", new_password="Fresh2025x").target == "web_password_set"
        assert not member.fire("login", secret=PASSWORD).accepted
        assert member.fire("login", secret="Fresh2025x").accepted

    @pytest.mark.parametrize("elapsed", [2 * HOUR, 2 * HOUR + 60])
    def test_the_link_is_refused_from_two_hours_on(self, compiled: CompiledSpec, elapsed: int) -> None:
        """The boundary is exclusive (assumption link_expiry_boundary): at exactly 2h it has expired."""
        member = self.reset_requested(compiled)
        expired = member.advance(elapsed)
        assert [o.transition for o in expired] == ["link_expires_registered"]
        assert member.state == "web_password_set"
        outcome = member.fire("open_reset_link")
        assert not outcome.accepted and outcome.refusals[0].guard == "within reset_link"

    def test_the_lifetime_is_a_parameter(self, ana: Spec) -> None:
        short = compile_spec(ana, {"reset_link_ttl": 30 * 60})
        member = registered(short)
        member.fire("request_email_reset", identified=True)
        member.advance(31 * 60)
        assert not member.fire("open_reset_link").accepted

    def test_pin_only_and_both_can_be_reset(self, compiled: CompiledSpec) -> None:
        member = self.reset_requested(compiled)
        member.fire("open_reset_link")
        assert member.fire("submit_reset", new_pin="4321", new_password="Both2025xx").accepted
        assert member.fire("authenticate", channel="kiosk", secret="4321").accepted
        assert member.fire("login", secret="Both2025xx").accepted

    def test_a_reset_needs_something_to_reset(self, compiled: CompiledSpec) -> None:
        member = self.reset_requested(compiled)
        member.fire("open_reset_link")
        assert not member.fire("submit_reset").accepted

    def test_the_link_is_single_use(self, compiled: CompiledSpec) -> None:
        member = self.reset_requested(compiled)
        member.fire("open_reset_link")
        member.fire("submit_reset", new_pin="4321")
        assert not member.fire("open_reset_link").accepted

    def test_failed_identification_sends_nothing(self, compiled: CompiledSpec) -> None:
        member = registered(compiled)
        assert not member.fire("request_email_reset", identified=False).accepted
        assert member.record.deliveries == []


class TestPostcardReset:
    def test_postcard_randomizes_the_pin_and_clears_the_web_password(self, compiled: CompiledSpec) -> None:
        member = registered(compiled)
        assert member.fire("request_postcard_reset", identified=True).target == "pin_randomized"
        mailed = member.mailed_secret("amc_pin")
        assert mailed is not None and mailed.reveal().isascii() and len(mailed.reveal()) == 4
        for secret in (PIN, PASSWORD):
            assert not member.fire("login", secret=secret).accepted
            assert (
                not member.fire("authenticate", channel="call_centre", secret=secret).accepted
                or secret == mailed.reveal()
            )
        assert member.fire("login", secret=mailed.reveal()).target == "registration_screen"
        assert member.fire("change_pin", new_pin="2468").accepted
        assert member.fire("register", pin="2468", new_password="Again2025x").target == "web_password_set"

    def test_the_random_pin_is_reproducible_from_the_seed(self, ana: Spec) -> None:
        def mailed_pin(seed: int) -> str:
            member = compile_spec(ana).new_member(seed=seed, secrets={"amc_pin": PIN})
            member.fire("request_postcard_reset", identified=True)
            secret = member.mailed_secret("amc_pin")
            assert secret is not None
            return secret.reveal()

        assert mailed_pin(3) == mailed_pin(3)
        assert len({mailed_pin(seed) for seed in range(10, 20)}) > 1

    def test_the_pin_change_is_only_offered_after_a_postcard(self, compiled: CompiledSpec) -> None:
        member = fresh(compiled)
        member.fire("login", secret=PIN)
        assert not member.fire("change_pin", new_pin="2468").accepted


def test_invariants_hold_along_a_long_story(compiled: CompiledSpec) -> None:
    member = registered(compiled)
    steps = [
        ("request_email_reset", {"identified": True}),
        ("open_reset_link", {}),
        ("log_out", {}),
        ("request_postcard_reset", {"identified": True}),
        ("log_out", {}),
    ]
    for event, inputs in steps:
        member.fire(event, **inputs)
        assert member.violated_invariants() == []
    member.advance(3 * HOUR)
    assert member.violated_invariants() == []


def test_the_store_keeps_hashes_not_secrets(compiled: CompiledSpec) -> None:
    member = registered(compiled)
    member.fire("request_postcard_reset", identified=True)
    dump = repr(member.record)
    assert PIN not in dump and PASSWORD not in dump
    assert member.record.credentials["amc_pin"] != member.mailed_secret("amc_pin")
    assert "Secret(***)" in repr(member.mailed_secret("amc_pin"))


def test_inputs_are_checked_against_the_event(compiled: CompiledSpec) -> None:
    member = fresh(compiled)
    with pytest.raises(InputError, match="has no input 'pin'"):
        member.fire("login", pin=PIN)
    with pytest.raises(InputError, match="needs input 'secret'"):
        member.fire("login")
    with pytest.raises(InputError, match="must be one of call_centre, kiosk"):
        member.fire("authenticate", channel="web", secret=PIN)


def test_an_event_impossible_in_the_state_is_refused_not_raised(compiled: CompiledSpec) -> None:
    outcome = fresh(compiled).fire("continue_login")
    assert not outcome.accepted and "not possible in state 'unregistered'" in outcome.reason


def test_compiling_is_cached_per_spec_and_parameters(ana: Spec) -> None:
    assert compile_spec(ana) is compile_spec(ana)
    assert compile_spec(ana, {"reset_link_ttl": 60}) is not compile_spec(ana)
    with pytest.raises(KeyError, match="unknown parameter"):
        compile_spec(ana, {"reset_ttl": 60})


def test_a_reset_member_is_the_member_new_member_would_give(compiled: CompiledSpec) -> None:
    """The fuzzer resets one member per story instead of adding a model to the machine each time."""
    used = compiled.new_member("unregistered", {"amc_pin": PIN}, seed=3)
    used.fire("login", secret=PIN)
    used.advance(3600)
    compiled.reset(used, "web_password_set", {"amc_pin": "4321", "web_password": "Sakura2024"}, seed=9)
    fresh_one = compiled.new_member("web_password_set", {"amc_pin": "4321", "web_password": "Sakura2024"}, seed=9)
    assert used.state == fresh_one.state == "web_password_set"
    assert used.record == fresh_one.record
    assert used.random.getstate() == fresh_one.random.getstate()
    assert used.fire("login", secret="Sakura2024") == fresh_one.fire("login", secret="Sakura2024")
    compiled.release(used)
    compiled.release(fresh_one)


def test_the_machine_knows_which_events_each_state_handles(compiled: CompiledSpec) -> None:
    """What transitions itself checks first, asked once: the compiled machine's table, not the IR's."""
    for state in compiled.spec.states:
        handled = {t.event for t in compiled.spec.transitions if state in t.sources_states}
        assert compiled.triggers_from[state] == handled


def test_a_session_screen_answers_only_the_actor_who_reached_it(compiled: CompiledSpec) -> None:
    """registration_screen is `session: true`: whoever logged in owns it until the flow is left."""
    member = fresh(compiled)
    member.actor = "member"
    assert member.fire("login", secret=PIN).target == "registration_screen"
    assert member.record.session_owner == "member"
    member.actor = "attacker"
    refused = member.fire("log_out")
    assert not refused.accepted and member.state == "registration_screen"
    assert refused.reason == "'registration_screen' is member's session: attacker cannot act on it"
    member.actor = "member"
    assert member.fire("log_out").target == "unregistered"
    assert member.record.session_owner is None  # a lifecycle state is nobody's session
    member.actor = "attacker"  # ... so the next one to log in owns the next session
    assert member.fire("login", secret=PIN).accepted and member.record.session_owner == "attacker"


def test_the_clock_acts_in_anyones_session(ana: Spec) -> None:
    """An expiry is nobody's event: the reset link lapses on the reset form whoever holds it."""
    compiled = compile_spec(ana)
    member = compiled.new_member("reset_pending", {"amc_pin": PIN})
    member.record.deadlines["reset_link"] = 0
    member.actor = "member"
    assert member.fire("open_reset_link").target == "reset_form"
    member.actor = "attacker"
    [expired] = member.advance(compiled.parameters["reset_link_ttl"])
    assert expired.accepted and member.state != "reset_form" and member.record.session_owner is None
