"""The packed engine: situations as integers (:mod:`.packing`), time as zones (:mod:`.zones`,
:mod:`.clocks`). What the searches in :mod:`credlab.simulator.analysis` run on."""
