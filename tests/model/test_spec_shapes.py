"""A spec of any shape loads or says where it is wrong: a wrong shape anywhere (a list where a
mapping goes, a number where a name goes, nothing where something is required) is a located
problem, never a Python error from inside credlab."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from credlab.model.errors import SpecError
from credlab.model.loader import load_spec
from tests.conftest import ANA_SPEC
from tests.simulator.test_hostile_inputs import SHAPES, _paths, _replaced

DOCUMENT = yaml.safe_load(ANA_SPEC.read_text(encoding="utf-8"))
PLACES = _paths(DOCUMENT)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    here = tmp_path_factory.mktemp("shapes")
    shutil.copy(ANA_SPEC.parent / DOCUMENT["document"]["file"], here)
    return here


@settings(max_examples=200, deadline=None)
@given(at=st.sampled_from(PLACES), value=SHAPES)
def test_a_spec_of_any_shape_loads_or_says_where_it_is_wrong(folder: Path, at: tuple[Any, ...], value: Any) -> None:
    path = folder / "shapes.yaml"
    path.write_text(yaml.safe_dump(_replaced(DOCUMENT, at, value), allow_unicode=True), encoding="utf-8")
    try:
        load_spec(path)
    except SpecError as error:
        assert error.problems
        assert all(p.location.path in (str(path), str(folder / DOCUMENT["document"]["file"])) for p in error.problems)
