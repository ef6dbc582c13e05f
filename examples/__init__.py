"""Implementations to test credlab against (``credlab conform``): reference systems with seeded bugs."""
