"""The spec language's definition: every key a spec file may hold, its type and its meaning.

This module is the single source of truth: the loader decodes with it, the JSON Schema shipped
for editors is generated from it (``credlab schema``), and the docstrings become the schema's
descriptions. The meaning of each guard and effect is implemented in :mod:`credlab.model.runtime`.
"""

from __future__ import annotations

from typing import Any, get_args

from credlab.model import ir
from credlab.model.scalars import Bool, Choice, DurationText, Int, Name, Text
from credlab.model.schema import Field, ListOf, MapOf, OneOrMany, Record, json_schema
from credlab.model.spec_schema_parts import _ASSUMES, _DESCRIPTION, _SOURCE
from credlab.model.spec_schema_parts import BOUNDARIES as BOUNDARIES
from credlab.model.spec_schema_parts import CHANNEL_KINDS as CHANNEL_KINDS
from credlab.model.spec_schema_parts import CHAR_CLASSES as CHAR_CLASSES
from credlab.model.spec_schema_parts import CREDENTIAL as CREDENTIAL
from credlab.model.spec_schema_parts import CREDENTIAL_KINDS as CREDENTIAL_KINDS
from credlab.model.spec_schema_parts import EFFECT as EFFECT
from credlab.model.spec_schema_parts import FACTORS as FACTORS
from credlab.model.spec_schema_parts import FINDING_KINDS as FINDING_KINDS
from credlab.model.spec_schema_parts import FORMAT_VERSION as FORMAT_VERSION
from credlab.model.spec_schema_parts import GUARD as GUARD
from credlab.model.spec_schema_parts import INPUT_TYPES as INPUT_TYPES
from credlab.model.spec_schema_parts import PERSONAL_FIELDS as PERSONAL_FIELDS
from credlab.model.spec_schema_parts import POLICY as POLICY
from credlab.model.spec_schema_parts import POLICY_RULE as POLICY_RULE
from credlab.model.spec_schema_parts import RULE_CHECK as RULE_CHECK
from credlab.model.spec_schema_parts import SEVERITIES as SEVERITIES

SPEC = Record(
    "spec",
    {
        "credlab": Field(Int(minimum=1, maximum=FORMAT_VERSION), required=True, doc="The spec format version: 1."),
        "name": Field(Name(), required=True),
        "title": Field(Text(), required=True),
        "description": _DESCRIPTION,
        "document": Field(
            Record(
                "document",
                {
                    "file": Field(Text(), required=True, doc="The policy text, a file in the spec's own folder."),
                    "unquoted": Field(
                        ListOf(
                            Record(
                                "unquoted line",
                                {
                                    "text": Field(Text(), required=True, doc="A line of the document, as written."),
                                    "why": Field(Text(), required=True, doc="Why the line states no rule."),
                                },
                            )
                        ),
                        doc="Lines of the document that state no rule, each with the reason.",
                    ),
                },
            ),
            doc="The policy text the spec encodes; every line must be quoted or explained.",
        ),
        "sources": Field(
            MapOf(Text(), what="source id"), required=True, doc="Sentences of the policy text, quoted verbatim, by id."
        ),
        "assumptions": Field(
            MapOf(
                Record(
                    "assumption",
                    {
                        "question": Field(Text(), required=True, doc="What the text leaves open."),
                        "choice": Field(Text(), required=True, doc="What this spec chose, and why."),
                        "source": _SOURCE,
                    },
                ),
                what="assumption id",
            )
        ),
        "parameters": Field(
            MapOf(
                Record(
                    "parameter",
                    {
                        "type": Field(Choice(get_args(ir.ParameterType)), required=True),
                        "default": Field(DurationText(), required=True),
                        "description": _DESCRIPTION,
                        "source": _SOURCE,
                        "assumes": _ASSUMES,
                    },
                ),
                what="parameter",
            )
        ),
        "credentials": Field(MapOf(CREDENTIAL, what="credential"), required=True),
        "policies": Field(MapOf(POLICY, what="policy"), required=True),
        "capabilities": Field(MapOf(Text(), what="capability"), doc="What an actor may have, with a sentence each."),
        "channels": Field(
            MapOf(
                Record(
                    "channel",
                    {
                        "kind": Field(Choice(CHANNEL_KINDS), required=True),
                        "description": _DESCRIPTION,
                        "reaches": Field(
                            Name(),
                            doc="For a channel that carries messages (email, post, sms, app, screen, in person): "
                            "the capability of whoever receives what it delivers.",
                        ),
                        "assumes": _ASSUMES,
                    },
                ),
                what="channel",
            ),
            required=True,
        ),
        "access": Field(
            ListOf(
                Record(
                    "access rule",
                    {
                        "channel": Field(Name(), required=True),
                        "credential": Field(Name(), required=True),
                        "also": Field(
                            ListOf(Name()),
                            doc="More credentials presented with it: the rule takes all of them (two factors).",
                        ),
                        "requires": Field(
                            ListOf(Name()),
                            doc="Capabilities whoever presents it must hold (the card in the slot): more factors.",
                        ),
                        "when": Field(GUARD, doc="When the rule applies (always, if absent)."),
                        "source": _SOURCE,
                        "assumes": _ASSUMES,
                    },
                )
            ),
            doc="Which credential lets a member in on which channel, and when.",
        ),
        "actors": Field(
            MapOf(
                Record(
                    "actor",
                    {
                        "description": _DESCRIPTION,
                        "knows": Field(ListOf(Name()), doc="Credentials whose values the actor knows."),
                        "has": Field(ListOf(Name()), doc="Capabilities the actor has."),
                        "profile": Field(
                            MapOf(Text(), what="profile field"), doc="Personal information, for `avoid_personal_info`."
                        ),
                    },
                ),
                what="actor",
            )
        ),
        "flags": Field(
            MapOf(
                Record(
                    "flag",
                    {
                        "initial": Field(Bool(), doc="Default false."),
                        "description": _DESCRIPTION,
                    },
                ),
                what="flag",
            )
        ),
        "counters": Field(
            MapOf(
                Record(
                    "counter",
                    {
                        "maximum": Field(
                            Int(minimum=1, maximum=1_000_000), required=True, doc="It never counts past this."
                        ),
                        "description": _DESCRIPTION,
                        "source": _SOURCE,
                    },
                ),
                what="counter",
            ),
            doc="Bounded counts (wrong PIN attempts, say); bounded so that exploration stays finite.",
        ),
        "deadlines": Field(
            MapOf(
                Record(
                    "deadline",
                    {
                        "duration": Field(
                            DurationText(or_name=True), required=True, doc="A duration, or a duration parameter's name."
                        ),
                        "boundary": Field(
                            Choice(BOUNDARIES),
                            required=True,
                            doc="inclusive: still valid at exactly the duration; exclusive: expired then.",
                        ),
                        "on_expiry": Field(Name(), doc="An internal event fired when the deadline expires."),
                        "from_start": Field(
                            Bool(),
                            doc="Runs from the moment the member starts in an initial state (a card's expiry, "
                            "a trial period), with no effect starting it.",
                        ),
                        "description": _DESCRIPTION,
                        "source": _SOURCE,
                        "assumes": _ASSUMES,
                    },
                ),
                what="deadline",
            )
        ),
        "messages": Field(
            MapOf(
                Record(
                    "message",
                    {
                        "via": Field(Name(), required=True, doc="An email or post channel."),
                        "carries": Field(Name(), doc="A credential whose value the message discloses."),
                        "delay": Field(
                            Record(
                                "delay",
                                {
                                    "min": Field(DurationText(or_name=True), required=True),
                                    "max": Field(DurationText(or_name=True), required=True),
                                },
                                doc="How long the message takes to arrive: at least `min`, at most `max` "
                                "(durations, or duration parameters' names). Exploration tries every "
                                "arrival in between; a story says when with the `<message>_arrives` event. "
                                "Without it, the message arrives the instant it is sent.",
                            )
                        ),
                        "description": _DESCRIPTION,
                        "source": _SOURCE,
                        "assumes": _ASSUMES,
                    },
                ),
                what="message",
            )
        ),
        "states": Field(
            MapOf(
                Record(
                    "state",
                    {
                        "description": Field(Text(), required=True),
                        "lifecycle": Field(Bool(), doc="One of the named lifecycle states (drawn prominently)."),
                        "group": Field(Name(), doc="A group name for diagrams (registration, reset, ...)."),
                        "session": Field(
                            Bool(),
                            doc="A screen in the session of whoever reached it: only the actor whose event "
                            "entered it may leave it by an event (the clock's expiry events aside).",
                        ),
                        "final": Field(
                            Bool(),
                            doc="An end of the lifecycle (a closed account, an expired card): no transition "
                            "leaves it, and exploration calls it neither a deadlock nor a place to get back from.",
                        ),
                        "assumes": _ASSUMES,
                        "source": _SOURCE,
                    },
                ),
                what="state",
            ),
            required=True,
        ),
        "initial": Field(
            OneOrMany(Name()), required=True, doc="The state(s) a member may start in; the first is the default."
        ),
        "events": Field(
            MapOf(
                Record(
                    "event",
                    {
                        "description": _DESCRIPTION,
                        "internal": Field(Bool(), doc="Fired by credlab itself (deadline expiry), not by an actor."),
                        "requires": Field(ListOf(Name()), doc="Capabilities an actor needs to cause this event."),
                        "gains": Field(
                            Name(),
                            doc="A capability event: the actor gains (or regains) this capability — a new "
                            "phone, a mailbox recovered, an attacker's SIM swap. It changes what the actor "
                            "holds, not the policy's state: no transition fires on it.",
                        ),
                        "loses": Field(
                            Name(),
                            doc="A capability event: the actor loses this capability (a lost phone, a closed "
                            "mailbox, a move without a forwarding address). Analyses fire it to find dead ends.",
                        ),
                        "actor": Field(
                            Name(), doc="Whose capability a gains/loses event changes (default: the first actor)."
                        ),
                        "assumes": _ASSUMES,
                        "inputs": Field(
                            MapOf(
                                Record(
                                    "input",
                                    {
                                        "type": Field(Choice(INPUT_TYPES), required=True),
                                        "optional": Field(Bool()),
                                        "values": Field(
                                            ListOf(Name(), min_items=1),
                                            doc="For channel (a subset of channels) and choice inputs.",
                                        ),
                                        "description": _DESCRIPTION,
                                    },
                                ),
                                what="input",
                            )
                        ),
                        "source": _SOURCE,
                    },
                ),
                what="event",
            ),
            required=True,
        ),
        "transitions": Field(
            ListOf(
                Record(
                    "transition",
                    {
                        "id": Field(Name(), required=True),
                        "event": Field(Name(), required=True),
                        "from": Field(OneOrMany(Name()), required=True),
                        "to": Field(Name(), doc="The target state; absent: stay (an internal transition)."),
                        "when": Field(ListOf(GUARD), doc="Guards, all of which must hold, checked in order."),
                        "do": Field(ListOf(EFFECT), doc="Effects, applied in order."),
                        "source": Field(OneOrMany(Name()), required=True),
                        "assumes": _ASSUMES,
                    },
                ),
                min_items=1,
            ),
            required=True,
        ),
        "invariants": Field(
            ListOf(
                Record(
                    "invariant",
                    {
                        "id": Field(Name(), required=True),
                        "text": Field(Text(), required=True, doc="The property in one sentence."),
                        "holds": Field(GUARD, required=True),
                        "source": Field(OneOrMany(Name()), required=True),
                        "assumes": _ASSUMES,
                    },
                )
            )
        ),
        "accepted_findings": Field(
            ListOf(
                Record(
                    "accepted finding",
                    {
                        "kind": Field(Choice(FINDING_KINDS), required=True, doc="The kind of finding accepted."),
                        "reason": Field(Text(), required=True, doc="Why the policy accepts this risk."),
                        "channel": Field(Name(), doc="Accept only findings about this channel."),
                        "capabilities": Field(
                            ListOf(Name()),
                            doc="Accept only findings for an attacker holding exactly these capabilities "
                            "and credentials (by name); `[]` is an attacker who holds nothing.",
                        ),
                        "source": Field(OneOrMany(Name()), required=True),
                        "assumes": _ASSUMES,
                    },
                )
            ),
            doc="Findings the policy accepts as known risks, each with its reason and the sentence that "
            "accepts it: still reported, marked accepted, and no failure of `credlab check`.",
        ),
    },
    doc="A credential lifecycle policy for credlab.",
)


def spec_json_schema() -> dict[str, Any]:
    """The JSON Schema of spec files, generated from :data:`SPEC`."""
    return json_schema(SPEC, title="credlab spec", schema_id="https://credlab.invalid/spec.schema.json")
