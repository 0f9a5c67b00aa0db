"""``python -m hybridspec.bench rnn|overhead ...`` (the same as ``hybridspec bench ...``)."""

import sys

from .cli import main

sys.exit(main())
