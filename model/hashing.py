"""The simulated credential store keeps digests, never plaintext; secrets print as ``***``."""

from __future__ import annotations

import hashlib


def salt_for(spec_name: str) -> bytes:
    """A fixed salt per spec: runs stay reproducible, and digests differ from spec to spec."""
    return hashlib.blake2b(f"credlab-salt-{spec_name}".encode(), digest_size=16).digest()


def digest(salt: bytes, value: str) -> bytes:
    """The stored form of a secret (keyed BLAKE2b; any string, lone surrogates included)."""
    return hashlib.blake2b(value.encode("utf-8", "surrogatepass"), key=salt, digest_size=16).digest()


Stored = bytes | tuple[bytes, ...] | None
"""A credential in the store: one digest, the digests of a set's unused codes, or nothing."""


def stored_form(salt: bytes, value: str, codes: bool) -> bytes | tuple[bytes, ...]:
    """What the store keeps for ``value``: its digest, or, for a set of codes (``value`` holds
    them separated by spaces), the digest of each code."""
    return tuple(digest(salt, code) for code in value.split()) if codes else digest(salt, value)


def holds(stored: Stored, hashed: bytes) -> bool:
    """Whether the store takes the value whose digest is ``hashed``: it is the value, or an unused code."""
    return stored == hashed or (isinstance(stored, tuple) and hashed in stored)


def used_up(stored: Stored, hashed: bytes) -> Stored:
    """The store after the code whose digest is ``hashed`` is used (unchanged if it is no unused code)."""
    return tuple(code for code in stored if code != hashed) if isinstance(stored, tuple) else stored


def codes_left(stored: Stored) -> int:
    """How many codes a set has left (one value counts as one)."""
    return len(stored) if isinstance(stored, tuple) else int(stored is not None)


def is_set(stored: Stored) -> bool:
    """Whether the store holds something that can match: a value, or an unused code."""
    return codes_left(stored) > 0


class Secret:
    """A secret value (password, PIN) that prints as ``***`` wherever it ends up."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret(***)"

    __str__ = __repr__
