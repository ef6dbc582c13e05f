"""Exact answers about password policies: how many strings each accepts, whether one accepts
everything another does, and the shortest string that tells two apart.

Everything is decided on the automaton of :mod:`credlab.model.policy_automaton`, with Python's
big integers: no sampling, no bound on the answer. A *region* is a verdict vector (accepted by
the first policy, refused by the second, …); a string's verdict comes from the automaton, except
for listed values, which are a finite exception: the strings whose case-folded form is listed
are counted and searched one listed value at a time, on the same automaton.

Only what a policy's ``reject`` rules say about the string alone is counted; rules that need
other facts (the member's name, passwords used elsewhere) are named in every result instead.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property

from credlab.model.charsets import preference
from credlab.model.policy_automaton import Product, State

Region = tuple[bool, ...]
"""Per policy: accepted (True) or refused (False)."""

Witness = tuple[int, tuple[tuple[int, int], ...], str]
"""A candidate witness with its order: shortest first, then by :func:`preference` of each character."""


@dataclass(frozen=True, slots=True)
class Table:
    """The reachable part of a product automaton, numbered (the start is 0)."""

    states: list[State]
    index: dict[State, int]
    edges: list[list[tuple[int, int]]]
    complete: list[int]
    """Bit ``p``: policy ``p`` has seen all its required classes and refused nothing yet."""
    alive: list[int]
    """Bit ``p``: policy ``p`` has refused nothing yet."""


def _bits(region: Region) -> int:
    return sum(1 << p for p, wanted in enumerate(region) if wanted)


def _key(text: str) -> Witness:
    return len(text), tuple(preference(c) for c in text), text


class Algebra:
    """Counting and searching the strings of one region of a :class:`Product`."""

    def __init__(self, product: Product) -> None:
        self.product = product
        self.listed = sorted(frozenset().union(*(r.listed for r in product.rules)))
        self.longest_listed = max((len(v) for v in self.listed), default=0)

    # --- the automaton as a table -------------------------------------------------------------
    @cached_property
    def table(self) -> Table:
        """Every reachable state, and from each the (next state, how many characters) edges."""
        product = self.product
        states, index = [product.start], {product.start: 0}
        edges: list[list[tuple[int, int]]] = []
        for state in states:  # grows while it is read: a breadth-first search
            out: dict[int, int] = {}
            for atom, same in product.letters(state):
                following = product.step(state, atom, same)
                if following is None:
                    continue
                weight = product.weight(state, atom, same)
                target = index.setdefault(following, len(states))
                if target == len(states):
                    states.append(following)
                out[target] = out.get(target, 0) + weight
            edges.append(sorted(out.items()))
        complete = [sum(1 << p for p, full in enumerate(product.complete) if s[2 + p] == full) for s in states]
        alive = [sum(1 << p for p in range(len(product.rules)) if s[2 + p] >= 0) for s in states]
        return Table(states, index, edges, complete, alive)

    def _in_range(self, length: int) -> int:
        """Bit ``p``: ``length`` is within policy ``p``'s length bounds."""
        return sum(
            1 << p
            for p, r in enumerate(self.product.rules)
            if r.minimum <= length and (r.maximum is None or length <= r.maximum)
        )

    # --- counting -----------------------------------------------------------------------------
    def counts(self, region: Region, upto: int) -> list[int]:
        """How many strings of each length 0..``upto`` fall in ``region``, listed values judged."""
        table, wanted = self.table, _bits(region)
        usable = [wanted & ~alive == 0 for alive in table.alive]
        found = [0] * (upto + 1)
        weights = {0: 1}
        for length in range(upto + 1):
            in_range = self._in_range(length)
            found[length] = sum(c for s, c in weights.items() if table.complete[s] & in_range == wanted)
            following: dict[int, int] = {}
            for s, count in weights.items():
                for t, weight in table.edges[s]:
                    if usable[t]:
                        following[t] = following.get(t, 0) + count * weight
            weights = following
        for folded in self.listed:  # strings listed somewhere: their verdict is not the automaton's
            refused = tuple(folded in r.listed for r in self.product.rules)
            for (length, verdict), count in self._preimages(folded).items():
                if length > upto:
                    continue
                actual = tuple(v and not out for v, out in zip(verdict, refused, strict=True))
                found[length] += count * ((actual == region) - (verdict == region))
        return found

    def _levels(self, region: Region) -> Iterator[tuple[int, set[int], bool]]:
        """(length, the states a string of that length in region's reach ends in, whether one of
        them is in ``region``), for every length from 0, until no state is left."""
        table, wanted = self.table, _bits(region)
        usable = [wanted & ~alive == 0 for alive in table.alive]
        level, length = {0}, 0
        while level:
            in_range = self._in_range(length)
            yield length, level, any(table.complete[s] & in_range == wanted for s in level)
            level = {t for s in level for t, _ in table.edges[s] if usable[t]}
            length += 1

    def bound(self, region: Region) -> int | None:
        """A length no string of ``region`` exceeds (None: there are infinitely many)."""
        product = self.product
        limits = [
            r.maximum for r, wanted in zip(product.rules, region, strict=True) if wanted and r.maximum is not None
        ]
        if limits:
            return min(limits)
        horizon = max(product.horizon, self.longest_listed + 1)
        last = -1
        first_seen: dict[frozenset[int], int] = {}
        for length, level, matched in self._levels(region):  # past the horizon the levels cycle
            last = length if matched else last
            if length >= horizon:
                key = frozenset(level)
                if key in first_seen:
                    return None if last >= first_seen[key] else max(last, self.longest_listed)
                first_seen[key] = length
        return max(last, self.longest_listed)

    def _preimages(self, folded: str) -> dict[tuple[int, Region], int]:
        """The strings that case-fold to ``folded``, counted by (length, automaton verdict)."""
        product = self.product
        universe_folds = product.universe.folds_to
        runs = product.tracks_runs
        layer: dict[tuple[int, str | None, State], int] = {(0, None, product.start): 1}
        by_position: dict[int, dict[tuple[int, str | None, State], int]] = {0: layer}
        found: dict[tuple[int, Region], int] = {}
        for position in range(len(folded) + 1):
            current = by_position.pop(position, {})
            for (length, previous, state), count in current.items():
                if position == len(folded):
                    key = (length, product.verdicts(state, length))
                    found[key] = found.get(key, 0) + count
                    continue
                for size in (1, 2, 3):
                    if position + size > len(folded):
                        break
                    for char in universe_folds(folded[position : position + size]):
                        following = product.char_step(state, char, previous)
                        if following is None:
                            continue
                        bucket = by_position.setdefault(position + size, {})
                        key2 = (length + 1, char if runs else None, following)
                        bucket[key2] = bucket.get(key2, 0) + count
        return found

    # --- searching ----------------------------------------------------------------------------
    def shortest(self, region: Region) -> str | None:
        """The shortest string in ``region`` (the first in witness order among those), or None if
        there is none: decided exactly, also when some policy has no upper bound (past every
        length bound and listed value, verdicts depend on the state alone, and the states are
        finitely many)."""
        best = min((w for f in self.listed if (w := self._listed_witness(f, region))), default=None)
        horizon = max(self.product.horizon, self.longest_listed + 1)
        limit = self.product.longest
        levels: list[set[int]] = []
        seen: set[int] = set()
        for length, level, matched in self._levels(region):
            if (best is not None and length > best[0]) or (limit is not None and length > limit):
                break
            levels.append(level)
            if matched:
                found = self._search(levels, region)
                if found is not None:
                    return found if best is None or _key(found) < best else best[2]
            if length >= horizon:
                if level <= seen:
                    break
                seen |= level
        return None if best is None else best[2]

    def _choices(self, state: State, previous: str | None, good: set[int]) -> Iterator[tuple[str, State]]:
        """Each character, in witness order, that takes ``state`` into ``good``."""
        product, index = self.product, self.table.index
        streams: list[Iterator[tuple[str, State]]] = []
        for atom in product.atoms:
            if previous is not None and product.tracks_runs and product.atom_of(previous) == atom.index:
                again = product.step(state, atom.index, True)
                if again is not None and index.get(again) in good:
                    streams.append(iter([(previous, again)]))
            other = product.step(state, atom.index, False)
            if other is not None and index.get(other) in good:  # absent: no other character there
                streams.append(_paired(atom.chars(), previous if product.tracks_runs else None, other))
        return heapq.merge(*streams, key=lambda choice: preference(choice[0]))

    def _search(self, levels: list[set[int]], region: Region) -> str | None:
        """The first string of length ``len(levels) - 1`` in ``region``, in witness order."""
        table, wanted = self.table, _bits(region)
        n = len(levels) - 1
        good: list[set[int]] = [set() for _ in levels]
        in_range = self._in_range(n)
        good[n] = {s for s in levels[n] if table.complete[s] & in_range == wanted}
        for i in range(n - 1, -1, -1):
            good[i] = {s for s in levels[i] if any(t in good[i + 1] for t, _ in table.edges[s])}

        def walk(prefix: list[str], state: State) -> str | None:
            if len(prefix) == n:
                text = "".join(prefix)
                return text if self.verdict(text) == region else None
            for char, following in self._choices(state, prefix[-1] if prefix else None, good[len(prefix) + 1]):
                prefix.append(char)
                found = walk(prefix, following)
                prefix.pop()
                if found is not None:
                    return found
            return None

        return walk([], self.product.start) if 0 in good[0] else None

    def verdict(self, text: str) -> Region:
        """Which policies accept ``text``, listed values included."""
        product = self.product
        state: State | None = product.start
        for i, char in enumerate(text):
            assert state is not None
            state = product.char_step(state, char, text[i - 1] if i else None)
            if state is None:
                return tuple(False for _ in product.rules)
        assert state is not None
        folded = text.casefold()
        automaton = product.verdicts(state, len(text))
        return tuple(v and folded not in r.listed for v, r in zip(automaton, product.rules, strict=True))

    def _listed_witness(self, folded: str, region: Region) -> Witness | None:
        """The first string in witness order that case-folds to ``folded`` and lies in ``region``:
        for each length in turn, a walk in witness order that only enters positions from which
        such a string can still be finished (remembered, so the walk never repeats itself)."""
        product = self.product
        listed_in = [folded in r.listed for r in product.rules]
        if any(wanted and out for wanted, out in zip(region, listed_in, strict=True)):
            return None  # a policy that must accept it lists it

        def matches(verdict: Region) -> bool:
            return all(
                v == wanted or (not wanted and out) for v, wanted, out in zip(verdict, region, listed_in, strict=True)
            )

        for target in range(1, len(folded) + 1):
            found = self._listed_at(folded, matches, target)
            if found is not None:
                return _key(found)
        return None

    def _listed_at(self, folded: str, matches: Callable[[Region], bool], target: int) -> str | None:
        """The first string of ``target`` characters, in witness order, that case-folds to
        ``folded`` and whose automaton verdict ``matches``: a walk that only enters positions from
        which it can still finish (remembered, so that it never repeats itself)."""
        product = self.product
        folds = product.universe.folds_to
        memo: dict[tuple[int, int, str | None, State], bool] = {}

        def can(position: int, length: int, previous: str | None, state: State) -> bool:
            key = (position, length, previous if product.tracks_runs else None, state)
            if key not in memo:
                memo[key] = any(True for _ in steps(position, length, previous, state))
            return memo[key]

        def steps(position: int, length: int, previous: str | None, state: State) -> Iterator[tuple[str, int, State]]:
            if position == len(folded):
                if length == target and matches(product.verdicts(state, length)):
                    yield "", 0, state
                return
            if length >= target:
                return
            options = sorted(
                ((c, size) for size in (1, 2, 3) for c in folds(folded[position : position + size])),
                key=lambda option: preference(option[0]),
            )
            for char, size in options:
                following = product.char_step(state, char, previous)
                if following is not None and can(position + size, length + 1, char, following):
                    yield char, size, following

        position, length, previous, state, text = 0, 0, None, product.start, []
        if not can(0, 0, None, state):
            return None
        while position < len(folded):
            char, size, state = next(steps(position, length, previous, state))
            text.append(char)
            position, length, previous = position + size, length + 1, char
        return "".join(text)


def _paired(chars: Iterator[str], skip: str | None, state: State) -> Iterator[tuple[str, State]]:
    return ((c, state) for c in chars if c != skip)
