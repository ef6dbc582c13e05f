"""The IR of password and PIN policies: each rule's check, severity and message (re-exported by
:mod:`credlab.model.ir`, where the rest of a spec's IR lives)."""

from __future__ import annotations

from typing import Literal

from credlab.model.errors import Location
from credlab.model.node import node

Severity = Literal["reject", "advise"]
CredentialKind = Literal["password", "pin"]
_NOWHERE = Location("<builtin>")


@node
class LengthCheck:
    minimum: int
    maximum: int | None
    """None: no upper bound."""


@node
class AlphabetCheck:
    classes: tuple[str, ...]


@node
class MustIncludeCheck:
    """At least one character of each class (a class is a name, or characters in brackets)."""

    classes: tuple[str, ...]


@node
class MustIncludeOneOfCheck:
    """At least one character of any of the classes (their union)."""

    classes: tuple[str, ...]


@node
class AvoidPersonalInfoCheck:
    fields: tuple[str, ...]


@node
class NotUsedElsewhereCheck:
    pass


@node
class NotInListCheck:
    values: frozenset[str]


@node
class PrintableCheck:
    pass


@node
class MaxConsecutiveCheck:
    """No character repeated more than ``count`` times in a row (``aaa`` is a run of 3)."""

    count: int


RuleCheck = (
    LengthCheck
    | AlphabetCheck
    | MustIncludeCheck
    | MustIncludeOneOfCheck
    | AvoidPersonalInfoCheck
    | NotUsedElsewhereCheck
    | NotInListCheck
    | PrintableCheck
    | MaxConsecutiveCheck
)


@node
class PolicyRule:
    id: str
    severity: Severity
    check: RuleCheck
    message: str
    sources: tuple[str, ...] = ()
    assumes: tuple[str, ...] = ()
    loc: Location = _NOWHERE


@node
class Policy:
    name: str
    kind: CredentialKind
    rules: tuple[PolicyRule, ...]
    description: str = ""
    loc: Location = _NOWHERE
