"""The ``datasets`` builder shared by every dataset of the catalog.

One subclass per catalog spec is made by :mod:`kvasir_seg_hf.registry` (it only names its
spec); everything else is here. The builder resolves its archive through the core
(``data_dir``, else the archive store, else a download into it), keys its cache by the
archive's identity, and reads the archive through the core reader, so it serves exactly
the examples the TFDS builders serve.

    >>> from kvasir_seg_hf import KvasirSeg
    >>> builder = KvasirSeg(config_name="pranet", data_dir="~/Downloads")  # doctest: +SKIP
    >>> builder.download_and_prepare()  # doctest: +SKIP
    >>> test = builder.as_dataset(split="test")  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any, ClassVar

import datasets

from kvasir_seg.archive import Layout
from kvasir_seg.catalog import VERSION, DatasetSpec
from kvasir_seg.errors import our_error
from kvasir_seg.plan import plan_build, verifies, write_built_from
from kvasir_seg_hf.features import features_for, to_record

logger = logging.getLogger(__name__)

_Key = getattr(datasets.builder, "Key", None)
#: A split is generated in this many shards, so that ``num_proc`` (2, 4 or 8) has work to
#: share evenly.
MAX_SHARDS = 8
#: A split with fewer examples is one shard, so ``num_proc`` builds it in this process:
#: ``datasets`` starts a pool of workers (and a manager process) for each split it shares
#: out, which on 2 cores costs about what sharing ~120 examples saves (benchmarks/README.md).
MIN_SHARED_EXAMPLES = 128


@dataclass
class KvasirConfig(datasets.BuilderConfig):
    """A named way of splitting a dataset (``official``, ``pranet``, ``default``)."""


def configs_for(spec: DatasetSpec) -> list[KvasirConfig]:
    """One builder config per config of the spec."""
    return [
        KvasirConfig(name=c.name, version=datasets.Version(VERSION), description=c.description)
        for c in spec.configs
    ]


class KvasirBuilder(datasets.GeneratorBasedBuilder):
    """Base builder: subclasses set ``SPEC``, ``BUILDER_CONFIGS`` and ``DEFAULT_CONFIG_NAME``.

    The archive is resolved when the builder is made (``data_dir``, else the archive store,
    else a download into the store: :func:`kvasir_seg.plan.plan_build`), and the cache folder is
    keyed by the archive's identity (its SHA-256, or an extracted folder's fingerprint),
    not by the path it was reached by: the same zip reached through two paths shares one
    cache, and a replaced zip gets a cache of its own.
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
        """Whether the cache of this config and archive is complete on disk."""
        return os.path.isfile(os.path.join(self.cache_dir, datasets.config.DATASET_INFO_FILENAME))

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

    def _download_and_prepare(self, *args: Any, **kwargs: Any) -> None:
        # Into the folder being built, which becomes the cache when the build succeeds.
        write_built_from(self._output_dir, self.plan)
        try:
            super()._download_and_prepare(*args, **kwargs)
        finally:
            self.plan.close()  # the archive the build opened once

    def _prepare_split_single(self, *args: Any, **kwargs: Any) -> Any:
        """As ``datasets``', but our error reaches the user as it is.

        ``datasets`` wraps whatever the generator raised in a ``DatasetGenerationError``,
        and with ``num_proc`` the cause is lost on its way to the parent process; our
        errors (which pickle, and say what to do) are re-raised instead, in one process or
        many (the half-built cache is discarded all the same).
        """
        try:
            yield from super()._prepare_split_single(*args, **kwargs)
        except datasets.exceptions.DatasetGenerationError as error:
            ours = our_error(error)
            if ours is None:
                raise
            raise ours from None

    def _prepare_split(
        self, split_generator: datasets.SplitGenerator, *args: Any, **kwargs: Any
    ) -> None:
        """As ``datasets``', with ``num_proc`` at most the split's number of shards: a split
        of one shard is built in this process, without ``datasets``' warning about it."""
        num_proc, shards = kwargs.get("num_proc"), len(split_generator.gen_kwargs["shards"])
        if num_proc is not None and num_proc > shards:
            logger.debug("%s: %d shards, so %d processes", split_generator.name, shards, shards)
            kwargs["num_proc"] = shards
        super()._prepare_split(split_generator, *args, **kwargs)

    def _split_generators(
        self, dl_manager: datasets.DownloadManager
    ) -> list[datasets.SplitGenerator]:
        plan = self.plan
        return [
            datasets.SplitGenerator(
                name=split, gen_kwargs={"layout": plan.layout, "shards": _shards(ids)}
            )
            for split, ids in plan.splits.items()
        ]

    def _generate_examples(self, layout: Layout, shards: list[list[str]]):
        archive = self.plan.reader(layout)  # this process's: opened once, shared by the splits
        for shard_index, ids in enumerate(shards):
            for index, example in enumerate(archive.examples(ids)):
                key = _Key(shard_index, index) if _Key is not None else example.image_id
                yield key, to_record(example)


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
