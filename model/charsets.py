"""Characters as a password policy sees them: a few named sets, and the rest of Unicode, counted.

A password is text: a string of Unicode scalar values (every code point but the surrogates,
1,112,064 of them; a lone surrogate cannot be written in UTF-8, so it is no password). A policy's
rules only ever ask two things of a character: is it in a named set (a class such as
``ascii_digit``), and is it printable (its Unicode category is not ``C*``: control, format,
unassigned, private use). So the space is cut into **atoms**, characters no rule can tell apart:
counting multiplies by an atom's size, and a witness takes an atom's most readable member.

Every ASCII character is named on its own (so witnesses prefer ``a``, ``A``, ``0`` to anything
else); the characters beyond ASCII that no set names form two atoms, printable and not, whose
sizes come from the running Python's Unicode database (``unicodedata.unidata_version``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, cached_property

from credlab.model.spec_schema_parts import ANY_CHARACTER, CHAR_CLASSES

SURROGATES = range(0xD800, 0xE000)
SCALARS = 0x110000 - len(SURROGATES)
ASCII = frozenset(chr(c) for c in range(128))

CharSet = frozenset[str] | None
"""A set of characters a rule names; ``None`` is every character."""

_WORDS = {
    "ascii_upper": "an uppercase letter A–Z",
    "ascii_lower": "a lowercase letter a–z",
    "ascii_letter": "a letter A–Z or a–z",
    "ascii_digit": "a digit 0–9",
    "ascii_symbol": "an ASCII symbol",
    "ascii_space": "a space",
    "ascii_printable": "a printable ASCII character",
    ANY_CHARACTER: "any character",
}


def class_chars(name: str) -> CharSet:
    """The characters of a class a rule names: a named class, ``unicode`` (every character,
    ``None``), or the characters listed between brackets (``"[!#$]"``)."""
    if name == ANY_CHARACTER:
        return None
    if name.startswith("[") and name.endswith("]"):
        return frozenset(name[1:-1])
    return frozenset(CHAR_CLASSES[name])


def union(names: Iterable[str]) -> CharSet:
    sets = [class_chars(n) for n in names]
    return None if any(s is None for s in sets) else frozenset().union(*(s for s in sets if s is not None))


def class_words(name: str) -> str:
    """The class in words, for messages: ``a digit 0–9``, ``one of the characters [!#$]``."""
    return _WORDS.get(name) or f"one of the characters {name}"


def is_printable(char: str) -> bool:
    """What :class:`~credlab.model.ir.PrintableCheck` asks: the category is not control, format,
    surrogate, private use or unassigned."""
    return unicodedata.category(char)[0] != "C"


def preference(char: str) -> tuple[int, int]:
    """Order for witnesses: lowercase, uppercase, digits, ASCII symbols, space, other printable
    characters (a few readable letters first), and the unprintable last; within each, by code point."""
    code = ord(char)
    if code >= 0x80:
        printable = is_printable(char)
        samples = PRINTABLE_SAMPLES if printable else UNPRINTABLE_SAMPLES
        rank = samples.find(char)
        return (5 if printable else 6), (rank if rank >= 0 else len(samples) + code)
    if "a" <= char <= "z":
        group = 0
    elif "A" <= char <= "Z":
        group = 1
    elif "0" <= char <= "9":
        group = 2
    elif char == " ":
        group = 4
    elif 0x21 <= code < 0x7F:
        group = 3
    else:
        group = 6
    return group, code


@cache
def _unicode_unprintable() -> int:
    """How many scalar values are not printable (about a million: mostly unassigned)."""
    return sum(1 for c in range(0x110000) if c not in SURROGATES and not is_printable(chr(c)))


@dataclass(frozen=True)
class Atom:
    """Characters no rule in play can tell apart: ``members`` lists them all (a named atom, or
    the rest of a small test universe), or readable samples of the rest of Unicode."""

    index: int
    printable: bool
    members: tuple[str, ...]
    named: bool
    listed_all: bool = True
    """Whether ``members`` are all of it (False only for the rest of Unicode)."""
    excluded: frozenset[str] = frozenset()
    """For the rest of Unicode: the named characters (members of other atoms)."""

    @cached_property
    def size(self) -> int:
        """How many characters it holds (for the rest of Unicode, counted on first use: a scan of
        the Unicode database that only counting needs)."""
        if self.listed_all:
            return len(self.members)
        outside = sum(1 for c in self.excluded if ord(c) >= 128 and is_printable(c) == self.printable)
        unprintable = _unicode_unprintable()
        return (SCALARS - unprintable - 95 if self.printable else unprintable - 33) - outside

    @property
    def several(self) -> bool:
        return not self.listed_all or len(self.members) > 1

    def chars(self) -> Iterator[str]:
        """Members in witness order; for the rest of Unicode, samples first, then by code point."""
        yield from self.members
        if self.listed_all:
            return
        seen = set(PRINTABLE_SAMPLES if self.printable else UNPRINTABLE_SAMPLES)
        for code in range(0x80, 0x110000):
            char = chr(code)
            fits = code not in SURROGATES and char not in seen and char not in self.excluded
            if fits and is_printable(char) == self.printable:
                yield char


class Universe:
    """The characters a password may hold: every Unicode scalar value, or (for tests that count
    by brute force) exactly ``chars``."""

    def __init__(self, chars: Iterable[str] | None = None) -> None:
        self.chars: frozenset[str] | None = None if chars is None else frozenset(chars)
        self._folding: dict[str, tuple[str, ...]] | None = None

    def folds_to(self, piece: str) -> tuple[str, ...]:
        """The characters whose case folding is ``piece`` (``k``: ``k``, ``K`` and the Kelvin sign;
        ``ss``: ``ß``), in witness order: what a list that ignores case also refuses."""
        if self._folding is None:
            self._folding = _changed_by_folding(None if self.chars is None else tuple(sorted(self.chars)))
        itself = len(piece) == 1 and piece.casefold() == piece and (self.chars is None or piece in self.chars)
        if not itself:
            return self._folding.get(piece, ())
        return tuple(sorted((piece, *self._folding.get(piece, ())), key=preference))

    def atoms(self, sets: Iterable[CharSet]) -> tuple[list[Atom], dict[str, int]]:
        """The atoms that ``sets`` (and printability) cut this universe into, in witness order
        of their best member, and each named character's atom."""
        named_sets = [s for s in dict.fromkeys(sets) if s is not None]
        named = frozenset().union(*named_sets) | ASCII
        named = named if self.chars is None else named & self.chars
        groups: dict[tuple[bool, ...], list[str]] = {}
        for char in sorted(named, key=preference):
            signature = (is_printable(char), *(char in s for s in named_sets))
            groups.setdefault(signature, []).append(char)
        atoms: list[Atom] = []
        found: dict[str, int] = {}
        for signature, members in groups.items():
            for char in members:
                found[char] = len(atoms)
            atoms.append(Atom(len(atoms), signature[0], tuple(members), True))
        for printable in (True, False):
            if self.chars is None:
                samples = tuple(c for c in (PRINTABLE_SAMPLES if printable else UNPRINTABLE_SAMPLES) if c not in named)
                atoms.append(Atom(len(atoms), printable, samples, False, False, named))
                continue
            rest = sorted((c for c in self.chars - named if is_printable(c) == printable), key=preference)
            if rest:
                atoms.append(Atom(len(atoms), printable, tuple(rest), False))
        return atoms, found


@cache
def _changed_by_folding(chars: tuple[str, ...] | None) -> dict[str, tuple[str, ...]]:
    """Case-folded forms, each with the characters that fold to it but are not it (a few thousand)."""
    every = (chr(c) for c in range(0x110000) if c not in SURROGATES) if chars is None else iter(chars)
    found: dict[str, list[str]] = {}
    for char in every:
        folded = char.casefold()
        if folded != char:
            found.setdefault(folded, []).append(char)
    return {piece: tuple(sorted(members, key=preference)) for piece, members in found.items()}


PRINTABLE_SAMPLES = "éüñßøÅÇΩЖあ中"
"""Readable characters beyond ASCII, offered first where a witness needs one."""
UNPRINTABLE_SAMPLES = "\u0080\u00ad\u200b\ue000"
"""Characters beyond ASCII that are not printable: a C1 control, a soft hyphen, a zero-width
space, a private-use character."""


def belongs(char: str, chars: CharSet) -> bool:
    return chars is None or char in chars
