"""``credlab schema``: print the JSON Schema of spec files, generated from the language definition."""

from __future__ import annotations

import argparse
from typing import Any

from model.spec_schema import spec_json_schema
from simulator.options import add_command
from simulator.output import emit_json

HELP = "print the JSON Schema of spec files (for editors)"


def add_parser(sub: Any) -> None:
    parser = add_command(sub, "schema", help=HELP, description=HELP + ". spec/credlab-spec.schema.json is this output.")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    emit_json(spec_json_schema())
    return 0
