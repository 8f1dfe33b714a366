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

from kvasir_seg.archive import Layout, open_archive
from kvasir_seg.catalog import VERSION, DatasetSpec
from kvasir_seg.errors import ArchiveError, DownloadError, KvasirSegError, our_error
from kvasir_seg.resolve import remembered_archive, resolve_archive
from kvasir_seg.trust import ResolvedArchive, check_archive
from kvasir_seg_hf.features import features_for, to_record

logger = logging.getLogger(__name__)

_Key = getattr(datasets.builder, "Key", None)
#: Examples are generated in this many shards at most, so ``num_proc`` has work to share.
MAX_SHARDS = 8


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
    else a download into the store: :mod:`kvasir_seg.resolve`), and the cache folder is
    keyed by the archive's identity (its SHA-256, or an extracted folder's fingerprint),
    not by the path it was reached by: the same zip reached through two paths shares one
    cache, and a replaced zip gets a cache of its own.
    """

    SPEC: ClassVar[DatasetSpec]
    BUILDER_CONFIG_CLASS = KvasirConfig

    #: False when ``verification_mode="no_checks"``: a checksum mismatch only warns.
    verify_checksums: bool = True

    def __init__(
        self,
        *args: Any,
        data_dir: str | os.PathLike[str] | None = None,
        verification_mode: Any = None,
        archive: ResolvedArchive | None = None,
        force_download: bool = False,
        **kwargs: Any,
    ) -> None:
        self.set_verification_mode(verification_mode)
        missing: KvasirSegError | None = None
        if archive is None:
            try:
                archive = resolve_archive(
                    self.SPEC,
                    data_dir,
                    verify=self.verify_checksums,
                    force_download=force_download,
                )
            except (ArchiveError, DownloadError) as error:
                archive = None if force_download else remembered_archive(self.SPEC, data_dir)
                if archive is None:
                    raise
                missing = error
        self.archive = archive
        kwargs.pop("hash", None)
        super().__init__(*args, hash=archive.cache_key, **kwargs)
        if missing is not None:
            if not self.is_built():
                raise missing
            logger.warning(
                "%s: %s; serving the cache built from it (sha256 %s) at %s",
                self.SPEC.name,
                missing,
                archive.identity,
                self.cache_dir,
            )

    def is_built(self) -> bool:
        """Whether the cache of this config and archive is complete on disk."""
        return os.path.isfile(os.path.join(self.cache_dir, datasets.config.DATASET_INFO_FILENAME))

    def _info(self) -> datasets.DatasetInfo:
        spec = self.SPEC
        return datasets.DatasetInfo(
            description=spec.description,
            features=features_for(spec),
            homepage=spec.homepage,
            citation=spec.citation,
            license=spec.terms_of_use,
        )

    def set_verification_mode(self, verification_mode: Any = None) -> None:
        """Whether the archive must match its checksum (``"no_checks"``: only warn)."""
        mode = datasets.VerificationMode(
            verification_mode or datasets.VerificationMode.BASIC_CHECKS
        )
        self.verify_checksums = mode != datasets.VerificationMode.NO_CHECKS

    def download_and_prepare(
        self, *args: Any, verification_mode: Any = None, **kwargs: Any
    ) -> None:
        if verification_mode is not None:
            checked = self.verify_checksums
            self.set_verification_mode(verification_mode)
            if self.verify_checksums and not checked and self.archive.is_zip:
                check_archive(self.SPEC, self.archive.path, verify=True)  # stricter now
        super().download_and_prepare(*args, verification_mode=verification_mode, **kwargs)

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

    def _split_generators(
        self, dl_manager: datasets.DownloadManager
    ) -> list[datasets.SplitGenerator]:
        with open_archive(self.SPEC, self.archive.path) as archive:
            splits = archive.assign_splits(self.config.name)
            location, layout = str(archive.path), archive.layout
        return [
            datasets.SplitGenerator(
                name=split,
                gen_kwargs={"location": location, "layout": layout, "shards": _shards(ids)},
            )
            for split, ids in splits.items()
            if ids  # a partial archive may leave a split empty; datasets cannot serve those
        ]

    def _generate_examples(self, location: str, layout: Layout, shards: list[list[str]]):
        with open_archive(self.SPEC, location, layout=layout) as archive:
            for shard_index, ids in enumerate(shards):
                for index, example in enumerate(archive.examples(ids)):
                    key = _Key(shard_index, index) if _Key is not None else example.image_id
                    yield key, to_record(example)


def _shards(ids: list[str]) -> list[list[str]]:
    """Contiguous chunks of ``ids``, so that the examples keep their sorted order."""
    size = max(1, -(-len(ids) // MAX_SHARDS))
    return [ids[i : i + size] for i in range(0, len(ids), size)] or [[]]
