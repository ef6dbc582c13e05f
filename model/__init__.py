"""credlab's language: load and validate policy specs, build the typed IR, compile machines.

``model`` never imports ``simulator``: data flows one way, load → validate → IR → backends.
Import :mod:`model.machine` for ``compile_spec`` (it pulls in ``transitions``).
"""

from model.errors import Location, Problem, SpecError
from model.loader import load_spec

__all__ = ["Location", "Problem", "SpecError", "load_spec"]
