"""Shared fixtures: the repository root and the ANA spec, loaded once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from credlab.model.ir import Spec
from credlab.model.loader import load_spec

REPO = Path(__file__).resolve().parent.parent
ANA_SPEC = REPO / "spec" / "ana_web_password.yaml"


@pytest.fixture(scope="session")
def ana() -> Spec:
    return load_spec(ANA_SPEC)
