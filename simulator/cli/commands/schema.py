"""``credlab schema``: print the JSON Schema of spec or scenario files, generated from the language."""

from __future__ import annotations

import argparse
from typing import Any

from credlab.simulator.cli.options import add_command
from credlab.simulator.cli.output import emit_json

HELP = "print the JSON Schema of spec files, or of scenario files (for editors)"
DESCRIPTION = """\
Print the JSON Schema of spec files (default) or of scenario files (--scenario), generated from
the same definitions the loaders use. spec/credlab-spec.schema.json and
scenarios/credlab-scenario.schema.json are this output (`make schema` regenerates both).
"""


def add_parser(sub: Any) -> None:
    parser = add_command(sub, "schema", help=HELP, description=DESCRIPTION)
    parser.add_argument("--scenario", action="store_true", help="the schema of scenario files instead")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from credlab.model.spec_schema import spec_json_schema
    from credlab.simulator.stories.schema import scenario_json_schema

    emit_json(scenario_json_schema() if args.scenario else spec_json_schema())
    return 0
