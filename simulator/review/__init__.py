"""Review of a policy change: what changed in its text, in its behaviour, in its stories."""
