"""``python -m kvasir_seg``: the same as the ``kvasir-seg`` command."""

import sys

from kvasir_seg.app.cli import main

sys.exit(main())
