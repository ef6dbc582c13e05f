"""``credlab.model``: the language. Load and validate policy specs, build the typed IR, compile machines.

``credlab.model`` never imports ``credlab.simulator``: data flows one way, load → validate → IR →
backends. Importing this package imports nothing: :mod:`credlab.model.loader` has ``load_spec``,
:mod:`credlab.model.machine` has ``compile_spec`` (it pulls in ``transitions``).
"""
