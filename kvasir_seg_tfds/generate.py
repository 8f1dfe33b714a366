"""Write each catalog dataset's TFDS folder: builder, test, metadata files and dummy data.

Everything in ``kvasir_seg_tfds/<name>/`` follows from the dataset's catalog spec, so it is
generated, never edited by hand:

- ``<name>_dataset_builder.py`` (``class Builder``, which names its spec) and ``__init__.py``;
- ``<name>_dataset_builder_test.py``, a ``tfds.testing.DatasetBuilderTestCase`` per config
  with the split sizes of the dummy data;
- ``README.md``, ``CITATIONS.bib``, ``TAGS.txt``, ``checksums.tsv``
  (see :mod:`kvasir_seg_tfds.metadata`);
- ``dummy_data/``, a small synthetic archive, extracted, in the real layout (written by
  :func:`kvasir_seg.testing.write_dummy_data`).

After adding or changing a spec, run (a test fails while a folder is stale)::

    python -m kvasir_seg_tfds.generate               # every dataset of the catalog
    python -m kvasir_seg_tfds.generate kvasir_seg    # one
    python -m kvasir_seg_tfds.generate --check       # list stale files, exit 1 if any
"""

from __future__ import annotations

import argparse
import filecmp
import logging
import shutil
import sys
import tempfile
import textwrap
from pathlib import Path

from PIL import Image

from kvasir_seg.archive import open_archive
from kvasir_seg.catalog import DATASETS, DatasetSpec, get_spec
from kvasir_seg.testing import write_dummy_data
from kvasir_seg_tfds.metadata import metadata_files

logger = logging.getLogger(__name__)

PACKAGE = Path(__file__).resolve().parent
DUMMY_FOLDER = "dummy_data"
_IMAGE_SUFFIXES = (".jpg", ".png")
_GENERATED = (
    "Generated from the catalog by ``python -m kvasir_seg_tfds.generate``: edit the spec in "
    "kvasir_seg/catalog.py, not this file."
)


def _paragraph(text: str) -> str:
    return textwrap.fill(text, width=92)


def _configs_line(spec: DatasetSpec) -> str:
    configs = ", ".join(
        f"``{c.name}`` ({', '.join(s.name for s in c.splits)})" for c in spec.configs
    )
    return _paragraph(f"Configs: {configs}.")


def builder_module(spec: DatasetSpec) -> str:
    """The text of ``<name>_dataset_builder.py``."""
    return f'''"""{spec.title} for TensorFlow Datasets: the ``{spec.name}`` builder.

{_configs_line(spec)}

{_paragraph(_GENERATED)}

    >>> import tensorflow_datasets as tfds
    >>> import kvasir_seg_tfds
    >>> ds = tfds.load("{spec.name}", split="train")  # doctest: +SKIP
"""

from kvasir_seg.catalog import get_spec
from kvasir_seg_tfds.builder import KvasirBuilder


class Builder(KvasirBuilder):
    """{spec.title}: the ``{spec.name}`` builder; all else follows from its spec."""

    SPEC = get_spec("{spec.name}")
'''


def builder_test_module(spec: DatasetSpec, splits: dict[str, dict[str, int]], package: str) -> str:
    """The text of ``<name>_dataset_builder_test.py`` (``splits``: config -> split sizes)."""
    module = f"{spec.name}_dataset_builder"
    classes = "".join(
        f'''

class {spec.class_name}{config.title().replace("_", "")}Test(testing.DatasetBuilderTestCase):
    """Config ``{config}`` on the dummy data."""

    DATASET_CLASS = {module}.Builder
    BUILDER_CONFIG_NAMES_TO_TEST = ["{config}"]
    SPLITS = {_dict_literal(sizes)}
'''
        for config, sizes in splits.items()
    )
    count = max(sum(sizes.values()) for sizes in splits.values())
    title = f"The TFDS builder test of ``{spec.name}``, on ``{DUMMY_FOLDER}/`` ({count} examples)."
    return f'''"""{title}

{_paragraph(_GENERATED)}
"""

import pytest

pytest.importorskip("tensorflow")

from tensorflow_datasets import testing  # noqa: E402

from {package}.{spec.name} import {module}  # noqa: E402
{classes}

if __name__ == "__main__":
    testing.test_main()
'''


def _dict_literal(sizes: dict[str, int]) -> str:
    """``{"train": 5}`` as ``ruff format`` writes it."""
    return "{" + ", ".join(f'"{name}": {count}' for name, count in sizes.items()) + "}"


def dummy_splits(spec: DatasetSpec, dummy: Path) -> dict[str, dict[str, int]]:
    """The size of each non-empty split of each config on the dummy data."""
    with open_archive(spec, dummy) as archive:
        return {
            config.name: {
                name: len(ids) for name, ids in archive.assign_splits(config.name).items() if ids
            }
            for config in spec.configs
        }


def write_dataset_folder(
    spec: DatasetSpec | str, root: Path = PACKAGE, package: str = "kvasir_seg_tfds"
) -> Path:
    """(Re)write ``root/<name>/`` for ``spec``; the folder.

    ``package`` is the import path of ``root`` (for the test module's import).
    """
    spec = get_spec(spec) if isinstance(spec, str) else spec
    folder = Path(root) / spec.name
    dummy = folder / DUMMY_FOLDER
    shutil.rmtree(dummy, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    write_dummy_data(spec, dummy)
    texts = {
        "__init__.py": f'"""The ``{spec.name}`` dataset folder in TFDS\'s layout (generated)."""\n',
        f"{spec.name}_dataset_builder.py": builder_module(spec),
        f"{spec.name}_dataset_builder_test.py": builder_test_module(
            spec, dummy_splits(spec, dummy), package
        ),
        **metadata_files(spec),
    }
    for file_name, text in texts.items():
        (folder / file_name).write_text(text, encoding="utf-8")
    logger.info("wrote %s", folder)
    return folder


def stale_files(
    spec: DatasetSpec | str, root: Path = PACKAGE, package: str = "kvasir_seg_tfds"
) -> list[str]:
    """The files of ``root/<name>/`` that differ from what :func:`write_dataset_folder` writes.

    Text files must be equal; dummy images must have the same names and sizes (their JPEG
    bytes may differ between Pillow builds); missing and extra files count too.
    """
    spec = get_spec(spec) if isinstance(spec, str) else spec
    folder = Path(root) / spec.name
    with tempfile.TemporaryDirectory(prefix="kvasir-seg-generate-") as scratch:
        fresh = write_dataset_folder(spec, Path(scratch), package)
        wanted = _files(fresh)
        found = _files(folder) if folder.is_dir() else set()
        stale = sorted(wanted ^ found)
        for name in sorted(wanted & found):
            if not _same(fresh / name, folder / name):
                stale.append(name)
    return [f"{spec.name}/{name}" for name in stale]


def _files(folder: Path) -> set[str]:
    return {
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def _same(expected: Path, found: Path) -> bool:
    if expected.suffix.lower() in _IMAGE_SUFFIXES:
        with Image.open(expected) as one, Image.open(found) as other:
            return (one.size, one.mode) == (other.size, other.mode)
    return filecmp.cmp(expected, found, shallow=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "datasets", nargs="*", help=f"any of {', '.join(DATASETS)} (default: all of them)"
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; list stale files, exit 1 if any"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR if args.check else logging.INFO, format="%(message)s")
    specs = [get_spec(name) for name in args.datasets] or list(DATASETS.values())
    if args.check:
        stale = [name for spec in specs for name in stale_files(spec)]
        for name in stale:
            print(f"stale: kvasir_seg_tfds/{name}")
        if stale:
            print("run: python -m kvasir_seg_tfds.generate", file=sys.stderr)
        return 1 if stale else 0
    for spec in specs:
        write_dataset_folder(spec)
    return 0


if __name__ == "__main__":
    sys.exit(main())
