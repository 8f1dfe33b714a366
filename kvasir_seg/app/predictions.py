"""A folder of predicted masks: find the files, pair them with image ids, decode them.

A prediction is a PNG or JPEG named by the image id (``<image_id>.png``, ``.jpg`` or
``.jpeg``), at the size of its ground truth. It may be a binary mask (1-bit, 0/1 or
0/255) or an 8-bit probability map (0..255); what its values mean is decided by the
metric engine's input rules (:mod:`kvasir_seg.scores.inputs`), not here. Colour files are
read through their luminance, palette files whose indices are 0/1 as label maps, 16-bit
grey PNGs as probabilities (value / 65535).

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
from PIL import Image, UnidentifiedImageError

from kvasir_seg.errors import MetricInputError

if TYPE_CHECKING:
    from kvasir_seg.archive import Example, KvasirArchive

PREDICTION_SUFFIXES = (".png", ".jpg", ".jpeg")


def find_predictions(directory: str | os.PathLike[str]) -> dict[str, Path]:
    """The prediction files directly in ``directory``, keyed by image id (the file stem).

    Hidden files and files of other types are ignored; two files for one id (e.g.
    ``x.png`` and ``x.jpg``) are an error.
    """
    folder = Path(directory).expanduser()
    if not folder.is_dir():
        raise MetricInputError(
            f"{folder} is not a folder; --predictions takes a folder of <image_id>.png/.jpg files."
        )
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.suffix.lower() not in PREDICTION_SUFFIXES:
            continue
        if path.stem in found:
            raise MetricInputError(
                f"Two predictions for {path.stem!r}: {found[path.stem].name} and {path.name}; "
                "keep one of them."
            )
        found[path.stem] = path
    if not found:
        raise MetricInputError(
            f"{folder} holds no .png or .jpg predictions; expected files named <image_id>.png."
        )
    return found


def compare_ids(expected: Iterable[str], found: dict[str, Path]) -> tuple[list[str], list[str]]:
    """(ids with no prediction, predictions whose id is not expected), both sorted."""
    wanted = set(expected)
    return sorted(wanted - found.keys()), sorted(found.keys() - wanted)


def prediction_size(path: Path) -> tuple[int, int]:
    """(width, height) of a prediction file, read from its header only."""
    try:
        with Image.open(path) as image:
            return image.size
    except (OSError, UnidentifiedImageError) as error:
        raise MetricInputError(f"{path} is not a readable PNG or JPEG ({error}).") from error


def read_prediction(path: Path) -> np.ndarray:
    """The prediction in ``path`` as a 2-D array: bool (1-bit), uint8 or float32 (16-bit)."""
    try:
        with Image.open(path) as image:
            if image.mode == "1":
                return np.asarray(image, dtype=bool)
            if image.mode.startswith("I;16") or image.mode == "I":
                return (np.asarray(image, dtype=np.float64) / 65535).astype(np.float32)
            if image.mode == "F":
                return np.asarray(image, dtype=np.float32)
            if image.mode == "P":
                indices = np.asarray(image)
                if indices.max() <= 1:  # a label map: palette index 1 is polyp
                    return indices
            if image.mode != "L":
                image = image.convert("L")
            return np.asarray(image)
    except (OSError, UnidentifiedImageError, SyntaxError) as error:
        raise MetricInputError(f"{path} is not a readable PNG or JPEG ({error}).") from error


@dataclass
class PredictionProblems:
    """What stops a folder of predictions from being scored against a split."""

    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    #: (image id, prediction (width, height), ground truth (width, height))
    wrong_size: list[tuple[str, tuple[int, int], tuple[int, int]]] = field(default_factory=list)

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
            parts.append(f"{len(self.wrong_size)} of the wrong size (resize them to their image)")
        return "predictions do not match the split: " + "; ".join(parts) + "."

    def lines(self, *, limit: int = 20) -> list[str]:
        """A readable report, at most ``limit`` ids per kind."""
        report = []
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
