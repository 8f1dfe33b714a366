"""The dataset card (``README.md``) of an export: Hub metadata, gating, description.

The card's YAML declares the configs, their data files and features (so that plain
``datasets.load_dataset(folder)`` loads the folder), the research-only terms as
``license: other`` with ``license_name`` / ``license_link``, and the Hub's access gate:
``extra_gated_prompt`` (the terms) and ``extra_gated_fields`` (a checkbox to accept them
and cite the papers, and an affiliation).

    >>> from kvasir_seg.catalog import get_spec
    >>> gating(get_spec("kvasir_seg"))["extra_gated_fields"]["Affiliation"]
    'text'

This module imports ``datasets`` and ``huggingface_hub`` inside its functions only.
"""

from __future__ import annotations

from typing import Any

from kvasir_seg import __version__
from kvasir_seg.app.export_folder import CROISSANT_NAME, DATA_FOLDER, ExportResult
from kvasir_seg.catalog import LICENSE_NAME, DatasetSpec
from kvasir_seg.citations import bibtex_entries, short_reference
from kvasir_seg.fields import schema


def gating(spec: DatasetSpec) -> dict[str, Any]:
    """The card's access-gate metadata: the terms, and what a user must fill in to agree."""
    references = " and ".join(short_reference(e) for e in bibtex_entries(spec.citation))
    return {
        "extra_gated_heading": f"Accept the terms of use of {spec.title}",
        "extra_gated_prompt": (
            f"{spec.terms_of_use} The papers to cite are in the dataset card ({references})."
        ),
        "extra_gated_fields": {
            "Affiliation": "text",
            f"I will use this dataset for research or education only and cite {references}": (
                "checkbox"
            ),
        },
        "extra_gated_button_content": "Accept the terms and request access",
    }


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
        license_name=LICENSE_NAME,
        license_link=spec.homepage,
        **gating(spec),
        task_categories=["image-segmentation", "object-detection"],
        tags=spec.tags,
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


#: How the card names each kind of field (as ``datasets`` stores it in the Parquet files).
_CARD_TYPES = {
    "image": "Image (the JPEG bytes)",
    "mask": "Image (1-bit PNG)",
    "boxes": "list of boxes",
}


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
    fields = "\n".join(
        f"| `{f.name}` | {_CARD_TYPES.get(f.kind, f.kind)} | {f.description} |"
        for f in schema(spec)
    )
    classes = ", ".join(f"{index} = {name}" for index, name in enumerate(spec.classes))
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
{fields}

Boxes are `xmin, ymin, xmax, ymax` in pixels; `label` is the class ({classes}).

## Terms of use

{spec.terms_of_use}

Access on the Hub is gated: a user must accept these terms (and state an affiliation)
before the files are shown to them.

## Metadata

`{CROISSANT_NAME}` describes this folder in Croissant (MLCommons JSON-LD): the Parquet
files, the fields of each config, the terms and the citation.

## Citation

```bibtex
{spec.citation}
```

## Provenance

Exported with kvasir-seg {__version__} from {provenance}.
"""
