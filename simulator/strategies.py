"""Hypothesis strategies for candidate secrets, derived from a spec's policies.

For each policy: values its enforced rules accept, values that break one rule at a time, and
the Unicode traps that fool naive checks (full-width letters and digits, other scripts'
digits, a trailing newline, a zero-width space, NUL).
"""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import strategies as st

from model import ir
from model.policy import enforced_ok
from model.spec_schema import CHAR_CLASSES


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text[:1]) + text[1:]


TRAPS: dict[str, Callable[[str], str]] = {
    "full_width_first": _full_width,
    "arabic_indic_digit": lambda v: v[:-1] + "٣",
    "trailing_newline": lambda v: v + "\n",
    "zero_width_space": lambda v: v[:1] + "\u200b" + v[1:],
    "nul": lambda v: v + "\x00",
    "space": lambda v: v[:1] + " " + v[1:],
    "symbol": lambda v: v[:-1] + "!",
}


def valid_for(policy: ir.Policy) -> st.SearchStrategy[str]:
    """Values ``policy``'s enforced rules accept."""
    length = next((r.check for r in policy.rules if isinstance(r.check, ir.LengthCheck)), ir.LengthCheck(1, 32))
    classes = next((r.check.classes for r in policy.rules if isinstance(r.check, ir.AlphabetCheck)), None)
    alphabet = "".join(CHAR_CLASSES[c] for c in classes) if classes else CHAR_CLASSES["ascii_letter"] + "0123456789"
    text = st.text(alphabet=alphabet, min_size=length.minimum, max_size=length.maximum)
    return text.filter(lambda v: enforced_ok(policy, v))


def invalid_for(policy: ir.Policy) -> st.SearchStrategy[str]:
    """Values that break ``policy``: too short, too long, one class only, and the traps."""
    length = next((r.check for r in policy.rules if isinstance(r.check, ir.LengthCheck)), ir.LengthCheck(1, 32))
    shapes: dict[str, Callable[[str], str]] = {
        **TRAPS,
        "too_short": lambda v: v[: max(length.minimum - 1, 0)],
        "too_long": lambda v: v + "7" * (length.maximum - len(v) + 1),
        "letters_only": lambda v: "".join(c for c in v if not c.isdigit()) or "abcdefgh",
        "digits_only": lambda v: "".join(c for c in v if c.isdigit()) or "12345678",
    }
    return st.tuples(valid_for(policy), st.sampled_from(sorted(shapes))).map(lambda pair: shapes[pair[1]](pair[0]))


def secret_literals(spec: ir.Spec) -> st.SearchStrategy[str]:
    """Literal candidates for any secret input of ``spec``: valid or broken, for every policy."""
    options = [valid_for(p) for p in spec.policies.values()] + [invalid_for(p) for p in spec.policies.values()]
    return st.one_of(options) if options else st.text(max_size=8)
