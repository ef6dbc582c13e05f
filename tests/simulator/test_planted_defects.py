"""The planted-defect fixtures are the current ANA spec with one defect each, nothing else."""

from __future__ import annotations

import pytest

from tests.fixtures.defects import planted


def test_every_fixture_is_what_planting_its_defect_in_the_current_spec_makes() -> None:
    made = planted.fixtures(
        planted.SPEC.read_text(encoding="utf-8"),
        (planted.SPEC.parent / planted.POLICY_TEXT).read_text(encoding="utf-8"),
    )
    on_disk = {path.name for path in planted.HERE.iterdir() if path.suffix in (".yaml", ".txt")}
    assert on_disk == set(made)
    stale = [name for name, text in made.items() if (planted.HERE / name).read_text(encoding="utf-8") != text]
    assert stale == [], f"regenerate with: .venv/bin/python -m tests.fixtures.defects.planted ({', '.join(stale)})"


def test_an_edit_that_no_longer_applies_says_so() -> None:
    text = "a:\n  b: 1\n"
    assert planted.apply(text, planted.Edit("a:\n", "  b: 1\n", "  b: 2\n")) == "a:\n  b: 2\n"
    with pytest.raises(planted.EditFailed, match="not exactly once"):
        planted.apply(text, planted.Edit("c:\n", "  b: 1\n", ""))
    with pytest.raises(planted.EditFailed, match="is not after"):
        planted.apply(text, planted.Edit("a:\n", "  b: 3\n", ""))
