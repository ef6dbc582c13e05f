"""The JSON Schemas shipped for HTTP bindings and behaviour profiles are generated from the
languages the loaders read, and fit the shipped examples (editors check files against them)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from credlab.simulator.cli.main import main
from tests.conftest import REPO

SHIPPED = {
    "--binding": (
        REPO / "examples" / "ana_app" / "credlab-binding.schema.json",
        [REPO / "examples" / "ana_app" / "binding.yaml"],
    ),
    "--profile": (
        REPO / "examples" / "profiles" / "credlab-profile.schema.json",
        sorted((REPO / "examples" / "profiles").glob("*.yaml")),
    ),
}


@pytest.mark.parametrize("flag", sorted(SHIPPED))
def test_the_shipped_schema_is_current_valid_and_fits_the_examples(
    flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Regenerate with `make schema` when the language changes."""
    shipped, examples = SHIPPED[flag]
    assert main(["schema", flag]) == 0
    generated = json.loads(capsys.readouterr().out)
    assert json.loads(shipped.read_text(encoding="utf-8")) == generated
    jsonschema.Draft202012Validator.check_schema(generated)
    assert examples
    for path in examples:
        jsonschema.Draft202012Validator(generated).validate(yaml.safe_load(Path(path).read_text(encoding="utf-8")))
