"""A small schema language for credlab's YAML files: one definition gives both the decoder
(YAML nodes → located values, with every problem reported) and the JSON Schema editors use.

Why not construct with PyYAML and validate afterwards? Because YAML 1.1 silently changes values
(``0123`` → 83, ``yes`` → True, ``2:00`` → 120, ``2024-01-01`` → a date). Decoding from the
node tree lets each field read the scalar *as written* or refuse it with "quote this value".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import yaml

from credlab.model.errors import Location, Problems
from credlab.model.node import node
from credlab.model.yamlsrc import location_of

IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")
MAX_DEPTH = 48
_STANDARD_TAGS = {
    "tag:yaml.org,2002:" + name for name in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
}
INT_PATTERN = re.compile(r"-?(?:0|[1-9][0-9]*)")


class Invalid:
    """The value of something that failed to decode (its problem is already recorded)."""

    def __repr__(self) -> str:
        return "INVALID"


INVALID: Any = Invalid()


class Obj(dict[str, Any]):
    """A decoded mapping that remembers where it and each of its keys and values stand.

    Positions are kept as YAML marks and made :class:`Location` values when asked for: a spec
    has thousands of keys, and most positions are never shown."""

    def __init__(self, loc: Location | None = None, *, path: str = "", mark: yaml.Mark | None = None) -> None:
        super().__init__()
        self._loc, self._path, self._mark = loc, path, mark
        self._marks: dict[str, tuple[yaml.Mark, yaml.Mark]] = {}

    @property
    def loc(self) -> Location:
        """Where the mapping stands (made when first asked for)."""
        if self._loc is None:
            self._loc = location_of(self._path, self._mark)
        return self._loc

    @property
    def path(self) -> str:
        return self._path if self._loc is None else self._loc.path

    def place(self, key: str, key_node: yaml.Node, value_node: yaml.Node) -> None:
        self._marks[key] = (key_node.start_mark, value_node.start_mark)

    def at(self, key: str) -> Location:
        """Where the value of ``key`` stands (the mapping itself when the key is absent)."""
        marks = self._marks.get(key)
        return location_of(self.path, marks[1]) if marks is not None else self.loc

    def key_at(self, key: str) -> Location:
        """Where ``key`` itself stands (the mapping itself when the key is absent)."""
        marks = self._marks.get(key)
        return location_of(self.path, marks[0]) if marks is not None else self.loc


class Seq(list[Any]):
    """A decoded sequence that remembers where each item stands (as marks, like :class:`Obj`)."""

    def __init__(self, loc: Location) -> None:
        super().__init__()
        self.loc = loc
        self._marks: list[yaml.Mark] = []

    def place(self, node: yaml.Node) -> None:
        self._marks.append(node.start_mark)

    @property
    def item_locs(self) -> list[Location]:
        """Where each item stands, in order."""
        return [location_of(self.loc.path, mark) for mark in self._marks]


def items_of(value: Any) -> list[Any]:
    """The items of a decoded sequence; nothing for anything else (its problem is recorded)."""
    return list(value) if isinstance(value, Seq) else []


def records_of(obj: Any) -> list[tuple[str, Obj]]:
    """(name, record) pairs of a decoded name → record mapping, skipping failed records."""
    if not isinstance(obj, Obj):
        return []
    return [(k, v) for k, v in obj.items() if isinstance(v, Obj)]


def strings_of(value: Any) -> tuple[str, ...]:
    return tuple(v for v in items_of(value) if isinstance(v, str))


@node
class Tag:
    """One variant of a :class:`Tagged` union: ``{kind: value}``."""

    kind: str
    value: Any
    loc: Location
    value_loc: Location


def is_plain(node: yaml.ScalarNode) -> bool:
    """Whether the scalar was written without quotes (libyaml says '', pure PyYAML None)."""
    return not node.style


class Decoder:
    """Decoding state for one file: where problems go, and which nodes were already seen."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems = Problems()
        self._seen: set[int] = set()
        self.depth = 0

    def loc(self, node: yaml.Node) -> Location:
        return location_of(self.path, node.start_mark)

    def error(self, node: yaml.Node | Location, message: str) -> Any:
        where = node if isinstance(node, Location) else self.loc(node)
        self.problems.add(where, message)
        return INVALID

    def enter(self, node: yaml.Node) -> bool:
        """Check a node before decoding it: no aliases, no foreign tags, bounded depth."""
        if id(node) in self._seen:
            self.error(node, "anchors and aliases (&name / *name) are not allowed; write the value out")
            return False
        self._seen.add(id(node))
        if node.tag not in _STANDARD_TAGS:
            self.error(node, f"the YAML tag '{node.tag.replace('tag:yaml.org,2002:', '!!')}' is not allowed; remove it")
            return False
        if self.depth > MAX_DEPTH:
            self.error(node, f"nesting is deeper than {MAX_DEPTH} levels")
            return False
        return True


def kind_of(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return f"'{node.value}'" if node.value != "" else "nothing"


class Schema:
    """Base of all schema nodes."""

    doc: str = ""

    def decode(self, node: yaml.Node, d: Decoder) -> Any:
        seen = d._seen
        if id(node) in seen or node.tag not in _STANDARD_TAGS or d.depth > MAX_DEPTH:
            d.enter(node)  # says which of them it is
            return INVALID
        seen.add(id(node))  # the checks of Decoder.enter, inline: this runs for every node of every file
        d.depth += 1
        try:
            return self._decode(node, d)
        finally:
            d.depth -= 1

    def _decode(self, node: yaml.Node, d: Decoder) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def json(self, defs: dict[str, Any]) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> str:
        return "a value"

    def _with_doc(self, out: dict[str, Any]) -> dict[str, Any]:
        if self.doc:
            out["description"] = self.doc
        return out


@node
class ListOf(Schema):
    """A YAML list; a single item may not stand in for a list of one (no guessing)."""

    item: Schema
    doc: str = ""
    min_items: int = 0

    def _decode(self, node: yaml.Node, d: Decoder) -> Any:
        if not isinstance(node, yaml.SequenceNode):
            return d.error(node, f"expected a list of {self.item.describe()}, got {kind_of(node)}")
        out = Seq(d.loc(node))
        for child in node.value:
            out.append(self.item.decode(child, d))
            out.place(child)
        if len(out) < self.min_items:
            d.error(node, f"expected at least {self.min_items} item(s)")
        return out

    def describe(self) -> str:
        return "a list"

    def json(self, defs: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "array", "items": self.item.json(defs)}
        if self.min_items:
            out["minItems"] = self.min_items
        return self._with_doc(out)


def closest(word: str, choices: Any) -> str | None:
    """The choice most like ``word`` (a likely typo), if any is close."""
    import difflib  # only a misspelling pays for it

    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, choices: Any) -> str:
    """`` (did you mean 'x'?)`` for a likely typo of a choice, else an empty string."""
    match = closest(word, choices)
    return f" (did you mean '{match}'?)" if match else ""


def _mapping_items(node: yaml.MappingNode, d: Decoder) -> list[tuple[str, yaml.ScalarNode, yaml.Node]]:
    """The (key, key node, value node) triples of a mapping; bad and duplicate keys are problems."""
    items: list[tuple[str, yaml.ScalarNode, yaml.Node]] = []
    first: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            d.error(key_node, "merge keys (<<) are not allowed; write the keys out")
            continue
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _STANDARD_TAGS:
            d.error(key_node, "a key must be a plain name")
            continue
        key = key_node.value
        if key in first:
            line = first[key].start_mark.line + 1
            d.error(key_node, f"duplicate key '{key}' (first given on line {line})")
            continue
        first[key] = key_node
        items.append((key, key_node, value_node))
    return items


@node
class Field:
    """A key of a :class:`Record`."""

    schema: Schema
    required: bool = False
    doc: str = ""


@node
class Record(Schema):
    """A mapping with a fixed set of keys; unknown keys are refused with a suggestion."""

    name: str
    fields: Mapping[str, Field]
    doc: str = ""

    def _decode(self, node: yaml.Node, d: Decoder) -> Any:
        if not isinstance(node, yaml.MappingNode):
            return d.error(node, f"expected {self.describe()}, got {kind_of(node)}")
        out = Obj(path=d.path, mark=node.start_mark)
        suggested: set[str] = set()
        for key, key_node, value_node in _mapping_items(node, d):
            spec = self.fields.get(key)
            if spec is None:
                suggested.add(closest(key, self.fields) or "")
                d.error(key_node, f"unknown key '{key}' in {self.name}{did_you_mean(key, self.fields)}")
                continue
            out.place(key, key_node, value_node)
            out[key] = spec.schema.decode(value_node, d)
        for key, spec in self.fields.items():
            if spec.required and key not in out and key not in _keys_seen(node) and key not in suggested:
                d.error(node, f"{self.name} is missing the required key '{key}'")
        return out

    def describe(self) -> str:
        return f"a mapping ({self.name})"

    def json(self, defs: dict[str, Any]) -> dict[str, Any]:
        if self.name not in defs:
            defs[self.name] = {}
            body: dict[str, Any] = {
                "type": "object",
                "additionalProperties": False,
                "properties": {key: _field_json(spec, defs) for key, spec in self.fields.items()},
            }
            required = [key for key, spec in self.fields.items() if spec.required]
            if required:
                body["required"] = required
            defs[self.name] = self._with_doc(body)
        return {"$ref": f"#/$defs/{self.name}"}


def _keys_seen(node: yaml.MappingNode) -> set[str]:
    return {k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)}


def _field_json(spec: Field, defs: dict[str, Any]) -> dict[str, Any]:
    out = spec.schema.json(defs)
    if spec.doc:
        out = {"allOf": [out], "description": spec.doc} if "$ref" in out else {**out, "description": spec.doc}
    return out


@node
class MapOf(Schema):
    """A mapping from names (declared by this file) to values, in file order."""

    value: Schema
    doc: str = ""
    what: str = "name"

    def _decode(self, node: yaml.Node, d: Decoder) -> Any:
        if not isinstance(node, yaml.MappingNode):
            return d.error(node, f"expected a mapping of {self.what}s, got {kind_of(node)}")
        out = Obj(path=d.path, mark=node.start_mark)
        for key, key_node, value_node in _mapping_items(node, d):
            if not IDENTIFIER.fullmatch(key):
                d.error(key_node, f"'{key}' is not a valid {self.what}: use lowercase letters, digits and _")
                continue
            out.place(key, key_node, value_node)
            out[key] = self.value.decode(value_node, d)
        return out

    def describe(self) -> str:
        return f"a mapping of {self.what}s"

    def json(self, defs: dict[str, Any]) -> dict[str, Any]:
        return self._with_doc(
            {
                "type": "object",
                "propertyNames": {"pattern": f"^{IDENTIFIER.pattern}$"},
                "additionalProperties": self.value.json(defs),
            }
        )


@node
class Tagged(Schema):
    """A union written as a one-key mapping, ``{kind: value}``: the key names the variant."""

    name: str
    variants: Mapping[str, Schema]
    doc: str = ""

    def _decode(self, node: yaml.Node, d: Decoder) -> Any:
        if not isinstance(node, yaml.MappingNode) or len(node.value) != 1:
            return d.error(
                node, f"expected one of {self.describe_variants()} as a one-key mapping, got {kind_of(node)}"
            )
        items = _mapping_items(node, d)
        if not items:
            return INVALID
        kind, key_node, value_node = items[0]
        schema = self.variants.get(kind)
        if schema is None:
            return d.error(
                key_node,
                f"unknown {self.name} '{kind}'{did_you_mean(kind, self.variants)}; "
                f"expected one of {self.describe_variants()}",
            )
        return Tag(kind, schema.decode(value_node, d), d.loc(node), d.loc(value_node))

    def describe(self) -> str:
        return f"a {self.name}"

    def describe_variants(self) -> str:
        return ", ".join(self.variants)

    def json(self, defs: dict[str, Any]) -> dict[str, Any]:
        if self.name not in defs:
            defs[self.name] = {}
            defs[self.name] = self._with_doc(
                {
                    "oneOf": [
                        {
                            "type": "object",
                            "additionalProperties": False,
                            "required": [kind],
                            "properties": {kind: schema.json(defs)},
                        }
                        for kind, schema in self.variants.items()
                    ]
                }
            )
        return {"$ref": f"#/$defs/{self.name}"}


@node
class Lazy(Schema):
    """A forward reference, for recursive definitions (a guard inside ``not:``)."""

    target: Callable[[], Schema]

    def decode(self, node: yaml.Node, d: Decoder) -> Any:
        return self.target().decode(node, d)

    def describe(self) -> str:
        return self.target().describe()

    def json(self, defs: dict[str, Any]) -> dict[str, Any]:
        return self.target().json(defs)


@node
class OneOrMany(Schema):
    """A single value or a list of them (``from: a`` or ``from: [a, b]``); decodes to a list."""

    item: Schema
    doc: str = ""

    def _decode(self, node: yaml.Node, d: Decoder) -> Any:
        if isinstance(node, yaml.SequenceNode):
            d.depth -= 1  # the list is only a wrapper; do not count it twice
            try:
                return ListOf(self.item, min_items=1)._decode(node, d)
            finally:
                d.depth += 1
        out = Seq(d.loc(node))
        out.append(self.item._decode(node, d))
        out.place(node)
        return out

    def describe(self) -> str:
        return f"{self.item.describe()} or a list of them"

    def json(self, defs: dict[str, Any]) -> dict[str, Any]:
        one = self.item.json(defs)
        return self._with_doc({"anyOf": [one, {"type": "array", "items": one, "minItems": 1}]})


@node
class Raw:
    """A scalar as written: its text and whether it was unquoted (for later, typed reading)."""

    text: str
    plain: bool


@node
class Either(Schema):
    """A scalar or a mapping, each with its own schema (``0123`` or ``{mailed: amc_pin}``)."""

    scalar: Schema
    mapping: Schema
    doc: str = ""

    def decode(self, node: yaml.Node, d: Decoder) -> Any:
        return (self.mapping if isinstance(node, yaml.MappingNode) else self.scalar).decode(node, d)

    def describe(self) -> str:
        return f"{self.scalar.describe()} or {self.mapping.describe()}"

    def json(self, defs: dict[str, Any]) -> dict[str, Any]:
        return self._with_doc({"anyOf": [self.scalar.json(defs), self.mapping.json(defs)]})


def json_schema(root: Schema, *, title: str, schema_id: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) equivalent of ``root``."""
    defs: dict[str, Any] = {}
    top = root.json(defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": schema_id,
        "title": title,
        **top,
        "$defs": dict(sorted(defs.items())),
    }
