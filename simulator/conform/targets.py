"""Naming a system under test: ``spec:FILE`` or a URL with its HTTP binding."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from credlab.model import ir
from credlab.model.errors import UsageError
from credlab.model.loader import load_spec
from credlab.simulator.conform.target import Target


@contextmanager
def open_target(
    spec: ir.Spec, target: str, binding: str | os.PathLike[str] | None, smtp: str | None, browser: bool = False
) -> Iterator[Target]:
    """The system under test ``target`` names, open for the run and shut after it; ``browser``:
    the binding's browser events through headless Chromium."""
    from credlab.simulator.conform.engine_target import EngineTarget

    kind, colon, where = target.partition(":")
    if kind == "spec" and colon and where:
        if binding is not None or browser:
            raise UsageError("--binding and --browser are for URL targets; spec:FILE needs neither")
        yield EngineTarget(load_spec(where))
        return
    if kind not in ("http", "https"):
        raise UsageError(
            f"target '{target}': give a URL (http://127.0.0.1:8000) with --binding FILE, "
            "or spec:FILE (another spec as the system under test)"
        )
    if binding is None:
        raise UsageError(
            f"target '{target}': say how to drive it with --binding FILE (see examples/ana_app/binding.yaml)"
        )
    from credlab.simulator.conform.binding import load_binding, smtp_address
    from credlab.simulator.conform.http_target import HttpTarget

    loaded = load_binding(binding, spec)
    address = smtp_address(smtp) if smtp else None
    if browser:
        from credlab.simulator.conform.browser_target import BrowserTarget

        with BrowserTarget(spec, loaded, target, address) as in_chromium:
            yield in_chromium
        return
    with HttpTarget(spec, loaded, target, address) as system:
        yield system
