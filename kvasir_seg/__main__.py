"""``python -m kvasir_seg``: the same as the ``kvasir-seg`` command."""

import sys

from kvasir_seg.cli import main

sys.exit(main())
