"""``credlab schema``: print the JSON Schema of spec or scenario files, generated from the language."""

from __future__ import annotations

import argparse
from typing import Any

from credlab.simulator.cli.options import add_command
from credlab.simulator.cli.output import emit_json

HELP = "print the JSON Schema of spec, scenario, HTTP binding or behaviour profile files (for editors)"
DESCRIPTION = """\
Print the JSON Schema of spec files (default), scenario files (--scenario), HTTP bindings
(--binding) or behaviour profiles (--profile), generated from the same definitions the loaders
use. spec/credlab-spec.schema.json, scenarios/credlab-scenario.schema.json,
examples/ana_app/credlab-binding.schema.json and examples/profiles/credlab-profile.schema.json
are this output (`make schema` regenerates them).
"""


def add_parser(sub: Any) -> None:
    parser = add_command(sub, "schema", help=HELP, description=DESCRIPTION)
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument("--scenario", action="store_true", help="the schema of scenario files instead")
    kind.add_argument("--binding", action="store_true", help="the schema of HTTP bindings (credlab conform)")
    kind.add_argument("--profile", action="store_true", help="the schema of behaviour profiles (credlab population)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from credlab.model.schema import json_schema
    from credlab.model.spec_schema import spec_json_schema
    from credlab.simulator.stories.schema import scenario_json_schema

    if args.binding or args.profile:
        from credlab.simulator.conform.binding_schema import BINDING
        from credlab.simulator.population.profile import PROFILE

        root, title, name = (
            (BINDING, "credlab HTTP binding", "binding")
            if args.binding
            else (PROFILE, "credlab behaviour profile", "profile")
        )
        emit_json(json_schema(root, title=title, schema_id=f"https://credlab.invalid/{name}.schema.json"))
        return 0
    emit_json(scenario_json_schema() if args.scenario else spec_json_schema())
    return 0
