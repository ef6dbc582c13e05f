"""The JSON Schema shipped for scenario files is generated from the language and fits every story."""

from __future__ import annotations

import json

import jsonschema
import yaml

from credlab.simulator.stories.schema import scenario_json_schema
from tests.conftest import REPO

SHIPPED = REPO / "scenarios" / "credlab-scenario.schema.json"


def test_the_shipped_schema_is_current() -> None:
    """Regenerate with `make schema` when the language changes."""
    assert json.loads(SHIPPED.read_text(encoding="utf-8")) == scenario_json_schema()


def test_the_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(scenario_json_schema())


def test_every_scenario_file_satisfies_the_schema() -> None:
    validator = jsonschema.Draft202012Validator(scenario_json_schema())
    files = sorted((REPO / "scenarios").rglob("*.yaml"))
    assert files
    for path in files:
        validator.validate(yaml.safe_load(path.read_text(encoding="utf-8")))
