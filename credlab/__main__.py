"""``python -m credlab`` is the ``credlab`` command."""

import sys

from credlab.simulator.cli.main import main

sys.exit(main())
