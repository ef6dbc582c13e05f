"""Analyses of a spec: the shared shortest-path search (:mod:`.paths`), Hypothesis fuzzing
(:mod:`.fuzz`), exhaustive exploration (:mod:`.explore`) with attacker analysis (:mod:`.attacker`),
lint (:mod:`.lint`), mutation (:mod:`.mutate`) and the main job (:mod:`.check`)."""
