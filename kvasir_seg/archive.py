"""Read an archive in place (a zip, or the folder it extracts to) into example records.

The reader finds the folder of images and the folder of masks by pairing file names (the
capsule archive's folder names are not known), reads the box file when there is one,
validates everything it reads, and yields plain :class:`Example` records that both the
Hugging Face and the TFDS builders turn into their own features.

    >>> from kvasir_seg.archive import open_archive
    >>> with open_archive("kvasir_seg", "~/Downloads/kvasir-seg.zip") as archive:  # doctest: +SKIP
    ...     print(len(archive.ids))
    ...     first = next(archive.examples(archive.ids[:1]))
    1000
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from kvasir_seg.catalog import DatasetSpec, get_spec
from kvasir_seg.errors import ArchiveError, LayoutError
from kvasir_seg.masks import Box, boxes_from_mask, decode_mask
from kvasir_seg.splits import assign_splits, kvasir_seg_split_of

logger = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
_MASK_NAMES = re.compile(r"mask|ground|truth|\bgt\b|_gt|gt_|label|annotation", re.IGNORECASE)
_OVERLAY_NAMES = re.compile(r"box|overlay|drawn", re.IGNORECASE)
_IMAGE_NAMES = re.compile(r"image|img|frame|original", re.IGNORECASE)
_CAPSULE_NAME = re.compile(r"^(?P<video>.+)_(?P<frame>\d+)$")


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


@dataclass(frozen=True)
class Layout:
    """Where the parts of a dataset sit inside an archive (member paths use ``/``)."""

    images: dict[str, str]
    masks: dict[str, str]
    box_file: str | None
    ignored_folders: tuple[str, ...] = ()


# --------------------------------------------------------------------------- sources


class _Source:
    """A read-only view of an archive's files: a zip read in place, or a folder."""

    location: Path

    def names(self) -> list[str]:
        raise NotImplementedError

    def read(self, name: str) -> bytes:
        raise NotImplementedError

    def close(self) -> None:
        pass


class _ZipSource(_Source):
    def __init__(self, path: Path) -> None:
        self.location = path
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise ArchiveError(
                f"{path} is not a readable zip ({error}). It is probably truncated or "
                "corrupt: delete it and download it again."
            ) from error

    def names(self) -> list[str]:
        return [info.filename for info in self._zip.infolist() if not info.is_dir()]

    def read(self, name: str) -> bytes:
        try:
            return self._zip.read(name)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, KeyError) as error:
            raise ArchiveError(
                f"Cannot read {name!r} from {self.location} ({error}). The zip is truncated "
                "or corrupt: delete it and download it again."
            ) from error

    def close(self) -> None:
        self._zip.close()


class _FolderSource(_Source):
    def __init__(self, path: Path) -> None:
        self.location = path

    def names(self) -> list[str]:
        found = []
        for folder, dirs, files in os.walk(self.location):
            dirs[:] = [d for d in dirs if not _skipped(d)]
            relative = Path(folder).relative_to(self.location)
            found.extend((relative / f).as_posix() for f in files)
        return found

    def read(self, name: str) -> bytes:
        try:
            return (self.location / name).read_bytes()
        except OSError as error:
            raise ArchiveError(f"Cannot read {self.location / name}: {error}.") from error


def _skipped(part: str) -> bool:
    return part.startswith(".") or part == "__MACOSX"


# --------------------------------------------------------------------------- locating


def locate_archive(spec: DatasetSpec, data_dir: str | os.PathLike[str]) -> Path:
    """Resolve ``data_dir`` to the zip or extracted folder to read.

    ``data_dir`` may be the zip itself, the folder that holds the zip as downloaded (with
    its official file name), or the extracted folder (or its parent).
    """
    path = Path(data_dir).expanduser()
    if not path.exists():
        raise ArchiveError(
            f"{path} does not exist. Download {spec.url} and pass the zip, the folder that "
            "holds it, or the folder it extracts to."
        )
    if path.is_dir() and (path / spec.filename).is_file():
        return path / spec.filename
    if path.is_dir() and spec.root_folder and (path / spec.root_folder).is_dir():
        return path / spec.root_folder
    if path.is_file() and not zipfile.is_zipfile(path):
        raise ArchiveError(
            f"{path} is not a zip archive (or it is truncated). Expected the official "
            f"{spec.filename} from {spec.url}: delete the file and download it again."
        )
    return path


def _open_source(path: Path) -> _Source:
    return _ZipSource(path) if path.is_file() else _FolderSource(path)


# --------------------------------------------------------------------------- layout


def find_layout(source: _Source, spec: DatasetSpec) -> Layout:
    """Find the image folder, the mask folder and the box file of an archive."""
    location = source.location
    by_folder: dict[str, dict[str, str]] = {}
    json_files = []
    for name in source.names():
        path = PurePosixPath(name)
        if any(_skipped(part) for part in path.parts):
            continue
        suffix = path.suffix.lower()
        if suffix == ".json":
            json_files.append(name)
        elif suffix in IMAGE_SUFFIXES:
            stems = by_folder.setdefault(str(path.parent), {})
            if path.stem in stems:
                raise LayoutError(
                    f"{location}: two files named {path.stem!r} in {path.parent}/ "
                    f"({stems[path.stem]} and {name}); keep one of them."
                )
            stems[path.stem] = name
    if not by_folder:
        raise LayoutError(
            f"{location} holds no images. Expected the {spec.title} archive "
            f"({spec.filename} from {spec.url}) or the folder it extracts to."
        )
    mask_folder = _find_mask_folder(by_folder, source, spec)
    image_folder = _find_image_folder(by_folder, mask_folder, location, spec)
    ignored = tuple(sorted(f for f in by_folder if f not in (mask_folder, image_folder)))
    if ignored:
        logger.info("%s: ignoring image folders %s", location, ", ".join(ignored))
    return Layout(
        images=by_folder[image_folder],
        masks=by_folder[mask_folder],
        box_file=_find_box_file(json_files, spec, location),
        ignored_folders=ignored,
    )


def _describe(by_folder: dict[str, dict[str, str]]) -> str:
    return "; ".join(
        f"{folder}/ ({len(files)} images)" for folder, files in sorted(by_folder.items())
    )


def _find_mask_folder(
    by_folder: dict[str, dict[str, str]], source: _Source, spec: DatasetSpec
) -> str:
    location = source.location
    named = [f for f in by_folder if _MASK_NAMES.search(PurePosixPath(f).name)]
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        raise LayoutError(
            f"{location}: several folders look like mask folders ({', '.join(sorted(named))}); "
            f"expected one. Remove the extra ones, or pass the folder of the {spec.title} "
            "archive itself."
        )
    # No folder is named like masks: find two folders whose names pair one to one and
    # tell the masks apart by their content (near-binary values).
    candidates = [
        folder
        for folder, files in by_folder.items()
        if any(other != folder and set(files) == set(by_folder[other]) for other in by_folder)
    ]
    mask_like = [f for f in candidates if _looks_like_masks(by_folder[f], source)]
    if len(mask_like) == 1:
        return mask_like[0]
    raise LayoutError(
        f"{location}: cannot tell which folder holds the masks. Found: {_describe(by_folder)}. "
        f"Expected a folder of images and a folder of masks with the same file names, as in "
        f"the official {spec.filename}; name the mask folder 'masks'."
    )


def _looks_like_masks(files: dict[str, str], source: _Source) -> bool:
    name = files[sorted(files)[0]]
    try:
        with Image.open(io.BytesIO(source.read(name))) as image:
            values = np.asarray(image.convert("L"))
    except (OSError, UnidentifiedImageError):
        return False
    in_gap = np.count_nonzero((values > 30) & (values < 225))
    return in_gap <= 0.01 * values.size


def _find_image_folder(
    by_folder: dict[str, dict[str, str]], mask_folder: str, location: Path, spec: DatasetSpec
) -> str:
    mask_stems = set(by_folder[mask_folder])

    def rank(folder: str) -> tuple[int, int, int]:
        name = PurePosixPath(folder).name
        overlap = len(mask_stems & set(by_folder[folder]))
        named_image = bool(_IMAGE_NAMES.search(name)) and not _OVERLAY_NAMES.search(name)
        not_overlay = not _OVERLAY_NAMES.search(name)
        return (int(overlap > 0), int(named_image), int(not_overlay) * overlap)

    others = [f for f in by_folder if f != mask_folder]
    if not others:
        raise LayoutError(
            f"{location}: found masks in {mask_folder}/ but no folder of images. Expected "
            f"the official {spec.filename} layout (images/ and masks/)."
        )
    best = max(others, key=rank)
    if not mask_stems & set(by_folder[best]):
        raise LayoutError(
            f"{location}: no image folder has the file names of the masks in {mask_folder}/. "
            f"Found: {_describe(by_folder)}."
        )
    return best


def _find_box_file(json_files: list[str], spec: DatasetSpec, location: Path) -> str | None:
    box_files = [f for f in json_files if "bbox" in PurePosixPath(f).name.lower()]
    if len(box_files) > 1:
        raise LayoutError(f"{location}: several box files ({', '.join(box_files)}); expected one.")
    if not box_files and spec.has_box_file:
        raise LayoutError(
            f"{location}: the box file (kavsir_bboxes.json in the official {spec.filename}) "
            "is missing. Download the archive again."
        )
    return box_files[0] if box_files else None


# --------------------------------------------------------------------------- boxes


def parse_box_file(data: bytes, name: str) -> dict[str, list[Box]]:
    """Parse ``kavsir_bboxes.json`` into boxes per image id, validating its structure."""
    try:
        entries = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise LayoutError(
            f"{name} is not valid JSON ({error}); download the archive again."
        ) from error
    if not isinstance(entries, dict):
        raise LayoutError(
            f"{name}: expected an object keyed by image id, found {type(entries).__name__}."
        )
    result = {}
    for image_id, entry in entries.items():
        try:
            result[image_id] = [
                Box(*(_as_int(box[key]) for key in ("xmin", "ymin", "xmax", "ymax")))
                for box in entry["bbox"]
            ]
        except (KeyError, TypeError, ValueError) as error:
            raise LayoutError(
                f"{name}: entry {image_id!r} is malformed ({error!r}); expected "
                '{"height": int, "width": int, "bbox": '
                '[{"label", "xmin", "ymin", "xmax", "ymax"}]}.'
            ) from error
    return result


def _as_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise ValueError(f"coordinate {value!r} is not an integer")
    return int(value)


def _check_boxes(
    boxes: list[Box], width: int, height: int, image_id: str, source: str
) -> tuple[Box, ...]:
    checked = []
    for box in boxes:
        if box.xmin > box.xmax or box.ymin > box.ymax:
            raise LayoutError(f"{source}: box {tuple(box)} of {image_id} is inverted (min > max).")
        clipped = Box(
            min(max(box.xmin, 0), width),
            min(max(box.ymin, 0), height),
            min(max(box.xmax, 0), width),
            min(max(box.ymax, 0), height),
        )
        if clipped != box:
            logger.warning(
                "%s: box %s of %s clipped to the %dx%d image",
                source,
                tuple(box),
                image_id,
                width,
                height,
            )
        checked.append(clipped)
    return tuple(checked)


# --------------------------------------------------------------------------- the reader


class KvasirArchive:
    """An opened archive of one dataset: its ids, and its examples on demand.

    Use it as a context manager; it holds the zip open. Safe to open once per process
    (pass the path and ids to workers, not the object).
    """

    def __init__(self, spec: DatasetSpec, path: Path) -> None:
        self.spec = spec
        self.path = path
        self._source = _open_source(path)
        try:
            self.layout = find_layout(self._source, spec)
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
        boxes = parse_box_file(self._source.read(name), name)
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

    def assign_splits(self, config_name: str | None = None) -> dict[str, list[str]]:
        """The ids of each split of config ``config_name`` (the default config when None)."""
        if len(self.ids) != self.spec.expected_examples:
            logger.warning(
                "%s: found %d examples where the official archive has %d",
                self.path,
                len(self.ids),
                self.spec.expected_examples,
            )
        return assign_splits(self.spec.config(config_name), self.ids, self.spec.name)

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
        try:
            with Image.open(io.BytesIO(image_bytes)) as image:
                width, height = image.size
            mask = decode_mask(self._source.read(mask_name))
        except (OSError, UnidentifiedImageError, SyntaxError) as error:
            raise ArchiveError(
                f"{self.path}: cannot decode {image_name} or {mask_name} ({error}). The file is "
                "corrupt: download the archive again."
            ) from error
        if mask.shape != (height, width):
            raise LayoutError(
                f"{self.path}: mask {mask_name} is {mask.shape[1]}x{mask.shape[0]} but image "
                f"{image_name} is {width}x{height}. The archive is modified: download it again."
            )
        if self._boxes is not None:
            boxes = _check_boxes(
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
    """The per-dataset fields of ``image_id``.

    Kvasir-Sessile: the Kvasir-SEG split of the id in the official and PraNet configs.
    KvasirCapsule-SEG: ``video_id`` and ``frame`` parsed from ``<video id>_<frame>``
    (``frame`` is -1 when the name does not have that form).
    """
    if spec.name == "kvasir_sessile":
        return {
            "kvasir_seg_official_split": kvasir_seg_split_of(image_id, "official"),
            "kvasir_seg_pranet_split": kvasir_seg_split_of(image_id, "pranet"),
        }
    if spec.name == "kvasir_capsule_seg":
        match = _CAPSULE_NAME.match(image_id)
        if match is None:
            return {"video_id": image_id, "frame": -1}
        return {"video_id": match["video"], "frame": int(match["frame"])}
    return {}


def open_archive(dataset: str | DatasetSpec, data_dir: str | os.PathLike[str]) -> KvasirArchive:
    """Open the archive of ``dataset`` at ``data_dir`` (zip, its folder or extracted folder)."""
    spec = get_spec(dataset) if isinstance(dataset, str) else dataset
    return KvasirArchive(spec, locate_archive(spec, data_dir))
