"""Regenerate each dataset folder's ``dummy_data/`` and metadata files.

``dummy_data/`` holds a small synthetic archive, extracted, in the real layout (written by
:mod:`kvasir_seg.synthetic`: real ids, noisy JPEG masks, an unsorted box file, small
images to keep the folder light). ``README.md``, ``CITATIONS.bib``, ``TAGS.txt`` and
``checksums.tsv`` are written from the catalog (see :mod:`kvasir_seg_tfds.metadata`).

    python -m kvasir_seg_tfds.make_dummy_data            # all three datasets
    python -m kvasir_seg_tfds.make_dummy_data kvasir_seg
"""

from __future__ import annotations

import argparse
import logging
import shutil
from pathlib import Path

from kvasir_seg.catalog import DATASETS, get_spec
from kvasir_seg.synthetic import write_archive
from kvasir_seg_tfds.metadata import metadata_files

logger = logging.getLogger(__name__)

PACKAGE = Path(__file__).resolve().parent

#: How each dummy archive is written: a few examples at small sizes. Kvasir-SEG's ids
#: cover both official splits and the PraNet test split; the capsule archive uses the
#: layout with a third folder of box-drawn frames, under a folder named after the zip.
DUMMY_ARCHIVES: dict[str, dict[str, object]] = {
    "kvasir_seg": {"count": 6, "sizes": [(96, 80), (120, 90), (80, 64)]},
    "kvasir_sessile": {"count": 4, "sizes": [(88, 72), (100, 80)]},
    "kvasir_capsule_seg": {"count": 3, "layout": "official-guess"},
}


def write_dataset_folder(name: str, root: Path = PACKAGE) -> Path:
    """Rewrite ``root/<name>/dummy_data/`` and the metadata files; return the folder."""
    spec = get_spec(name)
    folder = root / spec.name
    dummy = folder / "dummy_data"
    shutil.rmtree(dummy, ignore_errors=True)
    write_archive(spec.name, dummy, zipped=False, junk=False, **DUMMY_ARCHIVES[spec.name])  # type: ignore[arg-type]
    for file_name, text in metadata_files(spec).items():
        (folder / file_name).write_text(text, encoding="utf-8")
    logger.info("wrote %s", folder)
    return folder


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("datasets", nargs="*", help=f"any of {', '.join(DATASETS)} (default: all)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for name in args.datasets or DATASETS:
        write_dataset_folder(name)


if __name__ == "__main__":
    main()
