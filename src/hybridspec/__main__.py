"""``python -m hybridspec``: the same as the ``hybridspec`` command."""

import sys

from .cli import main

sys.exit(main())
