"""The exploration's inner loop in C: built where credlab is installed (gcc is part of the setup),
taken by every search it applies to, and giving the Python loop's exploration number for number."""

from __future__ import annotations

from pathlib import Path

import pytest

from credlab.model.engine import Engine
from credlab.model.loader import load_spec
from credlab.simulator.analysis import native
from credlab.simulator.analysis.exploration import Exploration
from credlab.simulator.analysis.explore import Explorer
from tests.simulator.test_explore_tables import SPECS, _graph

UNTIMED = [path for path in SPECS if not load_spec(path).deadlines]
OPTIONS = [
    pytest.param({}, {}, id="checked"),
    pytest.param({}, {"check": False, "every_step": True}, id="every-step"),
    pytest.param({"max_states": 7}, {}, id="bounded"),
]


def test_the_c_loop_is_built_where_credlab_is_installed() -> None:
    assert native.built(), "simulator/engine/_bfs.c did not build: `make setup` needs gcc and the Python headers"


def test_it_applies_to_word_packed_specs_without_deadlines_only() -> None:
    assert UNTIMED and len(UNTIMED) < len(SPECS)
    for path in SPECS:
        explorer = Explorer(Engine(load_spec(path)))
        assert native.applies(explorer, stop=None) == (not explorer.spec.deadlines), path
        assert not native.applies(explorer, stop=lambda found, node: False)  # a stop is asked in Python
        assert not native.applies(Explorer(Engine(load_spec(path)), tables=False), stop=None)


def _explore(path: Path, c_loop: bool, made: dict[str, object], run: dict[str, object]) -> Exploration:
    native.ENABLED = c_loop
    try:
        return Explorer(Engine(load_spec(path)), **made).explore(**run)  # type: ignore[arg-type]
    finally:
        native.ENABLED = True


@pytest.mark.parametrize(("made", "run"), OPTIONS)
@pytest.mark.parametrize("path", UNTIMED, ids=lambda p: f"{Path(p).parent.name}/{Path(p).stem}")
def test_the_c_loop_explores_as_the_python_loop(
    path: Path, made: dict[str, object], run: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    search = native.search

    def counted(*args: object, **kwargs: object) -> int:
        calls.append(1)
        return search(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(native, "search", counted)
    in_c = _explore(path, True, made, run)
    assert calls, "the C loop ran"
    in_python = _explore(path, False, made, run)
    assert len(calls) == 1, "the Python loop ran without it"
    assert _graph(in_c) == _graph(in_python)
    assert in_c.first_fired.keys() == in_python.first_fired.keys()
    assert [(n, e) for n, e in in_c.first_fired.values()] == [(n, e) for n, e in in_python.first_fired.values()]


def test_progress_is_reported_from_the_c_loop_too() -> None:
    seen: list[int] = []
    path = next(p for p in UNTIMED if p.stem == "ctrgrid_6")
    explorer = Explorer(Engine(load_spec(path)), progress=lambda found: seen.append(found.frontier))
    found = explorer.explore()
    assert seen and found.complete
