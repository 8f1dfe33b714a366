"""The ``datasets`` builder shared by the three datasets.

Each dataset module (``kvasir_seg``, ``kvasir_sessile``, ``kvasir_capsule_seg``) only names
its spec; everything else is here. The builder reads the archive through the core
reader, so it serves exactly the examples the TFDS builders serve.

    >>> from kvasir_seg_hf import KvasirSeg
    >>> builder = KvasirSeg(config_name="pranet", data_dir="~/Downloads")  # doctest: +SKIP
    >>> builder.download_and_prepare()  # doctest: +SKIP
    >>> test = builder.as_dataset(split="test")  # doctest: +SKIP
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import datasets

from kvasir_seg.archive import locate_archive, open_archive
from kvasir_seg.catalog import VERSION, DatasetSpec
from kvasir_seg.download import download_archive, verify_archive
from kvasir_seg.errors import KvasirSegError
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
    """Base builder: subclasses set ``SPEC``, ``BUILDER_CONFIGS`` and ``DEFAULT_CONFIG_NAME``."""

    SPEC: ClassVar[DatasetSpec]
    BUILDER_CONFIG_CLASS = KvasirConfig

    #: Set by :meth:`download_and_prepare`: False when ``verification_mode="no_checks"``.
    verify_checksums: bool = True

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
        """Whether the archive must match its published checksum (``"no_checks"``: only warn).

        ``download_and_prepare`` sets it from its own argument; call this before
        ``as_streaming_dataset``, which takes none.
        """
        mode = datasets.VerificationMode(
            verification_mode or datasets.VerificationMode.BASIC_CHECKS
        )
        self.verify_checksums = mode != datasets.VerificationMode.NO_CHECKS

    def download_and_prepare(
        self, *args: Any, verification_mode: Any = None, **kwargs: Any
    ) -> None:
        self.set_verification_mode(verification_mode)
        try:
            super().download_and_prepare(*args, verification_mode=verification_mode, **kwargs)
        except datasets.exceptions.DatasetGenerationError as error:
            # datasets wraps whatever the generator raised; our errors say what to do, so
            # the user gets them as they are (the half-built cache is already discarded).
            if isinstance(error.__cause__, KvasirSegError):
                raise error.__cause__ from None
            raise

    def _archive_path(self, dl_manager: datasets.DownloadManager) -> Path:
        """The archive to read: the user's ``data_dir``, else the official download."""
        spec = self.SPEC
        if self.config.data_dir:
            path = locate_archive(spec, self.config.data_dir)
            if path.is_file():
                verify_archive(spec, path, strict=self.verify_checksums)
            return path
        config = getattr(dl_manager, "download_config", None)
        root = Path(getattr(config, "cache_dir", None) or datasets.config.DOWNLOADED_DATASETS_PATH)
        return download_archive(
            spec,
            root / "kvasir_seg",
            verify=self.verify_checksums,
            force=bool(getattr(config, "force_download", False)),
        )

    def _split_generators(
        self, dl_manager: datasets.DownloadManager
    ) -> list[datasets.SplitGenerator]:
        path = self._archive_path(dl_manager)
        with open_archive(self.SPEC, path) as archive:
            splits = archive.assign_splits(self.config.name)
            location = str(archive.path)
        return [
            datasets.SplitGenerator(
                name=split,
                gen_kwargs={"location": location, "shards": _shards(ids)},
            )
            for split, ids in splits.items()
            if ids  # a partial archive may leave a split empty; datasets cannot serve those
        ]

    def _generate_examples(self, location: str, shards: list[list[str]]):
        with open_archive(self.SPEC, location) as archive:
            for shard_index, ids in enumerate(shards):
                for index, example in enumerate(archive.examples(ids)):
                    key = _Key(shard_index, index) if _Key is not None else example.image_id
                    yield key, to_record(example)


def _shards(ids: list[str]) -> list[list[str]]:
    """Contiguous chunks of ``ids``, so that the examples keep their sorted order."""
    size = max(1, -(-len(ids) // MAX_SHARDS))
    return [ids[i : i + size] for i in range(0, len(ids), size)] or [[]]
