"""The TFDS builder shared by every dataset of the catalog.

Each dataset folder's ``<name>_dataset_builder.py`` only names its spec; configs
(``BUILDER_CONFIGS``), ``MANUAL_DOWNLOAD_INSTRUCTIONS``, features and generation all come
from here and from the catalog, written on what TFDS documents for dataset authors
(``_info``, ``_split_generators``, ``_generate_examples``, ``manual_dir``, ``dl_manager``),
as its ``oxford_iiit_pet`` builder is; two private names are in :mod:`kvasir_seg_tfds.compat`.
The builder reads the archive through the core reader, so it serves exactly the examples
the Hugging Face builders serve.

The archive is found while the dataset is built (``_split_generators``: ``manual_dir``,
else the archive store, else a download into the store, see :mod:`kvasir_seg_tfds.sources`),
never when the builder is made: TFDS keys its folder by name, config and version, not by
the archive. Instead, ``download_and_prepare`` compares the archive a build would read now
(found without downloading) with the one the prepared dataset records, and rebuilds when
they differ.

A dataset prepared in one file format is read in the other too (``tfds.load`` after
``tfds.data_source`` and the reverse): the missing format is written next to it on first
use (see :mod:`kvasir_seg_tfds.formats`).

Example:
    >>> import tensorflow_datasets as tfds
    >>> import kvasir_seg_tfds
    >>> builder = tfds.builder("kvasir_seg/pranet", data_dir="/tmp/tfds")  # doctest: +SKIP
    >>> builder.download_and_prepare(  # doctest: +SKIP
    ...     download_config=tfds.download.DownloadConfig(manual_dir="~/Downloads")
    ... )
    >>> test = builder.as_dataset(split="test")  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import importlib.util
import logging
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import tensorflow_datasets as tfds

from kvasir_seg.catalog import VERSION as DATASET_VERSION
from kvasir_seg.catalog import DatasetSpec
from kvasir_seg.errors import ArchiveError, DownloadError, KvasirSegError
from kvasir_seg.plan import BuildPlan, read_built_from, verifies, write_built_from
from kvasir_seg.resolve import identity_of, stored_identity
from kvasir_seg_tfds.compat import BuildLinesLogged
from kvasir_seg_tfds.features import features_for, to_record
from kvasir_seg_tfds.formats import WRITABLE, formats_on_disk, update_info, write_format
from kvasir_seg_tfds.metadata import description, manual_download_instructions
from kvasir_seg_tfds.sources import find_in_manual_dir, manual_dir, plan_for

logger = logging.getLogger(__name__)

#: Threads that read, decode and encode examples while TFDS serialises and writes the
#: previous ones (PIL and zlib release the GIL while they work).
READ_THREADS = min(4, os.cpu_count() or 1)

FileFormat = tfds.core.FileFormat

_In = TypeVar("_In")
_Out = TypeVar("_Out")


def configs_for(spec: DatasetSpec) -> list[tfds.core.BuilderConfig]:
    """One TFDS builder config per config of the spec (the names Hugging Face's have).

    Args:
        spec: A dataset of the catalog.

    Returns:
        The configs, in the catalog's order (the first is the default).

    Example:
        >>> from kvasir_seg.catalog import get_spec
        >>> [config.name for config in configs_for(get_spec("kvasir_seg"))]
        ['official', 'pranet']
    """
    return [tfds.core.BuilderConfig(name=c.name, description=c.description) for c in spec.configs]


class KvasirBuilder(BuildLinesLogged, tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """The TFDS builder of one catalog dataset.

    A subclass sets ``SPEC``; its configs and manual download instructions follow from it.

    The base itself is not registered; each ``Builder`` subclass registers under its
    folder's name (``kvasir_seg``, ``kvasir_sessile``, ...).

    Without TensorFlow, an unprepared dataset defaults to array_record: TFRecord files
    cannot be written without TensorFlow, and ``tfds.data_source`` only asks for
    array_record when given no ``data_dir``; this keeps ``tfds.data_source(name,
    split="train", data_dir=...)`` working for PyTorch and JAX users.

    Args:
        file_format: The format to build in; for a dataset prepared in another one, the
            format ``download_and_prepare`` writes next to it (TFDS itself refuses such a
            builder). Reads need no such care: each writes the format it needs on first use.
        verification_mode: As Hugging Face's: ``"no_checks"`` reads a zip whose checksum
            does not match (with a warning), e.g. ``tfds.load("kvasir_seg",
            builder_kwargs={"verification_mode": "no_checks"})``; the default,
            ``"basic_checks"``, refuses it.
        **kwargs: As TFDS's builder takes them (``data_dir``, ``config``, ``version``).

    Raises:
        kvasir_seg.errors.KvasirSegError: An unknown ``verification_mode``.

    Example:
        >>> import tensorflow_datasets as tfds
        >>> import kvasir_seg_tfds
        >>> builder = tfds.builder("kvasir_seg/pranet", data_dir="/tmp/tfds")  # doctest: +SKIP
        >>> builder.MANUAL_DOWNLOAD_INSTRUCTIONS.startswith("Optional")  # doctest: +SKIP
        True
    """

    SPEC: ClassVar[DatasetSpec]
    VERSION = tfds.core.Version(DATASET_VERSION)
    RELEASE_NOTES: ClassVar[dict[str, str]] = {
        DATASET_VERSION: "First release: images, thresholded masks, boxes, official split lists."
    }

    def __init_subclass__(cls, **kwargs: Any) -> None:
        spec = cls.__dict__.get("SPEC")
        if spec is not None:
            cls.BUILDER_CONFIGS = configs_for(spec)
            cls.DEFAULT_BUILDER_CONFIG_NAME = spec.default_config.name
            cls.MANUAL_DOWNLOAD_INSTRUCTIONS = manual_download_instructions(spec)
        super().__init_subclass__(**kwargs)

    def __init__(
        self,
        *,
        file_format: str | None = None,
        verification_mode: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.verify_checksums = verifies(verification_mode)
        self._plan: BuildPlan | None = None
        self._redownload = False
        # What pickling needs to make this builder again (see __getstate__).
        self._arguments = {
            **kwargs,
            "file_format": file_format,
            "verification_mode": verification_mode,
        }
        super().__init__(**kwargs)
        self._wanted_format = FileFormat.from_value(file_format) if file_format else None
        if self._wanted_format is None and not _tensorflow_installed():
            self._wanted_format = FileFormat.ARRAY_RECORD
            logger.info("%s: TensorFlow is not installed, so in array_record", self.name)
        if self._wanted_format is not None:
            self._switch_to(self._wanted_format)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled as TFDS pickles a builder: the arguments it was made with."""
        return {"arguments": self._arguments}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state["arguments"])  # type: ignore[misc]

    def _info(self) -> tfds.core.DatasetInfo:
        spec = self.SPEC
        return self.dataset_info_from_configs(
            description=description(spec),
            features=features_for(spec),
            supervised_keys=("image", "mask"),
            homepage=spec.homepage,
            citation=spec.citation,
            license=spec.terms_of_use,
            metadata=tfds.core.MetadataDict(),
        )

    def is_prepared(self) -> bool:
        """Whether the dataset is prepared, as TFDS says.

        Unlike TFDS, no warning is logged for a dataset that was never built (no folder).

        Returns:
            True when the prepared files are complete on disk.

        Example:
            >>> import tensorflow_datasets as tfds
            >>> tfds.builder("kvasir_seg", data_dir="/tmp/tfds").is_prepared()  # doctest: +SKIP
            False
        """
        return self.data_path.exists() and super().is_prepared()

    def download_and_prepare(self, **kwargs: Any) -> None:
        """Prepare the dataset as TFDS does; one made from another archive is rebuilt.

        When the dataset is prepared and the archive it would be built from now (in
        ``manual_dir`` or the archive store; nothing is downloaded for this check) is not
        the one it was built from, the old build is not served: it is rebuilt, with a
        warning. When no archive is found, the existing build is served. A build in
        another format than the one asked for (``file_format`` here or to the builder)
        gains that format's files. ``dataset_info.json`` then lists the formats on disk and
        the archive's size as the download size.

        Args:
            **kwargs: As TFDS's ``download_and_prepare`` takes them: ``download_config``
                (``manual_dir``, ``download_mode="force_redownload"``, ...), ``file_format``,
                ``download_dir``.

        Raises:
            ChecksumMismatchError: A zip that fails its checksum, without
                ``verification_mode="no_checks"``.
            kvasir_seg.errors.KvasirSegError: No usable archive, or a damaged one
                (``ArchiveError``, ``LayoutError``, ``DownloadError``); nothing is left
                prepared.

        Example:
            >>> import tensorflow_datasets as tfds
            >>> builder = tfds.builder("kvasir_sessile", data_dir="/tmp/tfds")  # doctest: +SKIP
            >>> builder.download_and_prepare(  # doctest: +SKIP
            ...     download_config=tfds.download.DownloadConfig(manual_dir="~/Downloads")
            ... )
        """
        config = kwargs.get("download_config") or tfds.download.DownloadConfig()
        self._redownload = config.download_mode == tfds.download.GenerateMode.FORCE_REDOWNLOAD
        if self.is_prepared():
            built, current = self._built_from(), self._current_identity(config)
            if built and current and built != current:
                logger.warning(
                    "%s: the archive changed since %s was built (sha256 %s, now %s): rebuilding",
                    self.name,
                    self.data_dir,
                    built[:16],
                    current[:16],
                )
                config = dataclasses.replace(
                    config, download_mode=tfds.download.GenerateMode.REUSE_CACHE_IF_EXISTS
                )
                kwargs["download_config"] = config
            elif built and built == current:
                self._check_served_copy(config)
        try:
            super().download_and_prepare(**kwargs)
        finally:
            if self._plan is not None:
                self._plan.close()  # the archive the build opened once
        wanted = kwargs.get("file_format") or self._wanted_format
        if wanted is not None and (wanted := FileFormat.from_value(wanted)) in WRITABLE:
            self._read_in({wanted}, wanted)
        size = self._built_from_record().get("size_bytes")
        if isinstance(size, int) and not self.info.download_size:
            self.info.download_size = size  # TFDS counts only what its own downloader fetched
        update_info(self.data_dir, formats_on_disk(self.info), int(self.info.download_size))

    def as_dataset(self, *args: Any, **kwargs: Any) -> Any:
        """The dataset as ``tf.data``, as TFDS gives it.

        An array_record build gains its TFRecord files first (once).

        Args:
            *args: As TFDS's ``as_dataset`` takes them (``split``, ...).
            **kwargs: As TFDS's ``as_dataset`` takes them (``as_supervised``, ...).

        Returns:
            A ``tf.data.Dataset`` (or a dict of them, by split).

        Raises:
            FormatError: The prepared files are damaged.

        Example:
            >>> import tensorflow_datasets as tfds
            >>> builder = tfds.builder("kvasir_seg", data_dir="/tmp/tfds")  # doctest: +SKIP
            >>> pairs = builder.as_dataset(split="train", as_supervised=True)  # doctest: +SKIP
            >>> image, mask = next(iter(pairs))  # doctest: +SKIP
        """
        self._read_in(FileFormat.with_tf_data(), FileFormat.TFRECORD)
        return super().as_dataset(*args, **kwargs)

    def as_data_source(self, *args: Any, file_format: Any = None, **kwargs: Any) -> Any:
        """The dataset for random access, as TFDS gives it.

        A TFRecord build gains its array_record files first (once).

        Args:
            *args: As TFDS's ``as_data_source`` takes them (``split``, ...).
            file_format: A random-access format to read (None: the first on disk).
            **kwargs: As TFDS's ``as_data_source`` takes them.

        Returns:
            A sequence of examples (or a dict of them, by split).

        Raises:
            FormatError: The prepared files are damaged.

        Example:
            >>> import tensorflow_datasets as tfds
            >>> builder = tfds.builder("kvasir_seg", data_dir="/tmp/tfds")  # doctest: +SKIP
            >>> builder.as_data_source(split="validation")[0]["mask"].shape  # doctest: +SKIP
            (529, 622, 1)
        """
        wanted = FileFormat.from_value(file_format or FileFormat.ARRAY_RECORD)
        suitable = {wanted} if file_format else FileFormat.with_random_access()
        self._read_in(suitable, wanted)
        return super().as_data_source(*args, file_format=file_format, **kwargs)

    def _read_in(self, suitable: set[FileFormat], missing: FileFormat) -> None:
        """Read the prepared dataset in one of the ``suitable`` formats on disk; with none,
        write the ``missing`` one first (from the format on disk)."""
        current = self.info.file_format
        if not self.is_prepared() or (current in suitable and current not in WRITABLE):
            return  # not built (TFDS says so), or in a format TFDS serves on its own
        usable = [f for f in formats_on_disk(self.info) if f in suitable]
        if not usable:
            write_format(self.info, self.data_dir, missing)
            usable = [missing]
        if current not in usable:
            self._switch_to(usable[0])

    def _switch_to(self, file_format: FileFormat) -> None:
        self.info.set_file_format(file_format, override=True, override_if_initialized=True)

    def _built_from(self) -> str | None:
        record = read_built_from(self.data_dir)
        return record["identity"] if record else None

    def _built_from_record(self) -> dict[str, Any]:
        return read_built_from(self.data_dir) or {}

    def _manual_dir(self, config: tfds.download.DownloadConfig) -> Path | None:
        """The ``manual_dir`` a build would read (None when it is not there or empty)."""
        manual = Path(config.manual_dir or Path(self.data_dir_root) / "downloads" / "manual")
        manual = manual.expanduser()
        return manual if manual.is_dir() and any(manual.iterdir()) else None

    def _check_served_copy(self, config: tfds.download.DownloadConfig) -> None:
        """Check the copy a prepared build came from as a build would (a copy accepted with
        checks skipped is said once); a copy that is gone is fine."""
        try:
            plan_for(
                self.SPEC, self._manual_dir(config), verify=self.verify_checksums, download=False
            )
        except (ArchiveError, DownloadError) as error:
            logger.info("%s: serving %s (%s)", self.name, self.data_dir, error)

    def _current_identity(self, config: tfds.download.DownloadConfig) -> str | None:
        """The identity of the archive a build would read now: nothing is checked (a
        replaced archive must show as changed, then the rebuild checks it), nothing is
        downloaded."""
        manual = self._manual_dir(config)
        try:
            if manual is not None:
                return identity_of(self.SPEC, find_in_manual_dir(self.SPEC, manual))
            return stored_identity(self.SPEC)
        except KvasirSegError as error:
            logger.info("%s: no archive to compare the build with (%s)", self.name, error)
            return None

    def _split_generators(
        self, dl_manager: tfds.download.DownloadManager
    ) -> dict[str, Iterator[tuple[str, dict[str, Any]]]]:
        plan = plan_for(
            self.SPEC,
            manual_dir(dl_manager),
            self.builder_config.name,
            verify=self.verify_checksums,
            force_download=self._redownload,
        )
        self._plan = plan
        # Written into the folder being built, renamed with it when the build succeeds; the
        # info's metadata says what it was built from too (an accepted copy, for one).
        write_built_from(self.data_dir, plan)
        self.info.metadata["archive"] = plan.built_from()
        return {name: self._generate_examples(plan, ids) for name, ids in plan.splits.items()}

    def _generate_examples(
        self, plan: BuildPlan, ids: list[str]
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        archive = plan.reader()  # opened once for the build, shared by the splits
        with ThreadPoolExecutor(READ_THREADS, thread_name_prefix="kvasir-read") as pool:

            def keyed_record(image_id: str) -> tuple[str, dict[str, Any]]:
                return image_id, to_record(archive.read_example(image_id))

            yield from in_order(pool, keyed_record, ids)


def _tensorflow_installed() -> bool:
    return importlib.util.find_spec("tensorflow") is not None


def in_order(
    pool: ThreadPoolExecutor, work: Callable[[_In], _Out], items: Iterable[_In], ahead: int = 16
) -> Iterator[_Out]:
    """``map(work, items)`` on ``pool``, in order, with at most ``ahead`` results pending.

    Args:
        pool: The threads to work on.
        work: Called on each item.
        items: The items, in order.
        ahead: How many items may be submitted before their result is taken.

    Yields:
        ``work(item)`` for each item, in the items' order.

    Raises:
        Exception: What ``work`` raised, when its result is reached (the pending work is
            cancelled).

    Example:
        >>> with ThreadPoolExecutor(2) as pool:
        ...     list(in_order(pool, str.upper, ["a", "b", "c"], ahead=2))
        ['A', 'B', 'C']
    """
    pending: deque[Future[_Out]] = deque()
    try:
        for item in items:
            pending.append(pool.submit(work, item))
            if len(pending) >= ahead:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()
