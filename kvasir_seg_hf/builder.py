"""The ``datasets`` builder shared by every dataset of the catalog.

One subclass per catalog spec is made by :mod:`kvasir_seg_hf.registry` (it only names its
spec); everything else is here, written on what ``datasets`` documents for dataset authors
(``_info``, ``_split_generators``, ``_generate_examples``, configs, ``data_dir``,
``verification_mode``, ``num_proc`` through ``gen_kwargs`` lists), as its ``imagefolder``
builder is, plus one private hook kept in :mod:`kvasir_seg_hf.compat`. The builder reads
the archive through the core reader, so it serves exactly the examples the TFDS builders
serve.

**Why the archive is found when the builder is made.** The cache is keyed by the
archive's identity (its SHA-256, or an extracted folder's fingerprint), not by the path it
was reached by: the same zip through two paths shares one cache, a replaced zip gets a
cache of its own. ``datasets`` fixes the cache folder in ``DatasetBuilder.__init__``, from
the public ``hash`` argument (``<cache_dir>/<dataset>/<config>/<version>/<hash>``), and
``download_and_prepare`` serves that folder, when it is complete, before any method of the
builder runs (``_split_generators`` is called only to build). So the identity must be known
in ``__init__``, and :func:`kvasir_seg.plan.plan_build` runs there: a path given as
``data_dir`` is hashed (once per file: the archive store remembers the hash), and so is the
copy the store holds. When there is no copy at all, the content of the archive to build from
is known only once it is downloaded (three of the four archives publish no checksum, and
``verification_mode="no_checks"`` accepts a download that differs from a published one),
so the download happens there too, by the core's downloader (:mod:`kvasir_seg.download`:
resume, lock, TLS chain completion, checksum), not by ``dl_manager``, whose downloads
would keep a second copy outside the archive store that TFDS and the command line share.

Example:
    >>> from kvasir_seg_hf import KvasirSeg
    >>> builder = KvasirSeg(config_name="pranet", data_dir="~/Downloads")  # doctest: +SKIP
    >>> builder.download_and_prepare()  # doctest: +SKIP
    >>> test = builder.as_dataset(split="test")  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import datasets

from kvasir_seg.archive import Layout
from kvasir_seg.catalog import VERSION, DatasetSpec
from kvasir_seg.plan import plan_build, read_built_from, verifies, write_built_from
from kvasir_seg_hf.compat import OurErrorsFromWorkers
from kvasir_seg_hf.features import features_for, to_record

logger = logging.getLogger(__name__)

#: A split is generated in this many shards, so that ``num_proc`` (2, 4 or 8) has work to
#: share evenly.
MAX_SHARDS = 8
#: A split with fewer examples is one shard, so ``num_proc`` builds it in this process:
#: ``datasets`` starts a pool of workers (and a manager process) for each split it shares
#: out, which on 2 cores costs about what sharing ~120 examples saves (benchmarks/README.md).
MIN_SHARED_EXAMPLES = 128


@dataclass
class KvasirConfig(datasets.BuilderConfig):
    """A named way of splitting a dataset (``official``, ``pranet``, ``default``).

    Args:
        name: The config's name, as in the catalog.
        version: The dataset's version.
        description: What the config holds, in one sentence.

    Example:
        >>> KvasirConfig(name="pranet").name
        'pranet'
    """


def configs_for(spec: DatasetSpec) -> list[KvasirConfig]:
    """One builder config per config of the spec.

    Args:
        spec: A dataset of the catalog.

    Returns:
        The configs, in the catalog's order (the first is the default).

    Example:
        >>> from kvasir_seg.catalog import get_spec
        >>> [config.name for config in configs_for(get_spec("kvasir_seg"))]
        ['official', 'pranet']
    """
    return [
        KvasirConfig(name=c.name, version=datasets.Version(VERSION), description=c.description)
        for c in spec.configs
    ]


class KvasirBuilder(OurErrorsFromWorkers, datasets.GeneratorBasedBuilder):
    """The ``datasets`` builder of one catalog dataset.

    Subclasses set ``SPEC``, ``BUILDER_CONFIGS`` and ``DEFAULT_CONFIG_NAME``
    (:func:`kvasir_seg_hf.builder_class` makes them). The archive is found, checked and,
    when the archive store holds no copy, downloaded when the builder is made
    (:func:`kvasir_seg.plan.plan_build`; the module's docstring says why); the cache folder
    is keyed by the archive's identity.

    Args:
        *args: Passed to ``datasets.GeneratorBasedBuilder``.
        data_dir: The zip, the folder that holds it, or the folder it extracts to; None
            reads the copy the archive store holds, else downloads one into it.
        verification_mode: ``"no_checks"`` reads a zip that fails its checksum (and
            remembers that you accepted it); anything else refuses it.
        force_download: Download the archive into the store again, whatever is there.
        **kwargs: Passed to ``datasets.GeneratorBasedBuilder`` (``config_name``,
            ``cache_dir``, ...).

    Raises:
        kvasir_seg.errors.ArchiveError: No usable archive at ``data_dir``.
        kvasir_seg.errors.ChecksumError: A zip that fails its checksum, without
            ``verification_mode="no_checks"``.
        kvasir_seg.errors.DownloadError: No copy anywhere, and the download failed.

    Example:
        >>> from kvasir_seg_hf import KvasirSeg
        >>> builder = KvasirSeg(config_name="pranet", data_dir="~/Downloads")  # doctest: +SKIP
        >>> builder.download_and_prepare(num_proc=2)  # doctest: +SKIP
        >>> builder.as_dataset(split="test").num_rows  # doctest: +SKIP
        100
    """

    SPEC: ClassVar[DatasetSpec]
    BUILDER_CONFIG_CLASS = KvasirConfig

    def __init__(
        self,
        *args: Any,
        data_dir: str | os.PathLike[str] | None = None,
        verification_mode: Any = None,
        force_download: bool = False,
        **kwargs: Any,
    ) -> None:
        self.plan = plan_build(
            self.SPEC,
            data_dir,
            kwargs.get("config_name"),
            verify=verifies(verification_mode),
            force_download=force_download,
            remembered=True,
        )
        kwargs.pop("hash", None)
        # One builder for several datasets, as datasets' packaged builders (imagefolder,
        # csv) are: the builder is named after this package, the dataset after its spec.
        kwargs["dataset_name"] = self.SPEC.name
        super().__init__(*args, hash=self.plan.archive.cache_key, **kwargs)
        if self.plan.missing is not None:
            if not self.is_built():
                raise self.plan.missing
            logger.warning(
                "%s: %s; serving the cache built from it (sha256 %s) at %s",
                self.SPEC.name,
                self.plan.missing,
                self.plan.archive.identity,
                self.cache_dir,
            )

    def is_built(self) -> bool:
        """Whether the cache of this config and archive is complete on disk.

        Returns:
            True when ``download_and_prepare`` would serve the cache as it is.

        Example:
            >>> from kvasir_seg_hf import KvasirSeg
            >>> KvasirSeg(data_dir="~/Downloads").is_built()  # doctest: +SKIP
            False
        """
        return _finished(self.cache_dir)

    def download_and_prepare(
        self,
        output_dir: str | None = None,
        *args: Any,
        num_proc: int | None = None,
        **kwargs: Any,
    ) -> None:
        """Build the cache, as ``datasets`` does, unless it is built already.

        The finished cache records the archive it was built from (:func:`kvasir_seg.plan.
        write_built_from`, read by ``kvasir-seg info``). A split is shared among at most as
        many processes as it has shards; when no split has more than one, the build runs in
        this process, without ``datasets``' warning that it lowered ``num_proc``.

        Args:
            output_dir: Where to build (None: the cache folder, :attr:`cache_dir`).
            *args: Passed to ``datasets.DatasetBuilder.download_and_prepare``.
            num_proc: Processes to build with (None or 1: this one).
            **kwargs: Passed to ``datasets.DatasetBuilder.download_and_prepare``
                (``download_mode``, ``verification_mode``, ...).

        Raises:
            kvasir_seg.errors.KvasirSegError: The archive cannot be read (a damaged member,
                an unknown layout), as it is, from this process or a worker; nothing is
                left in the cache.

        Example:
            >>> from kvasir_seg_hf import get_builder
            >>> builder = get_builder("kvasir_sessile", data_dir="~/Downloads")  # doctest: +SKIP
            >>> builder.download_and_prepare(num_proc=2)  # doctest: +SKIP
        """
        folder = output_dir or self.cache_dir
        reuse = datasets.DownloadMode.REUSE_DATASET_IF_EXISTS
        rebuild = datasets.DownloadMode(kwargs.get("download_mode") or reuse) != reuse
        if num_proc is not None and num_proc > 1 and (rebuild or not _finished(folder)):
            most = max(map(len, self._split_shards().values()), default=1)
            num_proc = min(num_proc, most) if most > 1 else None
        try:
            super().download_and_prepare(output_dir, *args, num_proc=num_proc, **kwargs)
        finally:
            self.plan.close()  # the archive the build opened once
        if self.plan.missing is None and _finished(folder) and read_built_from(folder) is None:
            write_built_from(folder, self.plan)

    def _split_shards(self) -> dict[str, list[list[str]]]:
        """The ids of each split, in the shards the build shares among processes."""
        return {split: _shards(ids) for split, ids in self.plan.splits.items()}

    def _info(self) -> datasets.DatasetInfo:
        spec, archive = self.SPEC, self.plan.archive
        accepted = archive.trust in ("accepted", "accepting")
        return datasets.DatasetInfo(
            description=spec.description
            + (f"\n\nBuilt from {archive.path}: {archive.check}." if accepted else ""),
            features=features_for(spec),
            homepage=spec.homepage,
            citation=spec.citation,
            license=spec.terms_of_use,
        )

    def _split_generators(
        self, dl_manager: datasets.DownloadManager
    ) -> list[datasets.SplitGenerator]:
        layout = self.plan.layout
        return [
            datasets.SplitGenerator(name=split, gen_kwargs={"layout": layout, "shards": shards})
            for split, shards in self._split_shards().items()
        ]

    def _generate_examples(
        self, layout: Layout, shards: list[list[str]]
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        archive = self.plan.reader(layout)  # this process's: opened once, shared by the splits
        for ids in shards:
            for example in archive.examples(ids):
                yield example.image_id, to_record(example)


def _finished(folder: str) -> bool:
    """Whether ``folder`` holds a finished build (a local folder with its info file)."""
    return os.path.isfile(os.path.join(folder, datasets.config.DATASET_INFO_FILENAME))


def _shards(ids: list[str]) -> list[list[str]]:
    """Contiguous chunks of ``ids``, so that the examples keep their sorted order: one for a
    split of fewer than :data:`MIN_SHARED_EXAMPLES`, else :data:`MAX_SHARDS` (whatever
    ``num_proc`` is, so the shards are the same with any number of processes).

    >>> [len(shard) for shard in _shards([str(i) for i in range(120)])]
    [120]
    >>> [len(shard) for shard in _shards([str(i) for i in range(880)])]
    [110, 110, 110, 110, 110, 110, 110, 110]
    """
    if len(ids) < MIN_SHARED_EXAMPLES:
        return [ids]
    size = -(-len(ids) // MAX_SHARDS)
    return [ids[i : i + size] for i in range(0, len(ids), size)] or [[]]
