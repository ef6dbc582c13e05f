"""``credlab.simulator``: everything that runs a compiled spec.

Four rooms, imports flowing one way (a test reads them to keep it so):

* :mod:`~credlab.simulator.stories` — the scenario language, loading, the runner, traces and coverage;
* :mod:`~credlab.simulator.analysis` — fuzzing, exploration, attacker analysis, lint, mutation and
  the main job, each returning a typed result;
* :mod:`~credlab.simulator.render` — diagrams and the HTML report, from specs and results only;
* :mod:`~credlab.simulator.cli` — the argparse shell: parse → :mod:`~credlab.simulator.api` → render.
"""
