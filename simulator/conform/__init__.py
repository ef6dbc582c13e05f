"""Conformance: the spec's stories driven through a system under test, step by step, every
observable outcome compared with the spec's (see :mod:`credlab.simulator.conform.run`)."""
