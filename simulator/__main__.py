"""``python -m simulator`` is the ``credlab`` command."""

import sys

from simulator.cli import main

sys.exit(main())
