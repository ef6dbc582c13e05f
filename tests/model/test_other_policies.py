"""The language serves other credential policies: a bank card PIN and a NIST-style password."""

from __future__ import annotations

import pytest

from credlab.model.ir import Spec
from credlab.model.loader import load_spec
from credlab.model.machine import compile_spec
from credlab.model.policy import evaluate
from tests.conftest import REPO

GOOD = REPO / "tests" / "model" / "good_specs"
DAY = 86400


@pytest.fixture(scope="module")
def bank() -> Spec:
    return load_spec(GOOD / "bank_card_pin.yaml")


@pytest.fixture(scope="module")
def nist() -> Spec:
    return load_spec(GOOD / "nist_style_password.yaml")


class TestBankCardPin:
    def test_three_wrong_pins_in_a_row_block_the_card(self, bank: Spec) -> None:
        card = compile_spec(bank).new_member(secrets={"card_pin": "2580"})
        for expected in ("active", "active", "blocked"):
            assert card.fire("enter_pin", pin="0000").target == expected
        assert not card.accepts("atm", "card_pin")
        assert card.violated_invariants() == []

    def test_a_correct_pin_resets_the_count(self, bank: Spec) -> None:
        card = compile_spec(bank).new_member(secrets={"card_pin": "2580"})
        card.fire("enter_pin", pin="0000")
        card.fire("enter_pin", pin="0000")
        assert card.fire("enter_pin", pin="2580").accepted
        assert card.record.counters["wrong_pins"] == 0
        assert card.fire("enter_pin", pin="0000").target == "active"

    def test_the_counter_never_passes_its_maximum(self, bank: Spec) -> None:
        card = compile_spec(bank).new_member(secrets={"card_pin": "2580"})
        for _ in range(3):
            card.fire("enter_pin", pin="0000")
        assert card.record.counters["wrong_pins"] == 3

    @pytest.mark.parametrize(("days", "activates"), [(30, True), (31, False)])
    def test_a_replacement_pin_is_void_after_30_days_inclusive(self, bank: Spec, days: int, activates: bool) -> None:
        card = compile_spec(bank).new_member(secrets={"card_pin": "2580"}, seed=1)
        card.fire("order_replacement")
        mailed = card.mailed_secret("card_pin")
        assert mailed is not None and len(mailed.reveal()) == 4
        card.advance(days * DAY)
        outcome = card.fire("enter_pin", pin=mailed.reveal())
        assert outcome.accepted is activates
        assert card.state == ("active" if activates else "blocked")
        assert card.violated_invariants() == []


class TestNistStylePassword:
    @pytest.mark.parametrize(
        ("candidate", "accepted"),
        [
            ("fourteen chars", False),
            ("fifteen chars!!", True),
            ("x" * 64, True),
            ("x" * 65, False),
            ("すべての文字を受け付けるパスワード", True),
            ("Correcthorsebatterystaple", False),
            ("tab\tinside the password", False),
        ],
        ids=["14", "15", "64", "65", "unicode", "blocklisted-any-case", "control-char"],
    )
    def test_verdicts(self, nist: Spec, candidate: str, accepted: bool) -> None:
        assert evaluate(nist.policies["password"], candidate).accepted is accepted

    def test_no_composition_rule_is_applied(self, nist: Spec) -> None:
        assert evaluate(nist.policies["password"], "onlylowercaseletters").accepted
