"""The reader: pair images, masks and boxes, and yield validated :class:`Example` records.

>>> from kvasir_seg.archive import open_archive
>>> with open_archive("kvasir_seg", "~/Downloads/kvasir-seg.zip") as archive:  # doctest: +SKIP
...     print(len(archive.ids))
...     first = next(archive.examples(archive.ids[:1]))
1000
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

logger = logging.getLogger(__name__)

_DOWNLOAD_AGAIN = "The file is corrupt or not from the official archive: download it again."
#: The layouts found in this process, by dataset and archive identity (the latest few).
_LAYOUTS: dict[tuple[str, str], Layout] = {}
_KEPT_LAYOUTS = 8


@dataclass(frozen=True)
class Example:
    """One example as read from an archive, before any ecosystem touches it.

    ``image_bytes`` are the archive's file bytes, unchanged. ``mask`` is the thresholded
    bool HxW mask. ``bboxes`` are pixel boxes in the Kvasir-SEG convention;
    ``bbox_source`` says whether they come from the archive's box file (``"official"``)
    or from the mask (``"mask"``). ``extra`` holds the per-dataset fields.
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

    Use it as a context manager; it holds the zip open. Safe to open once per process
    (pass the path, the ``layout`` found and the ids to workers, not the object: a layout
    given is used as it is, so the folders are not probed again).
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
        """Read every file of the archive once (a zip's members are CRC-checked); the bytes
        read. Raises :class:`ArchiveError` at the first that cannot be read."""
        return self._source.read_all()

    def assign_splits(self, config_name: str | None = None) -> dict[str, list[str]]:
        """The ids of each split of config ``config_name`` (the default config when None)."""
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
        """A member named relative to the dataset's root folder, the one that holds the
        image and the mask folder (:attr:`Layout.root`): an archive's own split list, e.g.
        ``train.txt``. One that cannot be read is a :class:`LayoutError` saying where it
        was looked for."""
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
        """Yield the examples of ``ids`` (all, sorted, by default), read and validated."""
        for image_id in self.ids if ids is None else ids:
            yield self.read_example(image_id)

    def read_example(self, image_id: str) -> Example:
        """Read, decode and validate one example."""
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
    """The per-dataset fields of ``image_id``, derived as the spec's extra fields say.

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
    """Open the archive of ``dataset`` at ``data_dir`` (zip, its folder or extracted folder).

    The copy is judged by the one trust rule, as every door judges it
    (:func:`kvasir_seg.resolve.resolve_path`): a zip that fails its checksum is refused
    with a :class:`~kvasir_seg.errors.ChecksumError` unless accepted, once, with
    ``verify=False``; a copy the store does not know yet is read whole before it is
    remembered (:func:`open_copy`). ``layout``: the :class:`Layout` an earlier opening of
    the same archive found.
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
) -> KvasirArchive:
    """Open a copy :mod:`kvasir_seg.resolve` found and judged: once, its layout found once
    per archive identity in a process, and settled with the store
    (:func:`kvasir_seg.resolve.settle`: read whole and remembered when the store does not
    know it yet; ``record_as`` and ``origin`` go there).
    """
    key = (spec.name, copy.identity)
    archive = KvasirArchive(spec, copy.path, layout or _LAYOUTS.get(key))
    _LAYOUTS.pop(key, None)
    _LAYOUTS[key] = archive.layout
    while len(_LAYOUTS) > _KEPT_LAYOUTS:
        _LAYOUTS.pop(next(iter(_LAYOUTS)))
    try:
        settle(spec, copy, archive, record_as=record_as, origin=origin)
    except BaseException:
        archive.close()
        raise
    return archive
