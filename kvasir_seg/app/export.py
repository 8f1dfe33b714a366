"""Export a dataset as Parquet shards plus a dataset card, and push it to the Hub.

The folder it writes loads with plain ``datasets.load_dataset(folder)`` (or
``load_dataset(folder, "pranet")``), no code of this project needed: the card's YAML
declares the configs, their data files and their features (images and masks as
``Image`` features). The same folder can go to a (private) Hub repository as it is.

    >>> from kvasir_seg.app.export import export_dataset, push_to_hub
    >>> result = export_dataset("kvasir_seg", "out", data_dir="~/Downloads")  # doctest: +SKIP
    >>> push_to_hub(result.directory, "me/kvasir-seg", private=True)  # doctest: +SKIP

This module imports ``datasets`` and ``huggingface_hub`` inside its functions only.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kvasir_seg import __version__
from kvasir_seg.catalog import DatasetSpec, get_spec
from kvasir_seg.errors import KvasirSegError

logger = logging.getLogger(__name__)

#: Largest Parquet shard written, before compression (the Hub's own default).
MAX_SHARD_BYTES = 500 * 1024 * 1024
CARD_NAME = "README.md"
DATA_FOLDER = "data"


@dataclass
class ExportResult:
    """What :func:`export_dataset` wrote: the folder, and the files of each config and split."""

    directory: Path
    dataset: str
    files: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    examples: dict[str, dict[str, int]] = field(default_factory=dict)


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
    unless ``configs`` names some) and a ``README.md`` dataset card. ``directory`` must be
    empty unless ``overwrite`` is set, which replaces the ``data/`` folder and the card.
    """
    import datasets

    from kvasir_seg_hf import get_builder

    spec = get_spec(dataset)
    names = (
        [spec.config(name).name for name in configs] if configs else [c.name for c in spec.configs]
    )
    target = _prepare_directory(Path(directory).expanduser(), overwrite)
    result = ExportResult(directory=target, dataset=spec.name)
    infos = {}
    for name in names:
        mode = None if verify else "no_checks"
        builder = get_builder(
            spec.name, name, data_dir=data_dir, cache_dir=cache_dir, verification_mode=mode
        )
        builder.download_and_prepare(verification_mode=mode)
        splits = builder.as_dataset()
        split_infos = datasets.SplitDict()
        result.files[name], result.examples[name] = {}, {}
        download_size = 0
        for split, data in splits.items():
            paths = _write_shards(data, target, name, split, max_shard_bytes)
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
    (target / CARD_NAME).write_text(card, encoding="utf-8")
    logger.info("exported %s to %s", spec.name, target)
    return result


def _prepare_directory(target: Path, overwrite: bool) -> Path:
    if target.exists() and not target.is_dir():
        raise KvasirSegError(f"{target} is a file; export needs a folder.")
    if target.is_dir() and any(target.iterdir()):
        if not overwrite:
            raise KvasirSegError(
                f"{target} is not empty; choose an empty or new folder, or pass --overwrite "
                f"(which replaces its {DATA_FOLDER}/ folder and {CARD_NAME})."
            )
        shutil.rmtree(target / DATA_FOLDER, ignore_errors=True)
        (target / CARD_NAME).unlink(missing_ok=True)
    (target / DATA_FOLDER).mkdir(parents=True, exist_ok=True)
    return target


def _write_shards(data: Any, target: Path, config: str, split: str, max_bytes: int) -> list[Path]:
    count = max(1, math.ceil(data.data.nbytes / max_bytes))
    folder = target / DATA_FOLDER / config
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        path = folder / f"{split}-{index:05d}-of-{count:05d}.parquet"
        data.shard(num_shards=count, index=index, contiguous=True).to_parquet(str(path))
        paths.append(path)
    return paths


def _provenance(spec: DatasetSpec, builder: Any) -> str:
    """Which archive the export was read from, and how it was checked."""
    archive = builder.archive
    if not archive.is_zip:
        return f"an extracted copy of {spec.filename} ({archive.check})"
    return f"{spec.filename} ({archive.check})"


def dataset_card(
    spec: DatasetSpec, result: ExportResult, infos: dict[str, Any], provenance: str
) -> str:
    """The README.md of an export: YAML metadata, then description, usage, terms, citation."""
    from datasets.info import DatasetInfosDict
    from huggingface_hub import DatasetCardData

    total = sum(infos[name].splits.total_num_examples for name in infos)
    card_data = DatasetCardData(
        pretty_name=spec.title,
        license="other",
        license_name="simula-research-and-education-only",
        license_link=spec.homepage,
        task_categories=["image-segmentation", "object-detection"],
        tags=["medical", "endoscopy", "polyp", "colonoscopy"],
        size_categories=["n<1K"] if total < 1000 else ["1K<n<10K"],
        configs=[
            {
                "config_name": name,
                "data_files": [
                    {"split": split, "path": f"{DATA_FOLDER}/{name}/{split}-*.parquet"}
                    for split in files
                ],
                **({"default": True} if index == 0 else {}),
            }
            for index, (name, files) in enumerate(result.files.items())
        ],
    )
    DatasetInfosDict(infos).to_dataset_card_data(card_data)
    return f"---\n{card_data.to_yaml()}\n---\n\n{_card_body(spec, result, provenance)}"


def _card_body(spec: DatasetSpec, result: ExportResult, provenance: str) -> str:
    default = next(iter(result.files))
    loading = "\n".join(
        f'{name} = load_dataset("path/to/this/folder/or/repo", "{name}")' for name in result.files
    )
    config_lines = "\n".join(
        f"| `{name}` | "
        + ", ".join(f"{split} {count}" for split, count in result.examples[name].items())
        + f" | {spec.config(name).description} |"
        for name in result.files
    )
    extra = "".join(
        f"| `{name}` | {dtype} | per-dataset field |\n" for name, dtype in spec.extra_fields
    )
    return f"""# {spec.title}

{spec.description}

Homepage: {spec.homepage}

## Configs and splits

| config | examples | description |
| --- | --- | --- |
{config_lines}

## Loading

```python
from datasets import load_dataset

dataset = load_dataset("path/to/this/folder/or/repo")  # the default config, `{default}`
{loading}
```

## Fields

| field | type | meaning |
| --- | --- | --- |
| `image_id` | string | the archive's file name without extension |
| `image` | Image | the archive's JPEG, unchanged |
| `mask` | Image | 1-bit PNG, polyp = 1 (the archive's JPEG mask thresholded at luminance > 127) |
| `bboxes` | list of boxes | `xmin, ymin, xmax, ymax`, `label` (see below) |
| `bbox_source` | string | `official` (the archive's box file) or `mask` (derived from the mask) |
| `height`, `width` | int32 | image size in pixels |
{extra}
Boxes are in pixels in the Kvasir-SEG convention: the left and top sides lie one pixel
outside the mask, the right and bottom sides are exclusive; `label` is always polyp.

## Terms of use

{spec.terms_of_use}

## Citation

```bibtex
{spec.citation}
```

## Provenance

Exported with kvasir-seg {__version__} from {provenance}.
"""


def push_to_hub(
    directory: str | os.PathLike[str],
    repo_id: str,
    *,
    private: bool = False,
    token: str | None = None,
) -> str:
    """Upload an export folder to the Hub dataset repository ``repo_id``; its URL.

    The repository is created when missing. With ``private=True`` the upload is refused
    when the repository already exists and is public, since the terms of use of these
    datasets do not grant public redistribution.
    """
    from huggingface_hub import HfApi

    folder = Path(directory).expanduser()
    if not (folder / CARD_NAME).is_file():
        raise KvasirSegError(f"{folder} holds no {CARD_NAME}; export the dataset there first.")
    api = HfApi(token=token)
    url = api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
    if private and not getattr(api.repo_info(repo_id, repo_type="dataset"), "private", True):
        raise KvasirSegError(
            f"The Hub repository {repo_id} already exists and is public; make it private on the "
            "Hub first or choose another name. Nothing was uploaded."
        )
    api.upload_folder(
        folder_path=str(folder),
        repo_id=repo_id,
        repo_type="dataset",
        commit_message=f"Export with kvasir-seg {__version__}",
    )
    logger.info("uploaded %s to %s", folder, url)
    return str(url)
