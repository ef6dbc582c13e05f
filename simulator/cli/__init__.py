"""The ``credlab`` command line: a thin shell. Each command module parses its arguments, calls
:mod:`credlab.simulator.api` and renders the typed result; nothing below this package imports it."""
