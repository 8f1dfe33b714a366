"""Read an archive in place (a zip, or the folder it extracts to) into example records.

The reader finds the folder of images and the folder of masks by their content (the
capsule archive's folder names are not known, and names are not trusted), reads the box
file when there is one, validates everything it reads, and yields plain :class:`Example`
records that both the Hugging Face and the TFDS builders turn into their own features.

- :mod:`~kvasir_seg.archive.sources`: the zip or folder, read under bounds;
- :mod:`~kvasir_seg.archive.nested`: the archives nested in it (``.tar.gz`` members);
- :mod:`~kvasir_seg.archive.layout`: which folder holds what, decided by content;
- :mod:`~kvasir_seg.archive.boxes`: the box file;
- :mod:`~kvasir_seg.archive.reader`: pairing, decoding, validation, the records, and
  :func:`open_archive`, which opens a copy as every adapter does (:mod:`kvasir_seg.resolve`).

    >>> from kvasir_seg.archive import open_archive
    >>> with open_archive("kvasir_seg", "~/Downloads/kvasir-seg.zip") as archive:  # doctest: +SKIP
    ...     print(len(archive.ids))
    ...     first = next(archive.examples(archive.ids[:1]))
    1000
"""

from kvasir_seg.archive.boxes import check_boxes, parse_box_file
from kvasir_seg.archive.layout import Layout, find_layout
from kvasir_seg.archive.reader import Example, KvasirArchive, extra_fields, open_archive, open_copy
from kvasir_seg.archive.sources import (
    IMAGE_SUFFIXES,
    MAX_MEMBER_BYTES,
    FolderSource,
    Source,
    ZipSource,
)
from kvasir_seg.resolve import locate_archive

__all__ = [
    "IMAGE_SUFFIXES",
    "MAX_MEMBER_BYTES",
    "Example",
    "FolderSource",
    "KvasirArchive",
    "Layout",
    "Source",
    "ZipSource",
    "check_boxes",
    "extra_fields",
    "find_layout",
    "locate_archive",
    "open_archive",
    "open_copy",
    "parse_box_file",
]
