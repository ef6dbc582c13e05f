"""Hypothesis profiles for the tests: `ci` (set the CI environment variable) is derandomized and keeps
no example database, so a CI run is reproducible and leaves nothing behind; `dev` is the local default
without a database. `pytest --hypothesis-profile dev` picks one explicitly.

`credlab fuzz` itself pins its own settings (explicit seed, no database), so these profiles only
affect Hypothesis tests written in tests/.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
settings.register_profile("dev", database=None)

if os.environ.get("CI"):
    settings.load_profile("ci")
