"""The scenario language's definition: what a scenario file may hold (decoder and JSON Schema).

A scenario file tells stories about one spec, named by its ``name:``, never by a path::

    credlab_scenarios: 1
    spec: ana_web_password
    scenarios:
      - name: register_after_logging_out
        given: {state: logged_in_with_pin, credentials: {amc_pin: "0123"}}
        steps:
          - do: log_out
            expect: {state: unregistered}
          - do: login
            with: {secret: {known: amc_pin}}
            expect: {accepted: true, state: registration_screen}
          - advance: 1h59m
"""

from __future__ import annotations

from typing import Any

from credlab.model.scalars import AnyScalar, Bool, Choice, DurationText, Int, Name, Text
from credlab.model.schema import Either, Field, ListOf, MapOf, Record, Tagged, json_schema

FORMAT_VERSION = 1
SECRET_REFERENCES = ("known", "mailed", "previous", "wrong")

SECRET_REFERENCE = Tagged(
    "secret reference",
    {
        "known": Name(doc="The value of this credential the acting actor knows now (the latest they set or received)."),
        "mailed": Name(
            doc="The latest value of this credential delivered to the acting actor (the PIN on a postcard)."
        ),
        "previous": Name(doc="The value the acting actor knew before the latest one."),
        "wrong": Name(doc="A value the credential's policy accepts but that is not the credential's current value."),
    },
    doc="A secret named by what it is, not by its value: 'the mailed PIN'.",
)

INPUT_VALUE = Either(
    AnyScalar(), SECRET_REFERENCE, doc="A literal (as written: 0123 stays 0123) or a secret reference."
)

ADVANCE = Either(
    DurationText(or_name=True, doc="A duration (1h59m) or a duration parameter's name (reset_link_ttl)."),
    Record(
        "advance to a deadline",
        {
            "until": Field(Name(), required=True, doc="A running deadline: advance to its limit."),
            "offset": Field(Text(doc="A signed duration such as -1s or +1m."), doc="Stop this far from the limit."),
        },
    ),
)

EXPECT = Record(
    "expectation",
    {
        "state": Field(Name(), doc="The lifecycle state after the step."),
        "accepted": Field(Bool(), doc="Whether the event was accepted."),
        "transition": Field(Name(), doc="The transition that fired."),
        "broke": Field(ListOf(Name()), doc="Exactly the policy rules a refused input broke."),
        "failed_guard": Field(Text(), doc="The guard that refused the event, as credlab prints it."),
        "access": Field(
            MapOf(ListOf(Name()), what="channel"),
            doc="For each channel listed, exactly the credentials it accepts now.",
        ),
        "received": Field(ListOf(Name()), doc="Exactly the messages delivered during this step."),
        "credentials": Field(MapOf(Choice(("set", "unset")), what="credential")),
        "flags": Field(MapOf(Bool(), what="flag")),
        "counters": Field(MapOf(Int(minimum=0), what="counter")),
    },
    doc="What must be true after a step; only the keys given are checked.",
)

STEP = Record(
    "step",
    {
        "do": Field(Name(), doc="An event to fire."),
        "with": Field(MapOf(INPUT_VALUE, what="input"), doc="The event's inputs."),
        "as": Field(Name(), doc="The actor who acts (default: the scenario's actor)."),
        "advance": Field(ADVANCE, doc="Move the virtual clock instead of firing an event."),
        "expect": Field(EXPECT),
        "note": Field(Text(), doc="Why this step matters, for readers and reports."),
    },
)

SCENARIO = Record(
    "scenario",
    {
        "name": Field(Name(), required=True),
        "description": Field(Text()),
        "covers": Field(ListOf(Name()), doc="Ids of the spec's sources this story exercises."),
        "assumes": Field(ListOf(Name()), doc="Ids of the spec's assumptions this story depends on."),
        "given": Field(
            Record(
                "given",
                {
                    "state": Field(Name(), doc="The starting state (default: the spec's first initial state)."),
                    "actor": Field(
                        Name(), doc="Who acts (default: member if the spec declares it, else its first actor)."
                    ),
                    "credentials": Field(
                        MapOf(Text(), what="credential"),
                        doc="Starting values, known to the actor. Unset ones the spec starts set get a random value.",
                    ),
                    "flags": Field(MapOf(Bool(), what="flag")),
                    "running": Field(ListOf(Name()), doc="Deadlines already running, started at time 0."),
                    "actors": Field(
                        MapOf(
                            Record(
                                "actor grant",
                                {
                                    "has": Field(ListOf(Name()), doc="The capabilities it has in this story."),
                                    "knows": Field(ListOf(Name()), doc="Credentials whose given values it knows."),
                                },
                            ),
                            what="actor",
                        ),
                        doc="What other actors have and know in this story (an attacker's capabilities).",
                    ),
                },
            )
        ),
        "steps": Field(ListOf(STEP, min_items=1), required=True),
    },
)

SCENARIO_FILE = Record(
    "scenario file",
    {
        "credlab_scenarios": Field(Int(minimum=1, maximum=FORMAT_VERSION), required=True, doc="The format version: 1."),
        "spec": Field(Name(), required=True, doc="The name of the spec these stories are about."),
        "scenarios": Field(ListOf(SCENARIO, min_items=1), required=True),
    },
    doc="Scenarios: stories about one credlab spec.",
)


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files, generated from :data:`SCENARIO_FILE`."""
    return json_schema(
        SCENARIO_FILE, title="credlab scenarios", schema_id="https://credlab.invalid/scenario.schema.json"
    )
