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
    maximum: int


@node
class AlphabetCheck:
    classes: tuple[str, ...]


@node
class MustIncludeCheck:
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


RuleCheck = (
    LengthCheck
    | AlphabetCheck
    | MustIncludeCheck
    | AvoidPersonalInfoCheck
    | NotUsedElsewhereCheck
    | NotInListCheck
    | PrintableCheck
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
