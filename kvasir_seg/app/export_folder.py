"""What an export folder holds, and the manifest that says which files the export wrote.

An export folder holds ``README.md`` (the dataset card), ``croissant.json`` and
``data/<config>/<split>-00000-of-0000N.parquet``, plus ``.kvasir-seg-export.json``: the
manifest, which lists every file the export wrote with its size and SHA-256. It is what
lets ``export --overwrite`` delete exactly those files and nothing else of the user's, and
``push_to_hub`` upload exactly those files.

    >>> from kvasir_seg.app.export_folder import shard_name
    >>> shard_name("train", 0, 2)
    'train-00000-of-00002.parquet'
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from kvasir_seg import __version__
from kvasir_seg.app.printing import plural
from kvasir_seg.errors import KvasirSegError
from kvasir_seg.store import sha256_of

logger = logging.getLogger(__name__)

CARD_NAME = "README.md"
CROISSANT_NAME = "croissant.json"
DATA_FOLDER = "data"
MANIFEST_NAME = ".kvasir-seg-export.json"
_FORMAT = 1


class ExportFolderError(KvasirSegError):
    """An export folder cannot be written or replaced without touching the user's files."""


def shard_name(split: str, index: int, count: int) -> str:
    """The file name of Parquet shard ``index`` of ``count`` of ``split``."""
    return f"{split}-{index:05d}-of-{count:05d}.parquet"


def shard_glob(config: str) -> str:
    """The files of every split of ``config``, relative to the export folder."""
    return f"{DATA_FOLDER}/{config}/*.parquet"


@dataclass
class ExportResult:
    """What :func:`export_dataset` wrote: the folder, and the files of each config and split."""

    directory: Path
    dataset: str
    files: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    examples: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass
class ExportManifest:
    """The files an export wrote into ``folder`` (relative POSIX path -> size and SHA-256).

    Saved to ``folder/.kvasir-seg-export.json`` after every file, so that an export that
    stops half-way still lists what it wrote.
    """

    folder: Path
    dataset: str
    files: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return self.folder / MANIFEST_NAME

    @classmethod
    def read(cls, folder: Path) -> ExportManifest | None:
        """The manifest in ``folder``, or None when there is none."""
        path = folder / MANIFEST_NAME
        if not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            files = {str(name): dict(entry) for name, entry in data["files"].items()}
            return cls(folder=folder, dataset=str(data["dataset"]), files=files)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise ExportFolderError(
                f"{path} is not a kvasir-seg export manifest ({error}); nothing was deleted. "
                "Choose an empty or new folder."
            ) from error

    def save(self) -> None:
        document = {
            "format": _FORMAT,
            "written_by": f"kvasir-seg {__version__}",
            "dataset": self.dataset,
            "files": self.files,
        }
        self.path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")

    def write(self, relative: str, write: Callable[[Path], object]) -> Path:
        """Call ``write(path)`` for the new file ``relative`` and record it; the path.

        A file already there (one the user put there after the last export) is never
        overwritten: that is an :class:`ExportFolderError`.
        """
        path = self._inside(relative)
        if path.exists() or path.is_symlink():
            raise ExportFolderError(
                f"{path} already exists and no earlier export wrote it; move it out of "
                f"{self.folder} and run the export again."
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        write(path)
        self.files[relative] = {"bytes": path.stat().st_size, "sha256": sha256_of(path)}
        self.save()
        return path

    def remove_files(self) -> None:
        """Delete every file the manifest lists, then the folders that became empty.

        Refuses (deleting nothing) when a listed file was changed since the export, or
        when the manifest names a path outside the folder.
        """
        paths = {relative: self._inside(relative) for relative in self.files}
        changed = [
            relative
            for relative, path in paths.items()
            if path.is_file() and not self._unchanged(relative, path)
        ]
        if changed:
            raise ExportFolderError(
                f"{', '.join(changed)} in {self.folder} changed since the export wrote them; "
                "move them out of the folder (or delete them) and run again. Nothing was deleted."
            )
        for path in paths.values():
            path.unlink(missing_ok=True)
        for path in sorted({p.parent for p in paths.values()}, key=lambda p: -len(p.parts)):
            while path != self.folder and path.is_dir() and not any(path.iterdir()):
                path.rmdir()
                path = path.parent
        self.path.unlink(missing_ok=True)
        logger.info(
            "removed the earlier export's %s in %s", plural(len(paths), "file"), self.folder
        )

    def _unchanged(self, relative: str, path: Path) -> bool:
        entry = self.files[relative]
        return path.stat().st_size == entry.get("bytes") and sha256_of(path) == entry.get("sha256")

    def _inside(self, relative: str) -> Path:
        pure = PurePosixPath(relative)
        path = self.folder / pure
        root = self.folder.resolve()
        if (
            pure.is_absolute()
            or ".." in pure.parts
            or not pure.parts
            or (path.resolve() != root and root not in path.resolve().parents)
        ):
            raise ExportFolderError(
                f"{self.path} lists {relative!r}, which is not inside {self.folder}; nothing "
                "was deleted. Remove the manifest by hand if you trust the folder."
            )
        return path


def prepare_folder(target: Path, dataset: str, *, overwrite: bool) -> ExportManifest:
    """Make ``target`` ready for a new export of ``dataset``; the new (empty) manifest.

    A new or empty folder is used as it is. A folder holding an earlier export (it has a
    manifest) is cleared of that export's files when ``overwrite``, keeping everything else.
    A folder holding files but no manifest is refused: none of them is ours to delete.
    """
    if target.exists() and not target.is_dir():
        raise ExportFolderError(f"{target} is a file; export needs a folder.")
    if target.is_dir() and any(target.iterdir()):
        earlier = ExportManifest.read(target)
        if earlier is None:
            raise ExportFolderError(
                f"{target} holds files that no kvasir-seg export wrote (there is no "
                f"{MANIFEST_NAME}); choose an empty or new folder. Nothing was deleted."
            )
        if not overwrite:
            raise ExportFolderError(
                f"{target} is not empty: it holds an export of {earlier.dataset}. Choose an empty "
                f"or new folder, or pass --overwrite, which deletes only the {len(earlier.files)} "
                f"files that export wrote (listed in {MANIFEST_NAME})."
            )
        earlier.remove_files()
    target.mkdir(parents=True, exist_ok=True)
    manifest = ExportManifest(folder=target, dataset=dataset)
    manifest.save()
    return manifest
