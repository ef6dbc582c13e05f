"""``@node``: small immutable value classes that cost next to nothing to define.

Why not ``@dataclass(frozen=True, slots=True)``? On Python 3.11 it generates each class's
methods with ``exec`` at import time, about 0.5 ms a class: the IR's fifty classes would cost
a quarter of ``credlab validate``'s whole budget (see ``benchmarks/bench_validate.py``).
``@node`` keeps the same contract — typed fields with defaults, ``__slots__``, immutability,
value equality and hashing, ordering, a readable ``repr``, ``__match_args__`` for ``match`` —
with methods shared by every node instead of generated per class. Type checkers read it as a
frozen dataclass (PEP 681).
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any, ClassVar, TypeVar, dataclass_transform

T = TypeVar("T")
_set = object.__setattr__


class Node:
    """Base of ``@node`` classes: generic methods driven by the class's ``_fields``."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[dict[str, Any]] = {}

    @staticmethod
    def _get(value: Any) -> tuple[Any, ...]:
        """The field values of ``value``, in order (each ``@node`` class has its own, see ``_getter``)."""
        return ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fields = self._fields
        if not kwargs and len(args) == len(fields):  # the engine's hot path: every field positional
            for name, value in zip(fields, args, strict=True):
                _set(self, name, value)
            return
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__}() takes {len(fields)} arguments, got {len(args)}")
        for name, value in zip(fields, args, strict=False):
            if name in kwargs:
                raise TypeError(f"{type(self).__name__}() got '{name}' twice")
            _set(self, name, value)
        for name in fields[len(args) :]:
            if name in kwargs:
                value = kwargs.pop(name)
            elif name in self._defaults:
                value = self._defaults[name]
            else:
                raise TypeError(f"{type(self).__name__}() is missing '{name}'")
            _set(self, name, value)
        if len(kwargs) > len(set(kwargs) & set(fields[: len(args)])):
            unknown = ", ".join(sorted(set(kwargs) - set(fields)))
            raise TypeError(f"{type(self).__name__}() got unexpected argument(s): {unknown}")

    def _values(self) -> tuple[Any, ...]:
        return self._get(self)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; build a new one")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Node)
        return self._values() == other._values()

    def __lt__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Node)
        return bool(self._values() < other._values())

    def __hash__(self) -> int:
        return hash((type(self).__qualname__, self._values()))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__name__}({shown})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), self._values())


def _getter(fields: tuple[str, ...]) -> staticmethod[[Any], tuple[Any, ...]]:
    """All of a node's field values as a tuple, read in C (``attrgetter`` of one name gives no tuple)."""
    if len(fields) > 1:
        return staticmethod(attrgetter(*fields))
    if fields:
        one = attrgetter(fields[0])
        return staticmethod(lambda value: (one(value),))
    return staticmethod(lambda value: ())


@dataclass_transform(frozen_default=True, eq_default=True, order_default=False)
def node(cls: type[T]) -> type[T]:
    """Turn a class of annotated fields (with optional defaults) into an immutable value class."""
    own = cls.__dict__
    annotations = own.get("__annotations__", {})
    fields = tuple(name for name, kind in annotations.items() if not str(kind).startswith(("ClassVar", "typing.")))
    defaults = {name: own[name] for name in fields if name in own}
    namespace = {
        key: value for key, value in own.items() if key not in fields and key not in ("__dict__", "__weakref__")
    }
    namespace.update(__slots__=fields, _fields=fields, _defaults=defaults, __match_args__=fields, _get=_getter(fields))
    bases = tuple(base for base in cls.__bases__ if base is not object) or (Node,)
    if not any(issubclass(base, Node) for base in bases):
        bases = (*bases, Node)
    made: type[T] = type(cls.__name__, bases, namespace)
    return made


def replace(value: T, **changes: Any) -> T:
    """A copy of the ``@node`` ``value`` with some fields changed (like ``dataclasses.replace``)."""
    assert isinstance(value, Node)
    unknown = set(changes) - set(value._fields)
    if unknown:
        raise TypeError(f"{type(value).__name__} has no field(s) {', '.join(sorted(unknown))}")
    made: T = type(value)(*(changes[name] if name in changes else getattr(value, name) for name in value._fields))
    return made
