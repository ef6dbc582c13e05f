"""The parts of the spec file's schema the top level is made of: the constants, the policy rules,
credentials, and the guard and effect vocabularies (see :mod:`credlab.model.spec_schema`)."""

from __future__ import annotations

from typing import get_args

from credlab.model import ir
from credlab.model.scalars import Bool, CharClass, Choice, Int, Name, Text
from credlab.model.schema import Field, Lazy, ListOf, OneOrMany, Record, Schema, Tagged

FORMAT_VERSION = 1

CHAR_CLASSES: dict[str, str] = {
    "ascii_upper": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "ascii_lower": "abcdefghijklmnopqrstuvwxyz",
    "ascii_letter": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    "ascii_digit": "0123456789",
    "ascii_symbol": "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
    "ascii_space": " ",
    "ascii_printable": "".join(chr(c) for c in range(0x20, 0x7F)),
}
"""Character classes a policy may name. Each is an explicit set: no ``str.isdigit()`` (which
accepts '٣' and '３') and no regex ``$`` (which accepts a trailing newline). Besides these, a
rule may name ``unicode`` (every character) or list characters in brackets: ``"[!#$%]"``."""

ANY_CHARACTER = "unicode"
CLASS_NAMES = (*CHAR_CLASSES, ANY_CHARACTER)

PERSONAL_FIELDS = ("name", "birth_date", "phone", "member_number", "email")
SEVERITIES = ("reject", "advise")
CREDENTIAL_KINDS: tuple[str, ...] = get_args(ir.CredentialKind)
FACTORS: tuple[str, ...] = get_args(ir.Factor)
CHANNEL_KINDS: tuple[str, ...] = get_args(ir.ChannelKind)
INPUT_TYPES: tuple[str, ...] = get_args(ir.InputType)
BOUNDARIES = ("inclusive", "exclusive")
FINDING_KINDS: tuple[str, ...] = get_args(ir.FindingKind)

_SOURCE = Field(OneOrMany(Name()), doc="Id(s) of the quoted policy sentence(s) under `sources:` this comes from.")
_ASSUMES = Field(ListOf(Name()), doc="Ids of the `assumptions:` this depends on.")
_DESCRIPTION = Field(Text(), doc="What this is, in a sentence for analysts.")
_CLASSES = ListOf(CharClass(CLASS_NAMES), min_items=1)

RULE_CHECK = Tagged(
    "rule check",
    {
        "length": Record(
            "length check",
            {"min": Field(Int(minimum=0), required=True), "max": Field(Int(minimum=0))},
            doc="Length in characters (code points), both bounds inclusive; without max, no upper bound.",
        ),
        "alphabet": ListOf(
            CharClass(CLASS_NAMES),
            min_items=1,
            doc="Every character must belong to one of these classes.",
        ),
        "must_include": ListOf(
            CharClass(CLASS_NAMES), min_items=1, doc="At least one character of each of these classes."
        ),
        "must_include_one_of": ListOf(
            CharClass(CLASS_NAMES),
            min_items=2,
            doc="At least one character of any of these classes (an uppercase or a lowercase letter).",
        ),
        "avoid_personal_info": ListOf(Choice(PERSONAL_FIELDS), min_items=1),
        "not_used_elsewhere": Bool(doc="The candidate must not be one the member used on other services."),
        "not_in_list": ListOf(
            Text(), min_items=1, doc="The candidate must not be one of these (commonly used or compromised values)."
        ),
        "printable": Bool(doc="Every character must be printable: no control, format or unassigned code points."),
        "max_consecutive": Int(
            minimum=1, doc="No character may repeat more than this many times in a row (2 refuses 'aaa')."
        ),
    },
    doc="What a policy rule checks of a candidate secret.",
)

POLICY_RULE = Record(
    "policy rule",
    {
        "id": Field(Name(), required=True, doc="Unique within the policy; reported with each verdict."),
        "severity": Field(Choice(SEVERITIES), required=True, doc="reject: enforced; advise: the text only asks."),
        "check": Field(RULE_CHECK, required=True),
        "message": Field(Text(), required=True, doc="What the rule asks, as shown to analysts."),
        "source": _SOURCE,
        "assumes": _ASSUMES,
    },
)

POLICY = Record(
    "policy",
    {
        "kind": Field(Choice(CREDENTIAL_KINDS), required=True),
        "description": _DESCRIPTION,
        "rules": Field(ListOf(POLICY_RULE, min_items=1), required=True),
    },
)

CREDENTIAL = Record(
    "credential",
    {
        "kind": Field(Choice(CREDENTIAL_KINDS), required=True),
        "policy": Field(Name(), required=True, doc="The policy new values must satisfy."),
        "initially_set": Field(Bool(), doc="Whether the member holds it at the start (default false)."),
        "factor": Field(
            Choice(FACTORS),
            doc="What it proves: something one knows (the default), has (a code a device shows), or is.",
        ),
        "codes": Field(
            Int(minimum=1, maximum=100),
            doc="A set of this many single-use codes (recovery codes) instead of one value; each code "
            "satisfies the policy, use_code uses one up, randomize_credential issues a new set.",
        ),
        "device": Field(
            Name(),
            doc="For a possession or inherence factor: the capability that produces the value (the phone); "
            "only an actor holding it can present it.",
        ),
        "description": _DESCRIPTION,
        "source": _SOURCE,
        "assumes": _ASSUMES,
    },
)

GUARD: Schema = Tagged(
    "guard",
    {
        "matches": Record(
            "matches",
            {"input": Field(Name(), required=True), "credential": Field(Name(), required=True)},
            doc="The secret input equals the credential's current value.",
        ),
        "authenticates": Record(
            "authenticates",
            {
                "secret": Field(Name(), required=True, doc="The secret input."),
                "channel": Field(Name(), doc="A channel name."),
                "channel_from": Field(Name(), doc="Or: the name of a channel input."),
            },
            doc="Some `access:` rule lets the secret's credential in on the channel right now.",
        ),
        "satisfies": Record(
            "satisfies",
            {"input": Field(Name(), required=True), "policy": Field(Name(), required=True)},
            doc="The input passes every `reject` rule of the policy (an absent optional input passes).",
        ),
        "is_set": Name(doc="The credential holds a value."),
        "flag": Name(doc="The flag is true."),
        "given": Name(doc="The optional input was given."),
        "input_true": Name(doc="The bool input is true."),
        "input_in": Record(
            "input_in",
            {"input": Field(Name(), required=True), "values": Field(ListOf(Name(), min_items=1), required=True)},
            doc="The channel or choice input is one of these values.",
        ),
        "count_at_least": Record(
            "count_at_least",
            {"counter": Field(Name(), required=True), "value": Field(Int(minimum=0), required=True)},
            doc="The counter has reached the value.",
        ),
        "codes_left": Record(
            "codes_left",
            {"credential": Field(Name(), required=True), "at_least": Field(Int(minimum=0), required=True)},
            doc="A set of codes still has at least this many unused codes.",
        ),
        "within": Name(doc="The deadline is running and not yet expired (per its boundary)."),
        "expired": Name(doc="The deadline is running and has expired."),
        "in_state": OneOrMany(Name(), doc="The member is in one of these states."),
        "accepts": Record(
            "accepts",
            {"channel": Field(Name(), required=True), "credential": Field(Name(), required=True)},
            doc="The access table lets this credential in on this channel right now.",
        ),
        "not": Lazy(lambda: GUARD),
        "all": ListOf(Lazy(lambda: GUARD), min_items=1),
        "any": ListOf(Lazy(lambda: GUARD), min_items=1),
        "implies": Record(
            "implies",
            {"if": Field(Lazy(lambda: GUARD), required=True), "then": Field(Lazy(lambda: GUARD), required=True)},
        ),
    },
    doc="A condition from credlab's fixed vocabulary; no expression in a spec is ever executed.",
)

EFFECT = Tagged(
    "effect",
    {
        "set_credential": Record(
            "set_credential",
            {"credential": Field(Name(), required=True), "from": Field(Name(), required=True)},
            doc="Store the input as the credential's new value (skipped when an optional input is absent).",
        ),
        "use_code": Record(
            "use_code",
            {"credential": Field(Name(), required=True), "from": Field(Name(), required=True)},
            doc="The code the input holds is used up: it no longer matches (a set of codes only).",
        ),
        "clear_credential": Name(doc="The credential no longer holds a value."),
        "randomize_credential": Name(
            doc="Set the credential to a random value its policy accepts (seeded); a set of codes gets a new "
            "set, and the old codes stop working."
        ),
        "increment": Name(doc="Add one to the counter (it stops at its maximum)."),
        "reset_counter": Name(doc="Set the counter back to zero."),
        "set_flag": Name(),
        "clear_flag": Name(),
        "start_deadline": Name(doc="(Re)start the deadline's clock now."),
        "stop_deadline": Name(doc="The deadline no longer runs (a used or withdrawn link)."),
        "send": Name(doc="Deliver a declared message through its channel."),
    },
    doc="A change of the member's record, from credlab's fixed vocabulary.",
)
