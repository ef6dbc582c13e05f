"""What a policy's enforced rules allow, decided exactly rather than by drawing at random.

Only ``reject`` rules that need no outside facts count (what :func:`~credlab.model.policy.enforced_ok`
checks): lengths, alphabets, printability, required character classes and listed values. The
question "does anything pass?" is answered by reasoning about those sets, and the answer comes
with a reason a spec's author can act on, or with a witness: a shortest value that passes.
"""

from __future__ import annotations

from itertools import combinations, product

from credlab.model import ir
from credlab.model.node import node
from credlab.model.spec_schema import CHAR_CLASSES

DEFAULT_ALPHABET = CHAR_CLASSES["ascii_letter"] + CHAR_CLASSES["ascii_digit"]
"""What fills a value when no rule names an alphabet: printable, and in no way special."""


@node
class Space:
    """The enforced rules of one policy, gathered: allowed lengths, allowed characters (``None``:
    any), the character sets a value must each include, and the listed (refused) values."""

    minimum: int
    maximum: int
    alphabet: frozenset[str] | None
    printable_only: bool
    required: tuple[tuple[str, frozenset[str]], ...]
    listed: frozenset[str]

    def usable(self, chars: frozenset[str]) -> frozenset[str]:
        """``chars`` less what the alphabet excludes (all ASCII classes are printable)."""
        return chars if self.alphabet is None else chars & self.alphabet


def space(policy: ir.Policy) -> Space:
    minimum, maximum = 0, 1 << 30
    alphabet: frozenset[str] | None = None
    printable = False
    required: dict[str, frozenset[str]] = {}
    listed: frozenset[str] = frozenset()
    for rule in policy.rules:
        if rule.severity != "reject":
            continue
        check = rule.check
        if isinstance(check, ir.LengthCheck):
            minimum, maximum = max(minimum, check.minimum), min(maximum, check.maximum)
        elif isinstance(check, ir.AlphabetCheck):
            allowed = frozenset("".join(CHAR_CLASSES[c] for c in check.classes))
            alphabet = allowed if alphabet is None else alphabet & allowed
        elif isinstance(check, ir.PrintableCheck):
            printable = True
        elif isinstance(check, ir.MustIncludeCheck):
            required.update((c, frozenset(CHAR_CLASSES[c])) for c in check.classes)
        elif isinstance(check, ir.NotInListCheck):
            listed |= check.values
    return Space(minimum, maximum, alphabet, printable, tuple(required.items()), listed)


def _fewest_covering(needs: list[frozenset[str]]) -> list[str]:
    """The fewest characters that together hit every set in ``needs`` (a few ASCII classes, so a
    search over the characters' memberships is small)."""
    kinds: dict[tuple[bool, ...], str] = {}
    for char in sorted(set().union(*needs)):
        kinds.setdefault(tuple(char in need for need in needs), char)
    for size in range(len(needs) + 1):
        for chosen in combinations(sorted(kinds), size):
            if all(any(kind[i] for kind in chosen) for i in range(len(needs))):
                return [kinds[kind] for kind in chosen]
    return []  # pragma: no cover - every set is non-empty, so all of them together cover


def _count(alphabet: frozenset[str], needs: list[frozenset[str]], length: int) -> int:
    """How many strings of ``length`` over ``alphabet`` include a character of every set in ``needs``
    (inclusion and exclusion over the sets)."""
    total = 0
    for size in range(len(needs) + 1):
        for left_out in combinations(needs, size):
            allowed = alphabet - frozenset().union(*left_out)
            total += (-1) ** size * len(allowed) ** length
    return total


def _variants(value: str, alphabet: frozenset[str] | None) -> int:
    """How many strings a listed value refuses (the list compares without case)."""
    count = 1
    for char in value:
        spellings = {c for c in (char, char.lower(), char.upper()) if c.casefold() == char.casefold()}
        count *= max(1, len(spellings if alphabet is None else spellings & alphabet))
    return count


ENUMERATION_LIMIT = 1 << 20
"""Beyond this many strings of one length, listed values are not compared one by one (see below)."""


def _passing(found: Space, length: int) -> str | bool | None:
    """A value of ``length`` that passes, None if there is none, True if some passes but it was
    not worth finding (more strings than the list can refuse)."""
    needs = [found.usable(chars) for _, chars in found.required]
    refused = {v.casefold() for v in found.listed if len(v) == length}
    if found.alphabet is None:
        if not refused:
            return True
        alphabet = frozenset(DEFAULT_ALPHABET).union(*needs)
    else:
        alphabet = found.alphabet
    available = _count(alphabet, needs, length)
    if available == 0:
        return None
    if available > sum(_variants(v, found.alphabet) for v in refused) or available > ENUMERATION_LIMIT:
        # more strings than the list can refuse; or too many to compare (a list that refuses over
        # a million values of one length from a small alphabet is not a policy anyone writes)
        return True
    for chars in product(sorted(alphabet), repeat=length):
        candidate = "".join(chars)
        if all(set(candidate) & need for need in needs) and candidate.casefold() not in refused:
            return candidate
    return None


def why_nothing_passes(policy: ir.Policy) -> str | None:
    """None if some value passes every enforced rule of ``policy``; otherwise why none does."""
    found = space(policy)
    if found.minimum > found.maximum:
        return f"its length rules exclude each other (at least {found.minimum}, at most {found.maximum})"
    if found.alphabet is not None and not found.alphabet and found.minimum > 0:
        return "its alphabets have no character in common"
    for name, chars in found.required:
        if not found.usable(chars):
            return f"it must include {_CLASS_WORDS.get(name, name)}, which its alphabet excludes"
    fewest = _fewest_covering([found.usable(chars) for _, chars in found.required]) if found.required else []
    if len(fewest) > found.maximum:
        return f"it must include {len(fewest)} kinds of character but allows at most {found.maximum}"
    longest = min(found.maximum, max(found.minimum, len(fewest)) + len(found.listed) + 1)
    if not any(_passing(found, length) for length in range(max(found.minimum, len(fewest)), longest + 1)):
        return "every value its other rules allow is listed as refused"
    return None


_CLASS_WORDS = {
    "ascii_upper": "an uppercase letter",
    "ascii_lower": "a lowercase letter",
    "ascii_letter": "a letter",
    "ascii_digit": "a digit",
    "ascii_symbol": "a symbol",
    "ascii_space": "a space",
}


def witness(policy: ir.Policy) -> str | None:
    """A value that every enforced rule of ``policy`` accepts, as short as the rules allow, found
    without chance; None if there is none."""
    found = space(policy)
    if why_nothing_passes(policy) is not None:
        return None
    needs = [found.usable(chars) for _, chars in found.required]
    head = _fewest_covering(needs) if needs else []
    fill = sorted(found.alphabet) if found.alphabet is not None else list(DEFAULT_ALPHABET)
    refused = {v.casefold() for v in found.listed}
    start = max(found.minimum, len(head))
    for length in range(start, min(found.maximum, start + len(found.listed) + 1) + 1):
        for tail in product(fill, repeat=length - len(head)):
            candidate = "".join(head) + "".join(tail)
            if candidate.casefold() not in refused:
                return candidate
        passing = _passing(found, length)
        if isinstance(passing, str):
            return passing
    return None  # pragma: no cover - why_nothing_passes found that something passes
