"""The reader: pair images, masks and boxes, and yield validated :class:`Example` records.

>>> from kvasir_seg.archive import open_archive
>>> with open_archive("kvasir_seg", "~/Downloads/kvasir-seg.zip") as archive:  # doctest: +SKIP
...     print(len(archive.ids))
...     first = next(archive.examples(archive.ids[:1]))
1000

The examples below read small synthetic archives (:mod:`kvasir_seg.testing`).
"""

from __future__ import annotations

import logging
import os
import posixpath
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kvasir_seg.archive.boxes import check_boxes, parse_box_file
from kvasir_seg.archive.layout import Layout, find_layout
from kvasir_seg.archive.nested import open_source
from kvasir_seg.catalog import DatasetSpec, get_spec
from kvasir_seg.errors import ArchiveError, LayoutError
from kvasir_seg.image_files import image_size, read_mask_file
from kvasir_seg.logs import warn_once
from kvasir_seg.masks import Box, boxes_from_mask
from kvasir_seg.resolve import ResolvedArchive, resolve_path, settle
from kvasir_seg.splits import assign_splits
from kvasir_seg.store import ArchiveStore

logger = logging.getLogger(__name__)

_DOWNLOAD_AGAIN = "The file is corrupt or not from the official archive: download it again."
#: The layouts found in this process, by dataset and archive identity (the latest few).
_LAYOUTS: dict[tuple[str, str], Layout] = {}
_KEPT_LAYOUTS = 8


@dataclass(frozen=True)
class Example:
    """One example as read from an archive, before any ecosystem touches it.

    Args:
        image_id: the image's file name without extension.
        image_bytes: the archive's image file, bytes unchanged (a JPEG).
        mask: the mask, thresholded: a bool array of ``(height, width)``.
        height: the image's height in pixels.
        width: the image's width in pixels.
        bboxes: the boxes in pixels, in the Kvasir-SEG convention (left and top one pixel
            outside the mask, right and bottom exclusive).
        bbox_source: ``"official"`` (the archive's box file) or ``"mask"`` (derived from
            the mask).
        extra: the dataset's own fields (:func:`extra_fields`).

    Example:
        >>> import tempfile
        >>> from kvasir_seg.testing import write_archive
        >>> zip_path = write_archive("kvasir_sessile", tempfile.mkdtemp(), count=2)
        >>> with open_archive("kvasir_sessile", zip_path) as archive:
        ...     example = archive.read_example(archive.ids[0])
        >>> example.mask.shape == (example.height, example.width), example.bbox_source
        (True, 'mask')
    """

    image_id: str
    image_bytes: bytes
    mask: np.ndarray
    height: int
    width: int
    bboxes: tuple[Box, ...]
    bbox_source: str
    extra: dict[str, Any] = field(default_factory=dict)


class KvasirArchive:
    """An opened archive of one dataset: its ids, and its examples on demand.

    Use it as a context manager; it holds the zip open. Open it once per process (pass the
    path, the ``layout`` found and the ids to worker processes, not the object: a layout
    given is used as it is, so the folders are not probed again). It checks nothing about
    the copy's checksum: :func:`open_archive` does, then opens one.

    Args:
        spec: the dataset.
        path: the zip or the extracted folder.
        layout: the layout an earlier opening of the same archive found (None: found now,
            :func:`~kvasir_seg.archive.layout.find_layout`).

    Raises:
        LayoutError: an image has no mask or a mask no image, or the box file does not
            list exactly the images.
        ArchiveError: the archive cannot be read.

    Example:
        >>> import tempfile
        >>> from kvasir_seg.catalog import get_spec
        >>> from kvasir_seg.testing import write_archive
        >>> zip_path = write_archive("kvasir_seg", tempfile.mkdtemp(), count=2)
        >>> with KvasirArchive(get_spec("kvasir_seg"), zip_path) as archive:
        ...     len(archive.ids), archive.layout.mask_folder
        (2, 'Kvasir-SEG/masks')
    """

    def __init__(self, spec: DatasetSpec, path: Path, layout: Layout | None = None) -> None:
        self.spec = spec
        self.path = path
        self._source = open_source(path)
        try:
            self.layout: Layout = layout or find_layout(self._source, spec)
            self._check_pairs()
            self._boxes = self._read_boxes()
        except BaseException:
            self._source.close()
            raise
        self.ids: list[str] = sorted(self.layout.images)

    def __enter__(self) -> KvasirArchive:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the archive (the context manager does it on exit)."""
        self._source.close()

    def _check_pairs(self) -> None:
        images, masks = set(self.layout.images), set(self.layout.masks)
        for missing, present, what in (
            (images - masks, "image", "mask"),
            (masks - images, "mask", "image"),
        ):
            if missing:
                examples = ", ".join(sorted(missing)[:5])
                raise LayoutError(
                    f"{self.path}: {len(missing)} {present}(s) have no {what} ({examples}). "
                    "The archive is incomplete or modified: download it again."
                )

    def _read_boxes(self) -> dict[str, list[Box]] | None:
        name = self.layout.box_file
        if name is None:
            return None
        boxes = parse_box_file(self._source.read(name), name, self.spec.classes)
        orphans = sorted(set(boxes) - set(self.layout.images))
        if orphans:
            raise LayoutError(
                f"{name}: {len(orphans)} box entries have no image ({', '.join(orphans[:5])}). "
                "The archive is incomplete or modified: download it again."
            )
        unboxed = sorted(set(self.layout.images) - set(boxes))
        if unboxed:
            raise LayoutError(
                f"{name}: {len(unboxed)} images have no box entry ({', '.join(unboxed[:5])}). "
                "The archive is incomplete or modified: download it again."
            )
        return boxes

    def read_whole(self) -> int:
        """Read every file of the archive once (a zip's members are CRC-checked).

        Returns:
            The number of bytes read.

        Raises:
            ArchiveError: the first file that cannot be read.
        """
        return self._source.read_all()

    def assign_splits(self, config_name: str | None = None) -> dict[str, list[str]]:
        """The ids of each split of one of the dataset's configs.

        A warning says so when the archive does not hold the official number of examples.

        Args:
            config_name: the config (None: the default one).

        Returns:
            ``{split name: its ids, sorted}`` (:func:`kvasir_seg.splits.assign_splits`).

        Example:
            >>> import tempfile
            >>> from kvasir_seg.catalog import get_spec
            >>> from kvasir_seg.testing import write_archive
            >>> zip_path = write_archive("kvasir_seg", tempfile.mkdtemp(), count=12)
            >>> with KvasirArchive(get_spec("kvasir_seg"), zip_path) as archive:
            ...     {name: len(ids) for name, ids in archive.assign_splits("official").items()}
            {'train': 9, 'validation': 3}
        """
        if len(self.ids) != self.spec.expected_examples:
            warn_once(
                logger,
                ("examples", str(self.path), len(self.ids)),
                "%s: found %d examples where the official archive has %d",
                self.path,
                len(self.ids),
                self.spec.expected_examples,
            )
        return assign_splits(
            self.spec.config(config_name), self.ids, self.spec.name, self.read_beside_images
        )

    def read_beside_images(self, name: str) -> bytes:
        """Read a file that sits beside the image and mask folders, such as a split list.

        Args:
            name: the file's path relative to the folder that holds the image and the mask
                folder (:attr:`~kvasir_seg.archive.layout.Layout.root`), e.g. ``train.txt``.

        Returns:
            The file's bytes.

        Raises:
            LayoutError: the file cannot be read (the message says where it was looked for).

        Example:
            >>> import tempfile
            >>> from kvasir_seg.catalog import get_spec
            >>> from kvasir_seg.testing import write_archive
            >>> zip_path = write_archive("kvasir_instrument", tempfile.mkdtemp())
            >>> with KvasirArchive(get_spec("kvasir_instrument"), zip_path) as archive:
            ...     len(archive.read_beside_images("test.txt").split())
            2
        """
        root = self.layout.root
        member = posixpath.join(root, name) if root else name
        try:
            return self._source.read(member)
        except ArchiveError as error:
            raise LayoutError(
                f"{self.path}: cannot read {member} ({error}). The official "
                f"{self.spec.filename} has {name} in the folder that holds the images "
                f"({self.layout.image_folder}/) and the masks ({self.layout.mask_folder}/): "
                "download the archive again, or put the file there."
            ) from error

    def examples(self, ids: Iterable[str] | None = None) -> Iterator[Example]:
        """Read and validate examples, one at a time.

        Args:
            ids: the ids to read, in this order (None: all, sorted).

        Yields:
            Each :class:`Example` (:meth:`read_example`).

        Example:
            >>> import tempfile
            >>> from kvasir_seg.catalog import get_spec
            >>> from kvasir_seg.testing import write_archive
            >>> zip_path = write_archive("kvasir_capsule_seg", tempfile.mkdtemp(), count=2)
            >>> with KvasirArchive(get_spec("kvasir_capsule_seg"), zip_path) as archive:
            ...     [example.extra["frame"] for example in archive.examples()]
            [28955, 28956]
        """
        for image_id in self.ids if ids is None else ids:
            yield self.read_example(image_id)

    def read_example(self, image_id: str) -> Example:
        """Read, decode and validate one example.

        The image's size is read from its header; the mask is decoded and thresholded, and
        must have the image's size; the boxes come from the box file (clipped to the
        image), else from the mask.

        Args:
            image_id: an id of :attr:`ids`.

        Returns:
            The example.

        Raises:
            LayoutError: no image has that id, the mask's size is not the image's, or a box
                is inverted.
            ArchiveError: the image or the mask cannot be read or decoded.

        Example:
            >>> import tempfile
            >>> from kvasir_seg.catalog import get_spec
            >>> from kvasir_seg.testing import write_archive
            >>> zip_path = write_archive("kvasir_capsule_seg", tempfile.mkdtemp(), count=2)
            >>> with KvasirArchive(get_spec("kvasir_capsule_seg"), zip_path) as archive:
            ...     example = archive.read_example("131368cc17e44240_28955")
            >>> example.image_bytes[:2], example.mask.dtype, example.bbox_source
            (b'\\xff\\xd8', dtype('bool'), 'mask')
        """
        try:
            image_name = self.layout.images[image_id]
        except KeyError:
            raise LayoutError(f"{self.path}: no image with id {image_id!r}.") from None
        image_bytes = self._source.read(image_name)
        mask_name = self.layout.masks[image_id]
        width, height = image_size(
            image_bytes, f"{self.path}: {image_name}", error=ArchiveError, hint=_DOWNLOAD_AGAIN
        )
        mask = read_mask_file(
            self._source.read(mask_name),
            f"{self.path}: mask {mask_name}",
            role="reference",
            error=ArchiveError,
            hint=_DOWNLOAD_AGAIN,
        )
        if mask.shape != (height, width):
            raise LayoutError(
                f"{self.path}: mask {mask_name} is {mask.shape[1]}x{mask.shape[0]} but image "
                f"{image_name} is {width}x{height}. The archive is modified: download it again."
            )
        if self._boxes is not None:
            boxes = check_boxes(
                self._boxes[image_id], width, height, image_id, self.layout.box_file or ""
            )
            source = "official"
        else:
            boxes, source = tuple(boxes_from_mask(mask)), "mask"
        return Example(
            image_id=image_id,
            image_bytes=image_bytes,
            mask=mask,
            height=height,
            width=width,
            bboxes=boxes,
            bbox_source=source,
            extra=extra_fields(self.spec, image_id),
        )


def extra_fields(spec: DatasetSpec, image_id: str) -> dict[str, Any]:
    """The dataset's own fields of one example, derived from its image id.

    Args:
        spec: the dataset.
        image_id: the example's image id.

    Returns:
        ``{field name: value}`` for each of the spec's ``extra_fields`` (empty for a
        dataset without any).

    Example:
        >>> from kvasir_seg.catalog import get_spec
        >>> extra_fields(get_spec("kvasir_capsule_seg"), "131368cc17e44240_28955")
        {'video_id': '131368cc17e44240', 'frame': 28955}
    """
    return {extra.name: extra.value(image_id) for extra in spec.extra_fields}


def open_archive(
    dataset: str | DatasetSpec,
    data_dir: str | os.PathLike[str],
    *,
    layout: Layout | None = None,
    verify: bool = True,
) -> KvasirArchive:
    """Open a dataset's archive at a path, checked as every adapter checks it.

    A zip that fails its checksum is refused unless the user accepts it, once, with
    ``verify=False`` (:func:`kvasir_seg.resolve.resolve_path`); a copy the archive store
    does not know yet is read whole before it is remembered (:func:`open_copy`).

    Args:
        dataset: the dataset's name or spec.
        data_dir: the zip, the folder that holds it, or the extracted folder.
        layout: the layout an earlier opening of the same archive found.
        verify: False accepts a zip that fails its checksum.

    Returns:
        The opened archive; use it as a context manager.

    Raises:
        ChecksumError: the zip fails its checksum and was never accepted.
        ArchiveError: there is no archive at ``data_dir``, or it cannot be read.
        LayoutError: its content is not in a layout the reader knows.

    Example:
        >>> import tempfile
        >>> from kvasir_seg.testing import write_archive
        >>> zip_path = write_archive("kvasir_sessile", tempfile.mkdtemp(), count=3)
        >>> with open_archive("kvasir_sessile", zip_path.parent) as archive:
        ...     [len(example.bboxes) >= 0 for example in archive.examples()]
        [True, True, True]
    """
    spec = get_spec(dataset) if isinstance(dataset, str) else dataset
    return open_copy(spec, resolve_path(spec, data_dir, verify=verify), layout=layout)


def open_copy(
    spec: DatasetSpec,
    copy: ResolvedArchive,
    *,
    layout: Layout | None = None,
    record_as: Path | None = None,
    origin: str | None = None,
    store: ArchiveStore | None = None,
) -> KvasirArchive:
    """Open a copy that :mod:`kvasir_seg.resolve` found and checked, and tell the store.

    Its layout is found once per archive identity in a process; the copy is then read whole
    and remembered when the archive store does not know it yet
    (:func:`kvasir_seg.resolve.settle`).

    Args:
        spec: the dataset.
        copy: the copy (:func:`~kvasir_seg.resolve.resolve_path`,
            :func:`~kvasir_seg.resolve.find_copy`).
        layout: the layout an earlier opening of the same archive found.
        record_as: the path the store remembers (a download is read as its ``.part``
            file; default: the copy's path).
        origin: where a pin recorded now came from (default: the path remembered).
        store: the archive store told (default: :func:`kvasir_seg.store.default_store`).

    Returns:
        The opened archive.

    Example:
        >>> import tempfile
        >>> from kvasir_seg.catalog import get_spec
        >>> from kvasir_seg.resolve import resolve_path
        >>> from kvasir_seg.testing import write_archive
        >>> spec = get_spec("kvasir_sessile")
        >>> copy = resolve_path(spec, write_archive(spec, tempfile.mkdtemp(), count=2))
        >>> with open_copy(spec, copy) as archive:
        ...     copy.trust, len(archive.ids)
        ('unpinned', 2)
    """
    key = (spec.name, copy.identity)
    archive = KvasirArchive(spec, copy.path, layout or _LAYOUTS.get(key))
    _LAYOUTS.pop(key, None)
    _LAYOUTS[key] = archive.layout
    while len(_LAYOUTS) > _KEPT_LAYOUTS:
        _LAYOUTS.pop(next(iter(_LAYOUTS)))
    try:
        settle(spec, copy, archive, store=store, record_as=record_as, origin=origin)
    except BaseException:
        archive.close()
        raise
    return archive
