"""The simulated credential store keeps digests, never plaintext; secrets print as ``***``."""

from __future__ import annotations

import hashlib


def salt_for(spec_name: str) -> bytes:
    """A fixed salt per spec: runs stay reproducible, and digests differ from spec to spec."""
    return hashlib.blake2b(f"credlab-salt-{spec_name}".encode(), digest_size=16).digest()


def digest(salt: bytes, value: str) -> bytes:
    """The stored form of a secret (keyed BLAKE2b; any string, lone surrogates included)."""
    return hashlib.blake2b(value.encode("utf-8", "surrogatepass"), key=salt, digest_size=16).digest()


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
