"""A folder of predicted masks: checked and listed once, paired with image ids, decoded.

A prediction is an image file named by the image id (``<image_id>.png``, ``.jpg``,
``.jpeg``, ``.bmp``, ``.tif`` or ``.tiff``), at the size of its ground truth. A file means
what the same values mean in memory (:mod:`kvasir_seg.scores.inputs`), whatever its bit
depth: 0/1, 0/255 and 0/65535 are binary masks, other values probabilities (value / the
bit depth's maximum). Palette, grey+alpha, RGBA and RGB files are read when they say one
thing and refused when they do not (:func:`kvasir_seg.image_files.read_mask_file`).

    >>> folder = PredictionFolder.open("predictions/")  # doctest: +SKIP
    >>> sorted(folder.require_files())[:1]  # doctest: +SKIP
    ['cju0qkwl35piu0993l0dewei2']
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kvasir_seg.app.folders import FolderError, Listing, list_folder
from kvasir_seg.errors import MetricInputError
from kvasir_seg.image_files import describe_path, image_size, read_mask_file


@dataclass(frozen=True)
class PredictionFolder:
    """A folder of predictions, checked and listed once (:meth:`open`).

    Its prediction files are those directly in it (one set: a dataset's split, a folder of
    masks); a folder of sets holds one subfolder of predictions per set.
    """

    #: The folder, as given (``~`` expanded).
    path: Path
    #: The one listing of it: its prediction files by id, its subfolders.
    listing: Listing

    @classmethod
    def open(cls, directory: str | os.PathLike[str]) -> PredictionFolder:
        """Check that ``directory`` is a folder and list it.

        Args:
            directory: The folder of predictions.

        Returns:
            The folder with its listing.

        Raises:
            FolderError: If it is not a folder, or holds unusable entries
                (:func:`~kvasir_seg.app.folders.list_folder`).
        """
        path = Path(directory).expanduser()
        if not path.is_dir():
            raise FolderError(
                f"{describe_path(path)} is not a folder of predictions; give a folder of "
                "<image_id>.png files (or of <set>/<image_id>.png for a folder of sets)."
            )
        return cls(path, list_folder(path))

    def require_files(self) -> dict[str, Path]:
        """The prediction files directly in the folder, by id, for scoring one set.

        Returns:
            ``{image_id: path}``.

        Raises:
            FolderError: If there is none (naming the subfolders, when the files are
                likely one level down).
        """
        if self.listing.files:
            return self.listing.files
        subfolders = self.listing.folders
        hint = (
            f"; it holds the folders {', '.join(subfolders[:5])}: point --predictions at the "
            "folder that holds the files"
            if subfolders
            else ""
        )
        raise FolderError(
            f"{self.path} holds no .png or .jpg predictions; expected files named "
            f"<image_id>.png{hint}."
        )


def prediction_size(path: Path) -> tuple[int, int]:
    """(width, height) of a prediction file, read from its header only."""
    return image_size(path, str(path), error=MetricInputError)


def read_prediction(path: Path) -> np.ndarray:
    """The prediction in ``path`` as the 2-D array its values mean in memory.

    bool for binary files (1-bit, 0/1, 0/255, 0/65535), uint8 for 8-bit maps, float32
    probabilities for 16-bit and float maps; see :func:`kvasir_seg.image_files.read_mask_file`.
    """
    return read_mask_file(path, str(path), role="prediction", error=MetricInputError)
