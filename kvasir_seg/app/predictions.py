"""A folder of predicted masks: find the files, pair them with image ids, decode them.

A prediction is an image file named by the image id (``<image_id>.png``, ``.jpg``,
``.jpeg``, ``.bmp``, ``.tif`` or ``.tiff``), at the size of its ground truth. A file means
what the same values mean in memory (:mod:`kvasir_seg.scores.inputs`), whatever its bit
depth: 0/1, 0/255 and 0/65535 are binary masks, other values probabilities (value / the
bit depth's maximum). Palette, grey+alpha, RGBA and RGB files are read when they say one
thing and refused when they do not (:func:`kvasir_seg.image_files.read_mask_file`).

    >>> from kvasir_seg.app.predictions import find_predictions, compare_ids
    >>> found = find_predictions("predictions/")  # doctest: +SKIP
    >>> missing, extra = compare_ids(["a", "b"], found)  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from kvasir_seg.archive.sources import IMAGE_SUFFIXES
from kvasir_seg.errors import MetricInputError
from kvasir_seg.image_files import image_size, read_mask_file

if TYPE_CHECKING:
    from kvasir_seg.archive import Example, KvasirArchive

PREDICTION_SUFFIXES = IMAGE_SUFFIXES


def files_by_id(folder: Path, kind: str = "prediction") -> dict[str, Path]:
    """The mask or image files directly in ``folder``, keyed by image id (the file stem).

    Hidden files and files of other types are ignored; two files for one id (e.g.
    ``x.png`` and ``x.jpg``) are an error, and so is a file that is not a regular file (a
    FIFO would block the reader). ``kind`` names the files in messages. An empty dict when
    there is none.
    """
    found: dict[str, Path] = {}
    with os.scandir(folder) as entries:  # their types come with the listing: no stat each
        listed = sorted(entries, key=lambda entry: entry.name)
    for entry in listed:
        path = folder / entry.name
        if path.name.startswith(".") or path.suffix.lower() not in PREDICTION_SUFFIXES:
            continue
        if not entry.is_file():
            raise MetricInputError(
                f"{path} is not a regular file (a folder, FIFO, socket or broken link); a "
                f"{kind} is a PNG/JPEG/BMP/TIFF file. Remove it from the folder."
            )
        if path.stem in found:
            raise MetricInputError(
                f"Two {kind}s for {path.stem!r}: {found[path.stem].name} and {path.name}; "
                "keep one of them."
            )
        found[path.stem] = path
    return found


def find_predictions(directory: str | os.PathLike[str]) -> dict[str, Path]:
    """The prediction files directly in ``directory``, keyed by image id (the file stem).

    See :func:`files_by_id`; a folder without any prediction file is an error too.
    """
    folder = Path(directory).expanduser()
    if not folder.is_dir():
        raise MetricInputError(
            f"{folder} is not a folder; --predictions takes a folder of <image_id>.png/.jpg files."
        )
    found = files_by_id(folder)
    if not found:
        subfolders = sorted(p.name for p in folder.iterdir() if p.is_dir() and p.name[0] != ".")
        hint = (
            f"; it holds the folders {', '.join(subfolders[:5])}: point --predictions at the "
            "folder that holds the files"
            if subfolders
            else ""
        )
        raise MetricInputError(
            f"{folder} holds no .png or .jpg predictions; expected files named "
            f"<image_id>.png{hint}."
        )
    return found


def compare_ids(expected: Iterable[str], found: dict[str, Path]) -> tuple[list[str], list[str]]:
    """(ids with no prediction, predictions whose id is not expected), both sorted."""
    wanted = set(expected)
    return sorted(wanted - found.keys()), sorted(found.keys() - wanted)


def prediction_size(path: Path) -> tuple[int, int]:
    """(width, height) of a prediction file, read from its header only."""
    return image_size(path, str(path), error=MetricInputError)


def read_prediction(path: Path) -> np.ndarray:
    """The prediction in ``path`` as the 2-D array its values mean in memory.

    bool for binary files (1-bit, 0/1, 0/255, 0/65535), uint8 for 8-bit maps, float32
    probabilities for 16-bit and float maps; see :func:`kvasir_seg.image_files.read_mask_file`.
    """
    return read_mask_file(path, str(path), role="prediction", error=MetricInputError)


@dataclass
class PredictionProblems:
    """What stops a folder of predictions from being scored against a split."""

    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    #: (image id, prediction (width, height), ground truth (width, height))
    wrong_size: list[tuple[str, tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    #: What to do about predictions of the wrong size, as the summary says it.
    size_hint: str = "resize them to their image"
    #: Lines that explain the lists (e.g. a folder of predictions that is not there).
    notes: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.missing or self.extra or self.wrong_size)

    def summary(self) -> str:
        """One line: how many of each problem, and what to do about it."""
        parts = []
        if self.missing:
            parts.append(f"{len(self.missing)} missing (--allow-missing to score the others)")
        if self.extra:
            parts.append(f"{len(self.extra)} extra (--allow-extra to ignore them)")
        if self.wrong_size:
            parts.append(f"{len(self.wrong_size)} of the wrong size ({self.size_hint})")
        return "predictions do not match the ground truth: " + "; ".join(parts) + "."

    def lines(self, *, limit: int = 20) -> list[str]:
        """A readable report, at most ``limit`` ids per kind."""
        report = list(self.notes)
        for label, ids in (("missing", self.missing), ("extra", self.extra)):
            if ids:
                report.append(f"{len(ids)} {label} prediction(s):")
                report += [f"  {image_id}" for image_id in ids[:limit]]
                if len(ids) > limit:
                    report.append(f"  ... and {len(ids) - limit} more")
        if self.wrong_size:
            report.append(f"{len(self.wrong_size)} prediction(s) of the wrong size:")
            report += [
                f"  {image_id}: {found[0]}x{found[1]}, the ground truth is {wanted[0]}x{wanted[1]}"
                for image_id, found, wanted in self.wrong_size[:limit]
            ]
            if len(self.wrong_size) > limit:
                report.append(f"  ... and {len(self.wrong_size) - limit} more")
        return report


def paired_examples(
    archive: KvasirArchive,
    ids: Iterable[str],
    found: dict[str, Path],
    problems: PredictionProblems,
) -> Iterator[tuple[Example, np.ndarray]]:
    """(ground-truth example, decoded prediction) for each id of ``ids`` in ``found``.

    Ids without a prediction are skipped; a prediction whose size differs from its ground
    truth is recorded in ``problems.wrong_size`` and skipped.
    """
    for image_id in ids:
        path = found.get(image_id)
        if path is None:
            continue
        example = archive.read_example(image_id)
        size = prediction_size(path)
        if size != (example.width, example.height):
            problems.wrong_size.append((image_id, size, (example.width, example.height)))
            continue
        yield example, read_prediction(path)
