"""What the fuzzer tries: fixed tables of symbolic inputs and clock moves, one number a step."""

from __future__ import annotations

import itertools

from credlab.model import ir
from credlab.model.engine import Engine
from credlab.model.policy import enforced_ok
from credlab.simulator.analysis.candidates import TRAPS, broken_values, literal_values, trap_values
from credlab.simulator.analysis.strategies import PLAUSIBLE_SHARE, ClockTable, InputTable, input_tables, secret_options
from credlab.simulator.stories.scenario import Advance, SecretRef


def test_every_number_decodes_to_a_distinct_assignment_and_zero_to_the_first_options(ana: ir.Spec) -> None:
    table = InputTable("e", (("a", ("x", "y", "z")), ("b", (None, True, False))))
    assert table.size == 9
    picked = [table.pick(n) for n in range(table.size)]
    assert picked[0] == (("a", "x"),)  # an optional input's "not given" comes first, and is left out
    assert set(picked) == {
        tuple(p for p in (("a", a), ("b", b)) if p[1] is not None)
        for a, b in itertools.product("xyz", (None, True, False))
    }
    assert InputTable("log_out", ()).strategy() is None  # nothing to draw


def test_a_secret_input_offers_what_the_member_has_most_often_then_everything_else(ana: ir.Spec) -> None:
    options = secret_options(ana)
    literals = literal_values(ana)
    plausible = {SecretRef(kind, c) for kind in ("known", "mailed") for c in ana.credentials} | set(literals.values())
    others = {SecretRef(kind, c) for kind in ("previous", "wrong") for c in ana.credentials}
    others |= set(broken_values(ana, literals)) | set(trap_values(ana, literals))
    assert set(options) == plausible | others
    assert options[0] == SecretRef("known", next(iter(ana.credentials)))  # where shrinking ends up
    share = sum(o in plausible for o in options) / sum(o not in plausible for o in options)
    assert PLAUSIBLE_SHARE - 0.5 <= share <= PLAUSIBLE_SHARE + 0.5


def test_every_unicode_trap_is_tried_on_each_policys_valid_value(ana: ir.Spec) -> None:
    literals = literal_values(ana)
    traps = trap_values(ana, literals)
    for value in literals.values():
        assert value + "\n" in traps and value + "\x00" in traps
        assert value[:1] + "\u200b" + value[1:] in traps and value[:-1] + "\u0663" in traps
    assert len(traps) == len(TRAPS) * len(ana.policies)
    web_password = ana.policies["web_password"]
    assert enforced_ok(web_password, literals["web_password"])
    assert not any(enforced_ok(web_password, v) for v in traps if v.startswith(literals["web_password"][:1]))


def test_events_get_tables_from_their_declarations(ana: ir.Spec) -> None:
    tables = input_tables(ana, ["authenticate", "register", "log_out", "submit_reset"])
    authenticate = dict(tables["authenticate"].options)
    declared = ana.events["authenticate"].input("channel")
    assert declared is not None and declared.values  # a channel input limited to some channels
    assert authenticate["channel"] == declared.values and authenticate["secret"] == secret_options(ana)
    assert tables["register"].size == len(secret_options(ana)) ** 2
    assert tables["log_out"].options == ()
    new_pin = dict(tables["submit_reset"].options)["new_pin"]  # optional: "not given" a third of the time
    assert new_pin[0] is None and 0.25 < new_pin.count(None) / len(new_pin) < 0.4


def test_the_clock_lands_on_running_deadlines_limits_most_often_and_jumps_otherwise(ana: ir.Spec) -> None:
    engine = Engine(ana)
    clock = ClockTable.of(engine)
    idle = engine.initial("web_password_set")
    assert {clock.pick(n, idle).seconds for n in range(clock.sharp + len(clock.jumps))} == set(clock.jumps)
    running = engine.initial("reset_pending", running=("reset_link",))
    sharp = {clock.pick(n, running) for n in range(clock.sharp)}
    assert sharp == {Advance(until="reset_link", offset=offset) for offset in (-1, 0, 1)}
    assert clock.pick(clock.sharp, running).seconds in clock.jumps
