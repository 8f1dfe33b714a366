"""Croissant (MLCommons JSON-LD) metadata of an export folder, made from the catalog.

Croissant is what the Hub publishes for Parquet datasets and what TFDS's
``CroissantBuilder`` and ``mlcroissant`` read. The document describes the folder
``kvasir-seg export`` writes: its distribution (one file set of Parquet shards per config,
and the official zip with its SHA-256 where one is published), one record set per config
with every field (images and masks as ``sc:ImageObject`` read from the Parquet ``bytes``,
boxes as a repeated field, the split), the terms of use and the citation.

    >>> from kvasir_seg.catalog import get_spec
    >>> metadata = croissant_metadata(get_spec("kvasir_seg"))
    >>> [record_set["@id"] for record_set in metadata["recordSet"]]
    ['official_splits', 'official', 'pranet_splits', 'pranet']

Plain data, no dependency: ``json.dumps(croissant_metadata(spec))`` is the file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kvasir_seg.app.export_folder import shard_glob
from kvasir_seg.catalog import LICENSE_NAME, VERSION, DatasetSpec
from kvasir_seg.fields import BOX_SIDES, Field, schema

CROISSANT_VERSION = "http://mlcommons.org/croissant/1.0"

#: The standard Croissant 1.0 ``@context``.
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

#: The split of a shard from its path (``.../train-00000-of-00001.parquet`` -> ``train``).
#: It also matches a bare split name: mlcroissant applies it again to the extracted value.
_SPLIT_FROM_PATH = r"^(?:.*/)?(\w+?)(?:-\d+-of-\d+\.parquet)?$"

#: The Croissant data type of each kind of field (images and masks read from the Parquet
#: image struct's ``bytes``).
_DATA_TYPES = {
    "string": "sc:Text",
    "int32": "sc:Integer",
    "image": "sc:ImageObject",
    "mask": "sc:ImageObject",
}


def croissant_metadata(
    spec: DatasetSpec, splits: Mapping[str, Sequence[str]] | None = None
) -> dict[str, Any]:
    """The Croissant document of an export of ``spec``.

    ``splits`` maps each exported config to its split names (default: every config and
    split of the spec, i.e. what ``kvasir-seg export`` writes without ``--config``).
    """
    if splits is None:
        splits = {c.name: [s.name for s in c.splits] for c in spec.configs}
    distribution: list[dict[str, Any]] = []
    if spec.sha256 is not None:  # a file object needs a checksum to validate
        distribution.append(_archive(spec))
    record_sets: list[dict[str, Any]] = []
    for config, names in splits.items():
        file_set = f"parquet-files-for-config-{config}"
        distribution.append(
            {
                "@type": "cr:FileSet",
                "@id": file_set,
                "name": file_set,
                "description": f"The Parquet shards of config {config!r}, one or more per split.",
                "encodingFormat": "application/x-parquet",
                "includes": shard_glob(config),
            }
        )
        record_sets += [_split_record_set(config, names), _record_set(spec, config, file_set)]
    return {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": CROISSANT_VERSION,
        "name": spec.name,
        "alternateName": spec.title,
        "description": spec.description,
        "url": spec.homepage,
        "sameAs": spec.url,
        "version": VERSION,
        "license": {
            "@type": "sc:CreativeWork",
            "name": LICENSE_NAME,
            "url": spec.homepage,
            "description": spec.terms_of_use,
        },
        "conditionsOfAccess": spec.terms_of_use,
        "isAccessibleForFree": True,
        "citeAs": spec.citation,
        "creator": {
            "@type": "sc:Organization",
            "name": "Simula Research Laboratory",
            "url": "https://datasets.simula.no/",
        },
        "keywords": [*spec.tags, "image segmentation", "object detection"],
        "distribution": distribution,
        "recordSet": record_sets,
    }


def _archive(spec: DatasetSpec) -> dict[str, Any]:
    archive: dict[str, Any] = {
        "@type": "cr:FileObject",
        "@id": "official-archive",
        "name": spec.filename,
        "description": (
            f"The official {spec.title} archive the Parquet files were built from (not read "
            "by the record sets)."
        ),
        "contentUrl": spec.url,
        "encodingFormat": "application/zip",
        "sha256": spec.sha256,
    }
    if spec.size_bytes is not None:
        archive["contentSize"] = f"{spec.size_bytes} B"
    return archive


def _split_record_set(config: str, names: Sequence[str]) -> dict[str, Any]:
    record_set = f"{config}_splits"
    return {
        "@type": "cr:RecordSet",
        "dataType": "cr:Split",
        "@id": record_set,
        "name": record_set,
        "description": f"The splits of config {config!r}.",
        "key": {"@id": f"{record_set}/split_name"},
        "field": [
            {
                "@type": "cr:Field",
                "@id": f"{record_set}/split_name",
                "name": "split_name",
                "description": "The name of the split.",
                "dataType": "sc:Text",
            }
        ],
        "data": [{f"{record_set}/split_name": name} for name in names],
    }


def _column(
    config: str, file_set: str, name: str, data_type: str, description: str, **transform: Any
) -> dict[str, Any]:
    source = _source(file_set, name)
    if transform:
        source["transform"] = transform
    return {
        "@type": "cr:Field",
        "@id": f"{config}/{name}",
        "name": name,
        "description": description,
        "dataType": data_type,
        "source": source,
    }


def _record_set(spec: DatasetSpec, config: str, file_set: str) -> dict[str, Any]:
    split = {
        "@type": "cr:Field",
        "@id": f"{config}/split",
        "name": "split",
        "description": "The split of the example.",
        "dataType": "sc:Text",
        "source": {
            "fileSet": {"@id": file_set},
            "extract": {"fileProperty": "fullpath"},
            "transform": {"regex": _SPLIT_FROM_PATH},
        },
        "references": {"field": {"@id": f"{config}_splits/split_name"}},
    }
    fields = [
        _boxes(spec, config, file_set, field)
        if field.kind == "boxes"
        else _column(
            config,
            file_set,
            field.name,
            _DATA_TYPES[field.kind],
            field.description,
            **({"jsonPath": "bytes"} if field.kind in ("image", "mask") else {}),
        )
        for field in schema(spec)
    ]
    return {
        "@type": "cr:RecordSet",
        "@id": config,
        "name": config,
        "description": spec.config(config).description,
        "field": [split, *fields],
    }


def _boxes(spec: DatasetSpec, config: str, file_set: str, field: Field) -> dict[str, Any]:
    """The repeated field of the boxes: their sides in pixels and their class."""
    classes = ", ".join(f"{index} = {name}" for index, name in enumerate(spec.classes))
    parts = {**BOX_SIDES, "label": f"Class of the box: {classes}."}
    return {
        "@type": "cr:Field",
        "@id": f"{config}/{field.name}",
        "name": field.name,
        "description": field.description,
        "repeated": True,
        "subField": [
            _column(f"{config}/{field.name}", file_set, part, "sc:Integer", text)
            | {"source": {**_source(file_set, field.name), "transform": {"jsonPath": part}}}
            for part, text in parts.items()
        ],
    }


def _source(file_set: str, column: str) -> dict[str, Any]:
    return {"fileSet": {"@id": file_set}, "extract": {"column": column}}
