"""Export a dataset as Parquet shards plus a dataset card, and push it to the Hub.

The folder it writes loads with plain ``datasets.load_dataset(folder)`` (or
``load_dataset(folder, "pranet")``), no code of this project needed: the card's YAML
declares the configs, their data files and their features (images and masks as
``Image`` features), and ``croissant.json`` describes the same files in Croissant. A
manifest lists every file the export wrote (see :mod:`kvasir_seg.app.export_folder`). The
folder goes to a private, gated Hub repository as it is.

    >>> from kvasir_seg.app.export import export_dataset, push_to_hub
    >>> result = export_dataset("kvasir_seg", "out", data_dir="~/Downloads")  # doctest: +SKIP
    >>> push_to_hub(result.directory, "me/kvasir-seg")  # doctest: +SKIP

This module imports ``datasets`` and ``huggingface_hub`` inside its functions only.
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from kvasir_seg import __version__
from kvasir_seg.app.card import dataset_card
from kvasir_seg.app.croissant import croissant_metadata
from kvasir_seg.app.export_folder import (
    CARD_NAME,
    CROISSANT_NAME,
    DATA_FOLDER,
    MANIFEST_NAME,
    ExportManifest,
    ExportResult,
    prepare_folder,
    shard_name,
)
from kvasir_seg.catalog import DatasetSpec, get_spec
from kvasir_seg.errors import KvasirSegError

logger = logging.getLogger(__name__)

#: Largest Parquet shard written, before compression (the Hub's own default).
MAX_SHARD_BYTES = 500 * 1024 * 1024
#: How the Hub grants access to a gated repository: "manual" (the owner approves each
#: request) or "auto" (granted once the user accepts the terms); False removes the gate.
GATED_MODES = ("manual", "auto", False)

__all__ = ["MAX_SHARD_BYTES", "ExportResult", "export_dataset", "push_to_hub"]


def export_dataset(
    dataset: str,
    directory: str | os.PathLike[str],
    *,
    configs: Sequence[str] | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    verify: bool = True,
    overwrite: bool = False,
    max_shard_bytes: int = MAX_SHARD_BYTES,
) -> ExportResult:
    """Build ``dataset`` through the Hugging Face builder and write it to ``directory``.

    Writes ``data/<config>/<split>-00000-of-0000N.parquet`` for every config (all of them
    unless ``configs`` names some), a ``README.md`` dataset card, ``croissant.json`` and the
    manifest of those files. ``directory`` must be new or empty, or hold an earlier export
    and ``overwrite`` be set: then the files that export wrote are deleted, and only those.
    """
    import datasets

    from kvasir_seg_hf import get_builder

    spec = get_spec(dataset)
    names = (
        [spec.config(name).name for name in configs] if configs else [c.name for c in spec.configs]
    )
    builders = []
    for name in names:  # build everything first: a failed build leaves the folder as it was
        mode = None if verify else "no_checks"
        builder = get_builder(
            spec.name, name, data_dir=data_dir, cache_dir=cache_dir, verification_mode=mode
        )
        builder.download_and_prepare(verification_mode=mode)
        builders.append(builder)
    target = Path(directory).expanduser()
    manifest = prepare_folder(target, spec.name, overwrite=overwrite)
    result = ExportResult(directory=target, dataset=spec.name)
    infos = {}
    for name, builder in zip(names, builders, strict=True):
        splits = builder.as_dataset()
        split_infos = datasets.SplitDict()
        result.files[name], result.examples[name] = {}, {}
        download_size = 0
        for split, data in splits.items():
            paths = _write_shards(data, manifest, name, split, max_shard_bytes)
            result.files[name][split] = [p.relative_to(target).as_posix() for p in paths]
            result.examples[name][split] = data.num_rows
            download_size += sum(p.stat().st_size for p in paths)
            split_infos.add(
                datasets.SplitInfo(
                    name=split, num_bytes=data.data.nbytes, num_examples=data.num_rows
                )
            )
        infos[name] = datasets.DatasetInfo(
            features=builder.info.features,
            splits=split_infos,
            download_size=download_size,
            dataset_size=sum(s.num_bytes for s in split_infos.values()),
        )
    provenance = _provenance(spec, builder)
    card = dataset_card(spec, result, infos, provenance)
    manifest.write(CARD_NAME, lambda path: path.write_text(card, encoding="utf-8"))
    croissant = croissant_metadata(spec, {c: list(s) for c, s in result.files.items()})
    text = json.dumps(croissant, indent=2, ensure_ascii=False) + "\n"
    manifest.write(CROISSANT_NAME, lambda path: path.write_text(text, encoding="utf-8"))
    logger.info("exported %s to %s", spec.name, target)
    return result


def _write_shards(
    data: Any, manifest: ExportManifest, config: str, split: str, max_bytes: int
) -> list[Path]:
    count = max(1, math.ceil(data.data.nbytes / max_bytes))
    paths = []
    for index in range(count):
        shard = data.shard(num_shards=count, index=index, contiguous=True)
        relative = f"{DATA_FOLDER}/{config}/{shard_name(split, index, count)}"
        paths.append(manifest.write(relative, lambda path, part=shard: part.to_parquet(str(path))))
    return paths


def _provenance(spec: DatasetSpec, builder: Any) -> str:
    """Which archive the export was read from, and how it was checked (an accepted copy is
    said plainly)."""
    archive = builder.plan.archive
    if not archive.is_zip:
        return f"an extracted copy of {spec.filename} ({archive.check})"
    said = f"{spec.filename} (sha256 {archive.identity}: {archive.check})"
    if archive.trust in ("accepted", "accepting"):
        said += (
            ". This copy is not the published archive: it was accepted with checks skipped, "
            "so its examples may differ from the official ones"
        )
    return said


def push_to_hub(
    directory: str | os.PathLike[str],
    repo_id: str,
    *,
    private: bool = True,
    gated: Literal["manual", "auto", False] | None = "manual",
    token: str | None = None,
) -> str:
    """Upload an export folder to the Hub dataset repository ``repo_id``; its URL.

    The repository is created when missing, private unless ``private=False``, and gated
    (``gated="manual"``: the owner approves each request; ``"auto"``: access once the terms
    are accepted; False: no gate; None: leave the setting as it is) before any file is
    uploaded, since the
    terms of use do not grant public redistribution. A private upload is refused when the
    repository already exists and is public. Only the files the export wrote (its
    manifest) are uploaded, never other files of the folder.
    """
    from huggingface_hub import HfApi

    folder = Path(directory).expanduser()
    manifest = ExportManifest.read(folder) if folder.is_dir() else None
    if manifest is None or CARD_NAME not in manifest.files:
        raise KvasirSegError(
            f"{folder} holds no export (no {MANIFEST_NAME} listing a {CARD_NAME}); export the "
            "dataset there first."
        )
    if gated is not None and gated not in GATED_MODES:
        raise KvasirSegError(f"gated is {gated!r}; use 'manual', 'auto', False or None.")
    api = HfApi(token=token)
    url = api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
    if private and not getattr(api.repo_info(repo_id, repo_type="dataset"), "private", True):
        raise KvasirSegError(
            f"The Hub repository {repo_id} already exists and is public; make it private on the "
            "Hub first, choose another name, or pass --public. Nothing was uploaded."
        )
    if gated is not None:
        api.update_repo_settings(repo_id, repo_type="dataset", gated=gated)
    api.upload_folder(
        folder_path=str(folder),
        repo_id=repo_id,
        repo_type="dataset",
        allow_patterns=sorted(manifest.files),
        commit_message=f"Export with kvasir-seg {__version__}",
    )
    logger.info("uploaded %s to %s", folder, url)
    return str(url)
