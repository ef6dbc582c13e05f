"""The Password Rules language (Apple's ``passwordrules`` attribute and the
password-manager-resources corpus), read exactly and turned into credlab policy rules.

A string such as ``minlength: 8; maxlength: 20; required: lower, upper; required: digit;
allowed: [-_.];`` is a list of properties: ``minlength``, ``maxlength``, ``max-consecutive``
(integers), ``required`` (the password holds a character of *one of* the listed classes) and
``allowed`` (the characters it may hold besides the required ones). Classes are ``upper``,
``lower``, ``digit``, ``special`` (ASCII symbols and space), ``ascii-printable``, ``unicode``, or
characters in brackets. The meaning follows the format's reference parser
(``tools/PasswordRulesParser.js``): several ``minlength`` take the largest, several
``maxlength`` and ``max-consecutive`` the smallest; the allowed characters are those of every
``required`` and ``allowed``, or all printable ASCII when none is given. Where the reference
parser silently ignores something (a character outside printable ASCII in brackets, a ``-`` that
is not first there, a property with no value), credlab ignores it too and says so in ``notes``;
everything else it cannot read is refused with the offset of the problem.

What the format cannot say: "three of these four kinds" (sites that mean it write only part of
it), listed or breached values, personal information, Unicode beyond "any character".
"""

from __future__ import annotations

from dataclasses import dataclass

from credlab.model import ir
from credlab.model.charsets import union

NAMED = {
    "upper": ("ascii_upper",),
    "lower": ("ascii_lower",),
    "digit": ("ascii_digit",),
    "special": ("ascii_symbol", "ascii_space"),
    "ascii-printable": ("ascii_printable",),
    "unicode": ("unicode",),
}
"""Each Password Rules class as credlab classes."""
PROPERTIES = ("minlength", "maxlength", "max-consecutive", "required", "allowed")
_WHITESPACE = " \f\n\r\t"


class RulesError(ValueError):
    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message


@dataclass(frozen=True, slots=True)
class ClassSet:
    """Character classes named together (``upper, lower, [-_]``): their union."""

    names: tuple[str, ...]
    """Lowercased class names, as written."""
    chars: str
    """Characters given in brackets, in order, each once."""

    def credlab_classes(self) -> tuple[str, ...]:
        classes = [c for name in self.names for c in NAMED[name]]
        if self.chars:
            classes.append(f"[{self.chars}]")
        return tuple(dict.fromkeys(classes))


@dataclass(frozen=True, slots=True)
class PasswordRules:
    minimum: int
    maximum: int | None
    max_consecutive: int | None
    required: tuple[ClassSet, ...]
    allowed: tuple[ClassSet, ...]
    notes: tuple[str, ...]


class _Reader:
    def __init__(self, text: str) -> None:
        self.text, self.at, self.notes = text, 0, []  # type: tuple[str, int, list[str]]

    def skip_space(self) -> None:
        while self.at < len(self.text) and self.text[self.at] in _WHITESPACE:
            self.at += 1

    def peek(self) -> str:
        return self.text[self.at] if self.at < len(self.text) else ""

    def identifier(self) -> str:
        start = self.at
        while self.peek() and (self.peek().isascii() and (self.peek().isalpha() or self.peek() == "-")):
            self.at += 1
        return self.text[start : self.at]

    def integer(self, name: str) -> int:
        start = self.at
        while self.peek() and "0" <= self.peek() <= "9":
            self.at += 1
        if start == self.at:
            raise RulesError(start, f"{name} takes a whole number")
        return int(self.text[start : self.at])

    def custom(self) -> str:
        """Characters in brackets; the reference parser's own reading (see the module docstring)."""
        opened = self.at
        self.at += 1
        chars: list[str] = []
        while True:
            char = self.peek()
            if not char:
                raise RulesError(opened, "a '[' is never closed by ']'")
            self.at += 1
            if char == "]" and self.peek() != "]":
                break
            if char == "]":  # "]]": a closing bracket as a member, then the end
                chars.append(char)
                self.at += 1
                break
            if not " " <= char <= "~":
                self.notes.append(
                    f"U+{ord(char):04X} (character {self.at} of the rules) is outside printable ASCII: ignored"
                )
                continue
            if char == "-" and self.at - 1 > opened + 1:
                self.notes.append(f"'-' (character {self.at} of the rules) is not first in its brackets: ignored")
                continue
            chars.append(char)
        return "".join(dict.fromkeys(chars))

    def class_set(self, name: str) -> ClassSet:
        names: list[str] = []
        chars = ""
        while True:
            start = self.at
            if self.peek() == "[":
                listed = self.custom()
                if not listed:
                    self.notes.append(f"brackets (character {start + 1} of the rules) hold no character: ignored")
                chars += listed
            else:
                word = self.identifier().lower()
                if word not in NAMED:
                    found = self.text[start : self.at] or self.peek()
                    raise RulesError(start, f"'{found}' is no class of {name}: use {', '.join(NAMED)} or [characters]")
                names.append(word)
            self.skip_space()
            if self.peek() != ",":
                return ClassSet(tuple(dict.fromkeys(names)), "".join(dict.fromkeys(chars)))
            self.at += 1
            self.skip_space()


def parse_rules(text: str) -> PasswordRules:
    """``text`` read as Password Rules; :class:`RulesError` with the offset of what cannot be."""
    reader = _Reader(text)
    minimum, maximum, runs = 0, None, None  # type: tuple[int, int | None, int | None]
    required: list[ClassSet] = []
    allowed: list[ClassSet] = []
    reader.skip_space()
    while reader.peek():
        start = reader.at
        name = reader.identifier()
        if name not in PROPERTIES:
            shown = name or reader.peek()
            raise RulesError(start, f"'{shown}' is no property: use {', '.join(PROPERTIES)}")
        reader.skip_space()
        if reader.peek() != ":":
            raise RulesError(reader.at, f"'{name}' must be followed by ':'")
        reader.at += 1
        reader.skip_space()
        if reader.peek() in ("", ";"):
            reader.notes.append(f"'{name}' (character {start + 1} of the rules) has no value: ignored")
        elif name in ("required", "allowed"):
            found = reader.class_set(name)
            if found.names or found.chars:
                (required if name == "required" else allowed).append(found)
            else:
                reader.notes.append(f"'{name}' (character {start + 1} of the rules) names no character: ignored")
        else:
            value = reader.integer(name)
            if name == "minlength":
                minimum = max(minimum, value)
            elif name == "maxlength":
                maximum = value if maximum is None else min(maximum, value)
            else:
                runs = value if runs is None else min(runs, value)
        reader.skip_space()
        if reader.peek() == ";":
            reader.at += 1
            reader.skip_space()
        elif reader.peek():
            raise RulesError(reader.at, f"expected ';' after '{name}', found '{reader.peek()}'")
    return PasswordRules(minimum, maximum, runs, tuple(required), tuple(allowed), tuple(reader.notes))


def policy_rules(rules: PasswordRules) -> tuple[tuple[str, ir.RuleCheck, str], ...]:
    """The credlab rules (id, check, message) that say what ``rules`` say."""
    out: list[tuple[str, ir.RuleCheck, str]] = []
    if rules.minimum or rules.maximum is not None:
        low, high = rules.minimum, rules.maximum
        words = f"at least {low} characters" if high is None else f"{low} to {high} characters"
        out.append(("length", ir.LengthCheck(low, high), words))
    classes = [c for s in (*rules.required, *rules.allowed) for c in s.credlab_classes()]
    alphabet = _merged(classes) if classes else ("ascii_printable",)
    if "unicode" not in alphabet:
        out.append(("allowed", ir.AlphabetCheck(alphabet), "only " + ", ".join(alphabet)))
    for n, required in enumerate(rules.required, start=1):
        wanted = required.credlab_classes()
        check: ir.RuleCheck = ir.MustIncludeCheck(wanted) if len(wanted) == 1 else ir.MustIncludeOneOfCheck(wanted)
        out.append((f"required_{n}", check, "at least one of " + ", ".join(wanted)))
    if rules.max_consecutive is not None:
        runs = rules.max_consecutive
        out.append(("max_consecutive", ir.MaxConsecutiveCheck(runs), f"no character more than {runs} times in a row"))
    return tuple(out)


def rules_policy(name: str, text: str) -> ir.Policy:
    """The credlab policy that says what the Password Rules ``text`` says (its rules all reject)."""
    rules = tuple(ir.PolicyRule(i, "reject", check, m) for i, check, m in policy_rules(parse_rules(text)))
    return ir.Policy(name, "password", rules)


def _merged(classes: list[str]) -> tuple[str, ...]:
    """Classes in order, each once, bracketed characters joined into one set (less those a
    named class already holds)."""
    named = [c for c in dict.fromkeys(classes) if not c.startswith("[")]
    if "unicode" in named:
        return ("unicode",)
    covered = union(named) or frozenset()
    extra = "".join(dict.fromkeys(ch for c in classes if c.startswith("[") for ch in c[1:-1] if ch not in covered))
    return (*named, f"[{extra}]") if extra else tuple(named)


_EXPORT_NAMES = {
    "ascii_upper": ("upper",),
    "ascii_lower": ("lower",),
    "ascii_letter": ("upper", "lower"),
    "ascii_digit": ("digit",),
    "ascii_printable": ("ascii-printable",),
    "unicode": ("unicode",),
}


def _export_classes(classes: tuple[str, ...]) -> tuple[str | None, str]:
    """Password Rules for ``classes`` (``upper, digit, [-_]``), or None and why they cannot be."""
    names: list[str] = []
    custom = ""
    wanted = set(classes)
    if {"ascii_symbol", "ascii_space"} <= wanted:
        names.append("special")
        wanted -= {"ascii_symbol", "ascii_space"}
    for c in classes:
        if c not in wanted:
            continue
        if c in _EXPORT_NAMES:
            names += [n for n in _EXPORT_NAMES[c] if n not in names]
        elif c in ("ascii_symbol", "ascii_space"):
            custom += "".join(sorted(union((c,)) or ()))
        else:
            custom += c[1:-1]
    if any(not " " <= ch <= "~" for ch in custom):
        return None, "characters outside printable ASCII cannot be listed in Password Rules brackets"
    ordered = "".join(dict.fromkeys(custom))
    if "-" in ordered:  # a '-' must come first, a ']' last
        ordered = "-" + ordered.replace("-", "")
    if "]" in ordered:
        ordered = ordered.replace("]", "") + "]"
    parts = [*names, f"[{ordered}]"] if ordered else names
    return ", ".join(parts), ""


def export_rules(policy: ir.Policy) -> tuple[str, tuple[tuple[str, str], ...]]:
    """``policy`` as a Password Rules string, and the (rule id, why) of every enforced rule it
    cannot say (advice is never part of it: Password Rules only has rules)."""
    properties: list[str] = []
    left_out: list[tuple[str, str]] = []
    ascii_alphabet = any(
        isinstance(r.check, ir.AlphabetCheck) and r.severity == "reject" and "unicode" not in r.check.classes
        for r in policy.rules
    )
    for rule in policy.rules:
        check = rule.check
        if rule.severity != "reject":
            continue
        if isinstance(check, ir.LengthCheck):
            properties.append(f"minlength: {check.minimum};")
            if check.maximum is not None:
                properties.append(f"maxlength: {check.maximum};")
        elif isinstance(check, ir.MaxConsecutiveCheck):
            properties.append(f"max-consecutive: {check.count};")
        elif isinstance(check, (ir.AlphabetCheck, ir.MustIncludeOneOfCheck)):
            text, why = _export_classes(check.classes)
            if text is None:
                left_out.append((rule.id, why))
            elif isinstance(check, ir.AlphabetCheck):
                properties.append(f"allowed: {text};")
            else:
                properties.append(f"required: {text};")
        elif isinstance(check, ir.MustIncludeCheck):
            for c in check.classes:
                text, why = _export_classes((c,))
                if text is None:
                    left_out.append((rule.id, why))
                else:
                    properties.append(f"required: {text};")
        elif isinstance(check, ir.PrintableCheck):
            if not ascii_alphabet:  # an ASCII alphabet is printable already
                left_out.append((rule.id, "Password Rules cannot say 'any printable character' (only unicode)"))
        elif isinstance(check, ir.NotInListCheck):
            left_out.append((rule.id, "Password Rules has no list of refused values"))
        else:
            left_out.append((rule.id, "Password Rules cannot refer to other facts (the member, other services)"))
    if not any(isinstance(r.check, ir.AlphabetCheck) and r.severity == "reject" for r in policy.rules):
        properties.append("allowed: unicode;")  # without it, Password Rules would allow printable ASCII only
    return " ".join(properties), tuple(left_out)
