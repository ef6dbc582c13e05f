"""The JSON Schema shipped for editors is generated from the language and agrees with the loader."""

from __future__ import annotations

import json

import jsonschema
import yaml

from credlab.model.spec_schema import spec_json_schema
from tests.conftest import ANA_SPEC, REPO

SHIPPED = REPO / "spec" / "credlab-spec.schema.json"


def test_the_shipped_schema_is_current() -> None:
    """Regenerate with `make schema` when the language changes."""
    assert json.loads(SHIPPED.read_text(encoding="utf-8")) == spec_json_schema()


def test_the_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(spec_json_schema())


def test_the_ana_spec_satisfies_the_schema() -> None:
    document = yaml.safe_load(ANA_SPEC.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(spec_json_schema()).validate(document)


def test_the_schema_refuses_what_the_loader_refuses() -> None:
    document = yaml.safe_load(ANA_SPEC.read_text(encoding="utf-8"))
    document["deadlines"]["reset_link"]["boundry"] = "exclusive"
    errors = list(jsonschema.Draft202012Validator(spec_json_schema()).iter_errors(document))
    assert any("boundry" in e.message for e in errors)
