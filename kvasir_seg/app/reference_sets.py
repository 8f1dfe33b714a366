"""Ground truth to score against: sets of reference masks, from a folder or from an archive's split.

``--references DIR`` takes any of:

- a folder of mask files (``<id>.png``, ``.jpg``, ``.jpeg``, ``.bmp``, ``.tif``, ``.tiff``,
  any bit depth): one set, named after the folder;
- one set laid out as PraNet's TestDataset sets are: ``DIR/masks/`` (and ``DIR/images/``,
  used for pictures only): one set named after ``DIR``;
- a folder of sets: each subfolder is a folder of masks or holds ``masks/``, e.g.
  ``TestDataset/{CVC-300,CVC-ClinicDB,CVC-ColonDB,ETIS-LaribPolypDB,Kvasir}/masks/``.

A folder that could be read both ways (mask files or ``masks/`` next to folders of masks)
is refused with what was found and how to choose. Masks are read as ground truth by
:func:`kvasir_seg.image_files.read_mask_file` (near-binary, JPEG noise thresholded).

Predictions mirror the references: a folder of sets has one folder of predictions per set
(``PRED/<set>/<id>.png``); a single set (a folder, or a dataset's split) has its files
directly in ``PRED/``.

    >>> sets = reference_sets("TestDataset/")  # doctest: +SKIP
    >>> [(s.name, len(s.ids)) for s in sets]  # doctest: +SKIP
    [('CVC-300', 60), ('Kvasir', 100)]
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from kvasir_seg.app.folders import FolderError, files_by_id, list_folder
from kvasir_seg.app.printing import plural
from kvasir_seg.errors import MetricInputError
from kvasir_seg.image_files import describe_path, opened_image, read_mask_file
from kvasir_seg.masks import Box

if TYPE_CHECKING:
    from kvasir_seg.archive import KvasirArchive

#: The subfolder of a set that holds its masks, and the one that holds its images.
MASKS_FOLDER = "masks"
IMAGES_FOLDER = "images"


@dataclass(frozen=True)
class ReferenceSet:
    """One set of ground truth: its name, its image ids, how to read a mask, an image, boxes.

    ``subfolder`` is where the set's predictions are inside a folder of predictions
    (``None``: the folder itself). ``read_image`` returns ``None`` when the set has no
    images (a folder of masks only); ``read_boxes`` gives the boxes of an archive's
    example (none for a folder). ``mask_file`` gives the file of a folder's mask, which
    worker processes read with :func:`read_reference_file` (``None``: an archive's mask,
    read here by ``read_mask``).
    """

    name: str
    ids: list[str]
    read_mask: Callable[[str], np.ndarray]
    read_image: Callable[[str], Image.Image | None] = field(default=lambda image_id: None)
    subfolder: str | None = None
    read_boxes: Callable[[str], Sequence[Box]] = field(default=lambda image_id: ())
    mask_file: Callable[[str], Path | None] = field(default=lambda image_id: None)


def read_reference_file(path: Path) -> np.ndarray:
    """The ground-truth mask in ``path`` (near-binary, JPEG noise thresholded)."""
    return read_mask_file(path, describe_path(path), role="reference", error=MetricInputError)


@dataclass(frozen=True)
class SetMasks:
    """Where a set's mask files are, and the files by id (from one listing)."""

    folder: Path
    files: dict[str, Path]


def set_masks(folder: Path, kind: str = "reference mask") -> SetMasks | None:
    """A set's mask files: in ``folder/masks/`` if it exists, else directly in ``folder``.

    Args:
        folder: The set's folder.
        kind: What the files are, for messages (a folder of predictions mirrors a set).

    Returns:
        The folder of the masks and its files (none in an empty ``masks/``); ``None`` when
        ``folder`` has no ``masks/`` and holds no mask file.

    Raises:
        FolderError: As :func:`~kvasir_seg.app.folders.list_folder` raises it.
    """
    inner = folder / MASKS_FOLDER
    if inner.is_dir():
        return SetMasks(inner, files_by_id(inner, kind))
    files = files_by_id(folder, kind)
    return SetMasks(folder, files) if files else None


def reference_sets(directory: str | os.PathLike[str]) -> list[ReferenceSet]:
    """The sets of ground truth in ``directory`` (see the module doc for the layouts)."""
    folder = Path(directory).expanduser()
    if not folder.is_dir():
        raise FolderError(
            f"{describe_path(folder)} is not a folder; --references takes a folder of masks, "
            "a set with a masks/ folder, or a folder of such sets."
        )
    listing = list_folder(folder, "reference mask")
    direct = listing.files
    own = folder / MASKS_FOLDER if MASKS_FOLDER in listing.folders else None
    children = {
        name: masks
        for name in listing.folders
        if name not in (MASKS_FOLDER, IMAGES_FOLDER)
        and (masks := set_masks(folder / name)) is not None
    }
    single = plural(len(direct), "mask file") if direct else f"{MASKS_FOLDER}/" if own else ""
    if single and children:
        names = ", ".join(list(children)[:5]) + (", ..." if len(children) > 5 else "")
        raise FolderError(
            f"{describe_path(folder)} could be one set or a folder of sets: it holds {single} "
            f"(one set) and {plural(len(children), 'folder')} of masks ({names}). Point "
            "--references at one set, or move the set's masks into a folder of their own next "
            "to the others."
        )
    if single:
        masks = set_masks(folder) if own else SetMasks(folder, direct)
        # `--references TestDataset/Kvasir/masks` is the set Kvasir, with its images beside.
        home = folder.parent if own is None and folder.name == MASKS_FOLDER else folder
        return [_folder_set(home.name or describe_path(home), masks, home, subfolder=None)]
    if not children:
        raise FolderError(
            f"{describe_path(folder)} holds no masks: expected mask files (<id>.png/.jpg), a "
            f"{MASKS_FOLDER}/ folder, or folders of sets that hold either."
        )
    return [
        _folder_set(name, masks, folder / name, subfolder=name) for name, masks in children.items()
    ]


def _folder_set(name: str, masks: SetMasks, home: Path, *, subfolder: str | None) -> ReferenceSet:
    files = masks.files
    if not files:
        raise FolderError(
            f"{describe_path(masks.folder)} holds no mask files; expected files named "
            "<id>.png/.jpg."
        )

    def read_mask(image_id: str) -> np.ndarray:
        return read_reference_file(files[image_id])

    images_folder = home / IMAGES_FOLDER if masks.folder != home else None

    @cache
    def images() -> dict[str, Path]:
        if images_folder is None or not images_folder.is_dir():
            return {}
        return files_by_id(images_folder, "image")

    def read_image(image_id: str) -> Image.Image | None:
        path = images().get(image_id)
        return None if path is None else _decoded(path, describe_path(path))

    return ReferenceSet(name, sorted(files), read_mask, read_image, subfolder, mask_file=files.get)


def _decoded(source: bytes | Path, name: str) -> Image.Image:
    with opened_image(source, name, error=MetricInputError) as image:
        return image.convert("RGB")


def archive_set(archive: KvasirArchive, name: str, ids: list[str]) -> ReferenceSet:
    """The ground truth of ``ids`` in an open archive, as one set called ``name``.

    >>> from kvasir_seg.archive import open_archive
    >>> with open_archive("kvasir_seg", "kvasir-seg.zip") as archive:  # doctest: +SKIP
    ...     validation = archive_set(archive, "validation", archive.assign_splits()["validation"])
    """

    example = lru_cache(maxsize=1)(archive.read_example)  # a tile reads all three

    def read_mask(image_id: str) -> np.ndarray:
        return example(image_id).mask

    def read_image(image_id: str) -> Image.Image:
        return _decoded(example(image_id).image_bytes, image_id)

    def read_boxes(image_id: str) -> Sequence[Box]:
        return example(image_id).bboxes

    return ReferenceSet(name, list(ids), read_mask, read_image, None, read_boxes)
