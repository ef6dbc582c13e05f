"""Many members under a behaviour profile: how often things happen (``credlab population``)."""
