"""`@node` classes behave as frozen, slotted, value-compared dataclasses."""

from __future__ import annotations

import copy
import pickle

import pytest

from credlab.model import ir
from credlab.model.errors import Location, Problem
from credlab.model.node import node


@node
class Point:
    x: int
    y: int = 0


def test_fields_take_positions_keywords_and_defaults() -> None:
    assert Point(1) == Point(x=1) == Point(1, 0)
    assert Point(1, y=2).y == 2
    with pytest.raises(TypeError, match="missing 'x'"):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected argument"):
        Point(1, z=3)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="twice"):
        Point(1, x=2)  # type: ignore[misc]
    with pytest.raises(TypeError, match="takes 2 arguments"):
        Point(1, 2, 3)  # type: ignore[call-arg]


def test_nodes_are_immutable_and_slotted() -> None:
    point = Point(1)
    with pytest.raises(AttributeError, match="immutable"):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del point.x
    assert not hasattr(point, "__dict__")


def test_equality_and_hashing_are_by_value_and_type() -> None:
    assert Point(1, 2) == Point(1, 2) and hash(Point(1, 2)) == hash(Point(1, 2))
    assert ir.Within("reset_link") != ir.Expired("reset_link")  # type: ignore[comparison-overlap]
    assert len({ir.IsSet("a"), ir.IsSet("a"), ir.FlagSet("a")}) == 2


def test_ordering_repr_match_pickle_and_copy() -> None:
    assert sorted([Location("b.yaml", 1), Location("a.yaml", 9)])[0].path == "a.yaml"
    assert sorted([Problem(Location("a", 2), "x"), Problem(Location("a", 1), "y")])[0].message == "y"
    assert repr(Point(1, 2)) == "Point(x=1, y=2)"
    match ir.Matches("pin", "amc_pin"):
        case ir.Matches(input, credential="amc_pin"):
            assert input == "pin"
        case _:
            pytest.fail("class pattern did not match")
    assert pickle.loads(pickle.dumps(Point(3))) == Point(3)
    assert copy.deepcopy(ir.All((ir.IsSet("a"),))) == ir.All((ir.IsSet("a"),))


@node
class Single:
    value: str


@node
class Empty:
    pass


def test_nodes_of_one_field_or_none_compare_and_hash_by_value_too() -> None:
    """Values are read by one ``attrgetter``, which returns a bare value for one name: not a tuple."""
    assert Single("a") == Single(value="a") != Single("b")
    assert hash(Single("a")) == hash(Single("a")) and Single("a") < Single("b")
    assert Empty() == Empty() and hash(Empty()) == hash(Empty()) and repr(Empty()) == "Empty()"
