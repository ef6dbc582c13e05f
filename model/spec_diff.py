"""What changed in the text of a policy: two versions of a spec compared element by element.

A reviewer of a policy change wants "the reset link's lifetime went from 2h to 24h" and "the
postcard reset no longer clears the web password", not a line diff of YAML. Every declared
element has an identity (a state's name, a transition's id, an access rule's channel and
credential), so the two versions are matched by identity and each pair compared field by field,
ignoring where in the file it stands. A transition whose id changed and nothing else is a rename,
not a removal and an addition.

Each :class:`Change` keeps both locations (``old``, ``new``) so a report can point at both files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

from credlab.model import ir
from credlab.model.durations import format_duration
from credlab.model.errors import Location
from credlab.model.node import Node, node
from credlab.model.render import effect_text, guard_text

ChangeKind = Literal["added", "removed", "changed", "renamed"]

IGNORED = frozenset({"loc"})
"""Fields that say where an element is written, not what it says."""


@node
class Change:
    """One element added, removed, changed (``fields`` say which parts) or renamed (``was``)."""

    kind: ChangeKind
    element: str
    """What sort of element: ``transition``, ``state``, ``parameter``, ``policy`` …"""
    name: str
    """Its identity in the new version (in the old one for a removal)."""
    old: Location | None
    new: Location | None
    fields: tuple[str, ...] = ()
    details: tuple[str, ...] = ()
    """For a change, one line per changed field: ``default: 2h → 24h``."""
    was: str | None = None
    """For a rename, the old identity."""

    def __str__(self) -> str:
        what = f"{self.element} {self.name}"
        match self.kind:
            case "renamed":
                return f"{self.element} {self.was} renamed {self.name}"
            case "changed":
                return f"{what} changed: " + "; ".join(self.details or self.fields)
            case _:
                return f"{what} {self.kind}"


def content(value: Any) -> Any:
    """``value`` without its locations, comparable across files (nodes, tuples and mappings in it too)."""
    if isinstance(value, Node):
        return (type(value).__name__, *[content(getattr(value, f)) for f in value._fields if f not in IGNORED])
    if isinstance(value, tuple):
        return tuple(content(v) for v in value)
    if isinstance(value, Mapping):
        return tuple((k, content(v)) for k, v in value.items())
    return value


def _shown(field: str, value: Any) -> str:
    """A field's value as a reviewer reads it."""
    if field in {"guards", "when"} and value:
        guards = value if isinstance(value, tuple) else (value,)
        return " and ".join(guard_text(g) for g in guards)
    if field == "effects":
        return ", ".join(effect_text(e) for e in value) or "nothing"
    if field in {"default", "duration"} and isinstance(value, int) and not isinstance(value, bool):
        return format_duration(value)
    if field == "delay" and isinstance(value, tuple):
        return " to ".join(format_duration(v) if isinstance(v, int) else str(v) for v in value)
    if isinstance(value, tuple):
        return "[" + ", ".join(_shown(field, v) for v in value) + "]"
    if isinstance(value, Node):
        return str(content(value))
    text = "none" if value is None else str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _detail(field: str, was: Any, now: Any) -> str:
    """``effects: − clear web_password`` for lists that lost or gained items, else ``old → new``."""
    if isinstance(was, tuple) and isinstance(now, tuple) and was and now:
        theirs, mine = [content(v) for v in now], [content(v) for v in was]
        removed = [v for v, c in zip(was, mine, strict=True) if c not in theirs]
        added = [v for v, c in zip(now, theirs, strict=True) if c not in mine]
        if not removed and not added:
            return f"{field}: reordered"
        parts = [f"− {_shown(field, (v,)).strip('[]')}" for v in removed]
        parts += [f"+ {_shown(field, (v,)).strip('[]')}" for v in added]
        return f"{field}: {', '.join(parts)}"
    return f"{field}: {_shown(field, was)} → {_shown(field, now)}"


def _compare(element: str, name: str, old: Any, new: Any) -> Change | None:
    changed = [f for f in old._fields if f not in IGNORED and content(getattr(old, f)) != content(getattr(new, f))]
    if not changed:
        return None
    details = tuple(_detail(f, getattr(old, f), getattr(new, f)) for f in changed)
    return Change("changed", element, name, _loc(old), _loc(new), tuple(changed), details)


def _loc(value: Any) -> Location | None:
    loc = getattr(value, "loc", None)
    return loc if isinstance(loc, Location) else None


def _keyed(items: Iterable[Any], key: Callable[[Any], str]) -> dict[str, Any]:
    """Elements by identity; a second element with the same identity is told apart by its number."""
    found: dict[str, Any] = {}
    for item in items:
        name, n = key(item), 2
        while (unique := name if n == 2 else f"{name}#{n - 1}") in found:
            n += 1
        found[unique] = item
    return found


def _family(element: str, old: Mapping[str, Any], new: Mapping[str, Any], renames: bool) -> list[Change]:
    changes: list[Change] = []
    removed = [k for k in old if k not in new]
    added = [k for k in new if k not in old]
    if renames:  # the same content under another identity: a rename (first match, in file order)
        for was in list(removed):
            body = content(old[was])[2:]  # past the type and the identity
            match = next((k for k in added if content(new[k])[2:] == body), None)
            if match is not None:
                removed.remove(was)
                added.remove(match)
                changes.append(Change("renamed", element, match, _loc(old[was]), _loc(new[match]), was=was))
    changes += [Change("removed", element, k, _loc(old[k]), None) for k in removed]
    changes += [Change("added", element, k, None, _loc(new[k])) for k in added]
    for k in old:
        if k in new and (change := _compare(element, k, old[k], new[k])) is not None:
            changes.append(change)
    return changes


def _access_key(rule: ir.AccessRule) -> str:
    return f"{rule.channel}/{rule.credential}"


FAMILIES: tuple[tuple[str, Callable[[ir.Spec], Mapping[str, Any]], bool], ...] = (
    ("quote", lambda s: s.sources, False),
    ("assumption", lambda s: s.assumptions, False),
    ("parameter", lambda s: s.parameters, False),
    ("policy", lambda s: s.policies, False),
    ("credential", lambda s: s.credentials, False),
    ("channel", lambda s: s.channels, False),
    ("access rule", lambda s: _keyed(s.access, _access_key), False),
    ("actor", lambda s: s.actors, False),
    ("flag", lambda s: s.flags, False),
    ("counter", lambda s: s.counters, False),
    ("deadline", lambda s: s.deadlines, False),
    ("message", lambda s: s.messages, False),
    ("state", lambda s: s.states, False),
    ("event", lambda s: s.events, False),
    ("transition", lambda s: _keyed(s.transitions, lambda t: t.id), True),
    ("invariant", lambda s: _keyed(s.invariants, lambda i: i.id), True),
    ("accepted finding", lambda s: _keyed(s.accepted_findings, lambda f: f"{f.kind}/{f.channel or '*'}"), False),
)
"""Every kind of declared element, how to find each by identity, and whether renames are looked for
(elements nothing else names by identity; a state or a credential is named all over a spec, so
renaming one changes every element that names it and shows as those changes)."""


def structural_changes(old: ir.Spec, new: ir.Spec) -> tuple[Change, ...]:
    """Every element added, removed, changed or renamed from ``old`` to ``new``, family by family
    in the order of :data:`FAMILIES`, then the spec's own fields (its title, its initial states)."""
    changes: list[Change] = []
    for element, elements, renames in FAMILIES:
        changes += _family(element, elements(old), elements(new), renames)
    for name in [*old.capabilities, *(n for n in new.capabilities if n not in old.capabilities)]:
        was, now = old.capabilities.get(name), new.capabilities.get(name)
        if was is None or now is None:
            changes.append(Change("added" if was is None else "removed", "capability", name, None, None))
        elif was != now:
            changes.append(Change("changed", "capability", name, None, None, ("text",), (f"text: {was} → {now}",)))
    for field in ("title", "description", "initial"):
        was, now = getattr(old, field), getattr(new, field)
        if content(was) != content(now):
            detail = f"{field}: {_shown(field, was)} → {_shown(field, now)}"
            changes.append(Change("changed", "spec", new.name, None, None, (field,), (detail,)))
    return tuple(changes)
