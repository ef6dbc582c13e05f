"""The explorer's successor tables: an event's outcome, found once per combination of the fields
it reads, serves every situation sharing them. Checked against expanding every situation on the
reference engine afresh, on every spec in the repository and on the peer families."""

from __future__ import annotations

from array import array
from pathlib import Path

import pytest

from credlab.model.engine import Engine
from credlab.model.ir import Spec
from credlab.model.loader import load_spec
from credlab.simulator.analysis.exploration import Exploration
from credlab.simulator.analysis.explore import Explorer
from tests.conftest import ANA_SPEC, REPO

SPECS = sorted(
    [
        ANA_SPEC,
        *(REPO / "tests" / "model" / "good_specs").glob("*.yaml"),
        *(REPO / "tests" / "fixtures" / "defects").glob("*.yaml"),
        *(REPO / "tests" / "simulator" / "fixtures" / "families").glob("*.yaml"),
        *(REPO / "tests" / "simulator" / "fixtures" / "timing").glob("*.yaml"),
        *(REPO / "tests" / "simulator" / "fixtures" / "final").glob("*.yaml"),
        REPO / "tests" / "simulator" / "fixtures" / "invariant_lab" / "invariant_lab.yaml",
        REPO / "tests" / "simulator" / "fixtures" / "findings" / "three_tries.yaml",
        REPO / "tests" / "simulator" / "fixtures" / "findings" / "totp_login.yaml",
        REPO / "spec" / "bank_card.yaml",
        REPO / "spec" / "totp_recovery.yaml",  # a set of single-use codes
        REPO / "spec" / "account_recovery.yaml",
    ]
)
PLANTED_BOUND = 3_000
"""The planted defects (and their unplanted copy) are the ANA spec with one change each: the first
situations of each, in breadth-first order, are compared (``spec/`` ANA itself, whole); a bound
stops both searches alike."""


def _graph(found: Exploration) -> tuple[object, ...]:
    violations = [(str(v.property), v.node, v.description, v.then) for v in found.violations]
    return (
        found.keys,
        found.starts,
        found.parent_of,
        found.via,
        found.sources,
        found.targets,
        found.uncertain,
        found.edges,
        sorted(found.transitions),
        sorted(found.states),
        violations,
        found.undecided_recovery,
        found.complete,
    )


def _both(spec: Spec, **options: object) -> tuple[tuple[object, ...], tuple[object, ...]]:
    engine = Engine(spec)
    fast = Explorer(engine, tables=True, **options).explore()  # type: ignore[arg-type]
    reference = Explorer(engine, tables=False, **options).explore()  # type: ignore[arg-type]
    assert fast.keys, "something was explored"
    return _graph(fast), _graph(reference)


@pytest.mark.parametrize("path", SPECS, ids=lambda p: f"{Path(p).parent.name}/{Path(p).stem}")
def test_tables_give_the_graph_the_reference_engine_gives(path: Path) -> None:
    planted = path.parent.name == "defects"
    fast, reference = _both(load_spec(path), **({"max_states": PLANTED_BOUND} if planted else {}))
    assert fast == reference


def test_a_bound_stops_both_at_the_same_situation() -> None:
    fast, reference = _both(load_spec(ANA_SPEC), max_states=300)
    assert fast == reference and fast[-1] is False


def test_tables_agree_for_an_attacker_too() -> None:
    """Another actor, other capabilities: other moves, other tables."""
    spec = load_spec(ANA_SPEC)
    attacker = next(name for name in spec.actors if name != "member")
    fast, reference = _both(spec, actor=attacker, capabilities=frozenset({"mailbox"}))
    assert fast == reference


def test_an_event_that_writes_an_undeclared_field_is_caught() -> None:
    """The tables trust what each transition declares it writes; the explorer checks it on every entry."""
    engine = Engine(load_spec(ANA_SPEC))
    explorer = Explorer(engine)
    explorer.writes = dict.fromkeys(explorer.writes, 0)  # every transition claims to write nothing
    with pytest.raises(AssertionError, match="changed a field it does not declare"):
        explorer.explore()


def test_steps_are_kept_where_recoverability_needs_them_or_all_when_asked() -> None:
    """The flag product of four flags: 16 situations, 4 steps from each, and a value that works
    online everywhere, so recoverability needs no step at all."""
    spec = load_spec(REPO / "tests" / "simulator" / "fixtures" / "families" / "product2_4.yaml")
    lean = Explorer(Engine(spec)).explore()
    assert len(lean.keys) == 16 and lean.edges == 64 and len(lean.sources) == 0 and all(lean.good)
    every = Explorer(Engine(spec)).explore(every_step=True)
    assert len(every.sources) == 64 and sorted(map(len, every.successors)) == [4] * 16
    assert every.keys == lean.keys and [str(v.property) for v in every.violations] == []


WIDE = {"totp_recovery", "account_recovery"}
"""Specs whose situations take more than 64 bits (a set of codes, three secrets and what the member
knows of each): they keep their situations as Python integers, as the explorer allows."""


@pytest.mark.parametrize("path", [p for p in SPECS if p.stem not in WIDE], ids=lambda p: p.stem)
def test_a_search_keeps_its_situations_as_a_plain_array_of_machine_words(path: Path) -> None:
    """Packed as narrow as their values allow, every spec here fits a situation in one 64-bit
    word: a search's situations (a frontier chunk, a block of simulated members) are an
    ``array('Q')``, eight bytes each (the differential test above explores with them)."""
    explorer = Explorer(Engine(load_spec(path)), max_states=2_000)
    found = explorer.explore()
    assert explorer.layout.word and explorer.layout.bits <= 64
    assert isinstance(found.keys, array) and found.keys.typecode == "Q"
