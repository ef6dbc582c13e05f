"""Password policies as automata over character atoms, read side by side.

A policy's ``reject`` rules that judge the string alone (length, alphabet, printability,
required classes, repeated characters, listed values) make a regular language. Apart from the
list, it is recognised by a small automaton whose state is, per policy, the set of required
classes seen so far (or "refused": a character outside the alphabet, a run too long), plus, when
some policy limits repeats, the atom of the last character and the length of its run. Several
policies share one cut of the characters into atoms (:mod:`credlab.model.charsets`), so one
automaton reads them all at once: each string's *verdict vector* says which policies accept it.

Listed values are a finite exception, judged outside the automaton (see
:mod:`credlab.model.policy_algebra`): a string is listed when its case-folded form is a listed
value's case-folded form, exactly what :func:`credlab.model.policy.evaluate` checks.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from credlab.model import ir
from credlab.model.charsets import CharSet, Universe, class_chars, is_printable, union

FULL_UNICODE = Universe()


@dataclass(frozen=True, slots=True)
class StringRules:
    """What a policy's ``reject`` rules say about a string on its own."""

    name: str
    minimum: int
    maximum: int | None
    """None: no upper bound."""
    allowed: CharSet
    printable: bool
    required: tuple[tuple[str, CharSet], ...]
    """(class name, its characters): the string must hold one of each."""
    max_consecutive: int | None
    listed: frozenset[str]
    """Case-folded listed values."""
    outside: tuple[str, ...]
    """Ids of ``reject`` rules that need facts beyond the string (the member's name, other
    services' passwords): not part of the language, said wherever counts are shown."""


def string_rules(policy: ir.Policy) -> StringRules:
    minimum, maximum = 0, None
    allowed: CharSet = None
    printable = False
    required: dict[str, CharSet] = {}
    listed: set[str] = set()
    runs: int | None = None
    outside = []
    for rule in policy.rules:
        if rule.severity != "reject":
            continue
        check = rule.check
        if isinstance(check, ir.LengthCheck):
            minimum = max(minimum, check.minimum)
            if check.maximum is not None:
                maximum = check.maximum if maximum is None else min(maximum, check.maximum)
        elif isinstance(check, ir.AlphabetCheck):
            chars = union(check.classes)
            allowed = chars if allowed is None else (allowed if chars is None else allowed & chars)
        elif isinstance(check, ir.PrintableCheck):
            printable = True
        elif isinstance(check, ir.MustIncludeCheck):
            required.update((c, class_chars(c)) for c in check.classes)
        elif isinstance(check, ir.MustIncludeOneOfCheck):
            required[" or ".join(check.classes)] = union(check.classes)
        elif isinstance(check, ir.NotInListCheck):
            listed |= {v.casefold() for v in check.values}
        elif isinstance(check, ir.MaxConsecutiveCheck):
            runs = check.count if runs is None else min(runs, check.count)
        else:
            outside.append(rule.id)
    return StringRules(
        policy.name,
        minimum,
        maximum,
        allowed,
        printable,
        tuple(required.items()),
        runs,
        frozenset(listed),
        tuple(outside),
    )


State = tuple[int, ...]
"""``(last atom, run length, then per policy: the mask of required classes seen, -1 if refused)``;
last atom and run are 0 when no policy limits repeats."""


class Product:
    """The automaton that reads ``rules`` side by side over ``universe``'s atoms."""

    def __init__(self, rules: Sequence[StringRules], universe: Universe = FULL_UNICODE) -> None:
        self.rules = tuple(rules)
        self.universe = universe
        sets = [r.allowed for r in rules] + [chars for r in rules for _, chars in r.required]
        self.atoms, self.named = universe.atoms(sets)
        limits = [r.max_consecutive for r in rules if r.max_consecutive is not None]
        self.tracks_runs = bool(limits)
        self.run_cap = max(limits, default=0) + 1
        self.fits: list[list[bool]] = []
        """``fits[p][a]``: policy ``p`` allows the characters of atom ``a``."""
        self.marks: list[list[int]] = []
        """``marks[p][a]``: the required classes of policy ``p`` that atom ``a``'s characters fill."""
        for r in rules:
            samples = [atom.members[0] if atom.named else "" for atom in self.atoms]  # the rest of Unicode: in no set
            self.fits.append(
                [self._fits(r, c, atom.printable, atom.named) for c, atom in zip(samples, self.atoms, strict=True)]
            )
            self.marks.append([self._marks(r, c, atom.named) for c, atom in zip(samples, self.atoms, strict=True)])
        self.complete = [(1 << len(r.required)) - 1 for r in rules]
        self.rest = {atom.printable: atom.index for atom in self.atoms if not atom.named}

    @staticmethod
    def _fits(rules: StringRules, sample: str, printable: bool, named: bool) -> bool:
        if rules.printable and not printable:
            return False
        return rules.allowed is None or (named and sample in rules.allowed)

    @staticmethod
    def _marks(rules: StringRules, sample: str, named: bool) -> int:
        return sum(
            1 << i for i, (_, chars) in enumerate(rules.required) if chars is None or (named and sample in chars)
        )

    def atom_of(self, char: str) -> int:
        found = self.named.get(char)
        return found if found is not None else self.rest[is_printable(char)]

    @property
    def start(self) -> State:
        return (0, 0, *(0 for _ in self.rules))

    def step(self, state: State, atom: int, same: bool) -> State | None:
        """The state after one more character of ``atom`` (``same``: the very character before it
        again); None when every policy has refused."""
        run = 0
        if self.tracks_runs:
            run = min(state[1] + 1, self.run_cap) if same else 1
        parts = []
        alive = False
        for p, rules in enumerate(self.rules):
            mask = state[2 + p]
            if (
                mask < 0
                or not self.fits[p][atom]
                or (rules.max_consecutive is not None and run > rules.max_consecutive)
            ):
                parts.append(-1)
            else:
                parts.append(mask | self.marks[p][atom])
                alive = True
        if not alive:
            return None
        return (atom if self.tracks_runs else 0, run, *parts)

    def letters(self, state: State) -> Iterator[tuple[int, bool]]:
        """(atom, the very character before it again) for every way to extend a string in
        ``state`` by one character."""
        for atom in self.atoms:
            if self.tracks_runs and state[1] > 0 and atom.index == state[0]:
                yield atom.index, True
                if atom.several:
                    yield atom.index, False
            else:
                yield atom.index, False

    def weight(self, state: State, atom: int, same: bool) -> int:
        """How many characters the letter ``(atom, same)`` stands for, read in ``state``."""
        if same:
            return 1
        size = self.atoms[atom].size
        return size - 1 if self.tracks_runs and state[1] > 0 and atom == state[0] else size

    def verdicts(self, state: State, length: int) -> tuple[bool, ...]:
        """Which policies accept a string of ``length`` that ends in ``state`` (lists aside)."""
        return tuple(
            state[2 + p] == self.complete[p] and r.minimum <= length and (r.maximum is None or length <= r.maximum)
            for p, r in enumerate(self.rules)
        )

    def char_step(self, state: State, char: str, previous: str | None) -> State | None:
        return self.step(state, self.atom_of(char), char == previous)

    @property
    def horizon(self) -> int:
        """The length from which verdicts depend on the state alone (every bound is behind it)."""
        bounds = [r.minimum for r in self.rules] + [r.maximum for r in self.rules if r.maximum is not None]
        return max(bounds, default=0) + 1

    @property
    def longest(self) -> int | None:
        """The longest string any policy may accept; None if some has no upper bound."""
        if any(r.maximum is None for r in self.rules):
            return None
        return max((r.maximum for r in self.rules if r.maximum is not None), default=0)
