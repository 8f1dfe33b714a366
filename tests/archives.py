"""Synthetic archives that are complete: the catalog's number of examples, at small sizes.

Only a complete copy is pinned on first use (:mod:`kvasir_seg.trust`); the tests of pins
and of accepted copies use these.
"""

from __future__ import annotations

from pathlib import Path

from kvasir_seg.catalog import get_spec
from kvasir_seg.testing import write_archive

#: Small image sizes, so that 196 or 1000 examples are quick to write and read.
SMALL_SIZES = [(48, 40), (56, 44), (40, 36)]


def complete_archive(dataset: str, directory: Path, *, seed: int = 0, zipped: bool = True) -> Path:
    """A synthetic archive of ``dataset`` with all of its examples (see the module doc)."""
    spec = get_spec(dataset)
    return write_archive(
        spec, directory, count=spec.expected_examples, seed=seed, zipped=zipped, sizes=SMALL_SIZES
    )
