"""Scalar schemas: text, names, integers, booleans, choices and durations, each read from the
YAML node *as written* (see :mod:`credlab.model.schema` for the containers and the decoder)."""

from __future__ import annotations

import re
from typing import Any

import yaml

from credlab.model.durations import PATTERN, parse_duration
from credlab.model.node import node
from credlab.model.schema import IDENTIFIER, INT_PATTERN, Decoder, Raw, Schema, did_you_mean, is_plain, kind_of


class _Scalar(Schema):
    def _decode(self, node: yaml.Node, d: Decoder) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            return d.error(node, f"expected {self.describe()}, got {kind_of(node)}")
        return self._scalar(node, d)

    def _scalar(self, node: yaml.ScalarNode, d: Decoder) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError


@node
class Text(_Scalar):
    """A string, read exactly as written (a plain ``yes`` or ``0123`` stays that text)."""

    doc: str = ""
    pattern: re.Pattern[str] | None = None
    hint: str = ""

    def _scalar(self, node: yaml.ScalarNode, d: Decoder) -> Any:
        if is_plain(node) and node.value in ("", "~", "null", "Null", "NULL"):
            return d.error(node, f"expected {self.describe()}, got nothing")
        if not node.value.strip():
            return d.error(node, f"expected {self.describe()}, got an empty string")
        if self.pattern is not None and not self.pattern.fullmatch(node.value):
            return d.error(node, f"'{node.value}' is not {self.describe()}{self.hint}")
        return node.value

    def describe(self) -> str:
        return "a name (lowercase letters, digits and _)" if self.pattern is IDENTIFIER else "a string"

    def json(self, defs: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "string"}
        if self.pattern is not None:
            out["pattern"] = f"^{self.pattern.pattern}$"
        return self._with_doc(out)


def Name(doc: str = "") -> Text:
    """An identifier: a name of something declared in the file."""
    return Text(doc=doc, pattern=IDENTIFIER)


@node
class Int(_Scalar):
    """A whole decimal number; YAML 1.1 spellings (``010`` octal, ``1_000``, ``0x10``) are refused."""

    doc: str = ""
    minimum: int | None = None
    maximum: int | None = None

    def _scalar(self, node: yaml.ScalarNode, d: Decoder) -> Any:
        if not is_plain(node):
            return d.error(node, f"expected a number, got the quoted string '{node.value}'; remove the quotes")
        if not INT_PATTERN.fullmatch(node.value):
            if re.fullmatch(r"-?0[0-9_]+", node.value):
                return d.error(
                    node, f"'{node.value}' would be read as octal by YAML 1.1; write it without the leading 0"
                )
            return d.error(node, f"expected a whole decimal number, got {kind_of(node)}")
        if len(node.value.lstrip("-")) > 15:
            return d.error(node, f"a {len(node.value)}-digit number is more than the largest allowed value")
        value = int(node.value)
        if self.minimum is not None and value < self.minimum:
            return d.error(node, f"{value} is less than the smallest allowed value, {self.minimum}")
        if self.maximum is not None and value > self.maximum:
            return d.error(node, f"{value} is more than the largest allowed value, {self.maximum}")
        return value

    def describe(self) -> str:
        return "a whole number"

    def json(self, defs: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "integer"}
        if self.minimum is not None:
            out["minimum"] = self.minimum
        if self.maximum is not None:
            out["maximum"] = self.maximum
        return self._with_doc(out)


@node
class Probability(_Scalar):
    """A chance: a decimal from 0 to 1 (``0.05``) or a percentage (``5%``)."""

    doc: str = ""

    def _scalar(self, node: yaml.ScalarNode, d: Decoder) -> Any:
        text = node.value.strip()
        percent = text.endswith("%")
        number = text.removesuffix("%").strip()
        if not is_plain(node) or not re.fullmatch(r"(?:0|[1-9][0-9]*)(?:\.[0-9]+)?|\.[0-9]+", number):
            return d.error(node, f"expected a chance such as 0.05 or 5%, got {kind_of(node)}")
        value = float(number) / (100 if percent else 1)
        if not 0 <= value <= 1:
            return d.error(node, f"{text} is not a chance: it must lie between 0 and 1 (0% and 100%)")
        return value

    def describe(self) -> str:
        return "a chance (0 to 1, or a percentage)"

    def json(self, defs: dict[str, Any]) -> dict[str, Any]:
        return self._with_doc({"type": ["number", "string"]})


@node
class Bool(_Scalar):
    """``true`` or ``false``; YAML 1.1's ``yes``/``no``/``on``/``off`` are refused, not guessed."""

    doc: str = ""

    def _scalar(self, node: yaml.ScalarNode, d: Decoder) -> Any:
        if is_plain(node) and node.value in ("true", "false"):
            return node.value == "true"
        return d.error(node, f"expected true or false, got {kind_of(node)} (YAML 1.1 would guess); write true or false")

    def describe(self) -> str:
        return "true or false"

    def json(self, defs: dict[str, Any]) -> dict[str, Any]:
        return self._with_doc({"type": "boolean"})


@node
class Choice(_Scalar):
    """One of a fixed set of words."""

    values: tuple[str, ...]
    doc: str = ""

    def _scalar(self, node: yaml.ScalarNode, d: Decoder) -> Any:
        if node.value in self.values:
            return node.value
        return d.error(
            node, f"{kind_of(node)} is not one of {', '.join(self.values)}{did_you_mean(node.value, self.values)}"
        )

    def describe(self) -> str:
        return "one of " + ", ".join(self.values)

    def json(self, defs: dict[str, Any]) -> dict[str, Any]:
        return self._with_doc({"enum": list(self.values)})


@node
class CharClass(_Scalar):
    """A character class: one of ``names``, or characters listed in brackets, ``"[!#$%]"`` (every
    character between the outer brackets, as written: ``"[]]"`` is the closing bracket)."""

    names: tuple[str, ...]
    doc: str = ""

    def _scalar(self, node: yaml.ScalarNode, d: Decoder) -> Any:
        value = node.value
        if value in self.names:
            return value
        if value.startswith("[") and value.endswith("]") and len(value) > 2:
            return value
        if value.startswith("["):
            return d.error(node, f"'{value}' is no set of characters: list them between [ and ], as in '[!#$%]'")
        return d.error(
            node,
            f"{kind_of(node)} is not one of {', '.join(self.names)} or a set of characters in brackets "
            f"such as '[!#$%]'{did_you_mean(value, self.names)}",
        )

    def describe(self) -> str:
        return "a character class"

    def json(self, defs: dict[str, Any]) -> dict[str, Any]:
        listed = {"type": "string", "pattern": "^\\[.+\\]$", "description": "characters in brackets: [!#$%]"}
        return self._with_doc({"anyOf": [{"enum": list(self.names)}, listed]})


@node
class DurationText(_Scalar):
    """A duration with units, such as ``5y``, ``2w``, ``2h``, ``30m``, ``1h59m``, ``90s``; decodes to seconds.

    With ``or_name``, a name (of a duration parameter) is accepted too and decodes to that name.
    """

    doc: str = ""
    or_name: bool = False

    def _scalar(self, node: yaml.ScalarNode, d: Decoder) -> Any:
        if self.or_name and IDENTIFIER.fullmatch(node.value):
            return node.value
        try:
            return parse_duration(node.value)
        except ValueError as error:
            return d.error(node, str(error))

    def describe(self) -> str:
        return "a duration such as 2h" + (" or a parameter name" if self.or_name else "")

    def json(self, defs: dict[str, Any]) -> dict[str, Any]:
        pattern = f"^{PATTERN}$"
        if self.or_name:
            pattern = f"{pattern}|^{IDENTIFIER.pattern}$"
        return self._with_doc({"type": "string", "pattern": pattern})


@node
class AnyScalar(_Scalar):
    """Any scalar, kept as written (:class:`Raw`); its type is decided later by what it feeds."""

    doc: str = ""

    def _scalar(self, node: yaml.ScalarNode, d: Decoder) -> Any:
        return Raw(node.value, is_plain(node))

    def describe(self) -> str:
        return "a value"

    def json(self, defs: dict[str, Any]) -> dict[str, Any]:
        return self._with_doc({"type": ["string", "boolean", "number"]})
