"""The Croissant metadata of an export: ``mlcroissant`` validates it and reads every record.

Exported Parquet files are read back through the JSON-LD alone (mlcroissant's own reader),
and every record must equal the Parquet row: ids, image and mask pixels, boxes, sizes,
the split and the per-dataset fields.
"""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest
from PIL import Image

mlc = pytest.importorskip("mlcroissant")

from kvasir_seg.app.croissant import croissant_metadata  # noqa: E402
from kvasir_seg.app.export import export_dataset  # noqa: E402
from kvasir_seg.catalog import get_spec  # noqa: E402

BOX_SIDES = ("xmin", "ymin", "xmax", "ymax", "label")


@pytest.fixture(scope="module")
def export(dataset_name: str, make_archive, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An export folder of a synthetic archive of each dataset (all configs)."""
    scratch = tmp_path_factory.mktemp(dataset_name)
    archive = make_archive(dataset_name, count=6)
    return export_dataset(
        dataset_name,
        scratch / "export",
        data_dir=archive,
        cache_dir=scratch / "cache",
        verify=False,
    ).directory


def _parquet_rows(folder: Path, config: str) -> dict[str, dict[str, Any]]:
    rows = {}
    for path in sorted((folder / "data" / config).glob("*.parquet")):
        split = path.name.split("-")[0]
        for row in pq.read_table(path).to_pylist():
            rows[row["image_id"]] = {**row, "split": split}
    return rows


def _pixels(value: Any) -> np.ndarray:
    image = value if isinstance(value, Image.Image) else Image.open(io.BytesIO(value))
    return np.asarray(image)


def _text(value: Any) -> Any:
    return value.decode() if isinstance(value, bytes) else value


def test_mlcroissant_validates_and_reads_every_record(
    export: Path, caplog: pytest.LogCaptureFixture
) -> None:
    document = json.loads((export / "croissant.json").read_text())
    spec = get_spec(document["name"])
    with caplog.at_level(logging.WARNING):
        dataset = mlc.Dataset(jsonld=export / "croissant.json")
    assert not dataset.metadata.issues.errors
    # Only recommendations remain (e.g. no publication date is known).
    assert all("recommended" in warning for warning in dataset.metadata.issues.warnings)
    assert "not standard" not in caplog.text  # the @context is the standard one

    for config in spec.configs:
        expected = _parquet_rows(export, config.name)
        records = {
            _text(r[f"{config.name}/image_id"]): r for r in dataset.records(record_set=config.name)
        }
        assert set(records) == set(expected) and records
        for image_id, row in expected.items():
            record = {k.removeprefix(f"{config.name}/"): v for k, v in records[image_id].items()}
            assert _text(record["split"]) == row["split"]
            np.testing.assert_array_equal(_pixels(record["image"]), _pixels(row["image"]["bytes"]))
            np.testing.assert_array_equal(_pixels(record["mask"]), _pixels(row["mask"]["bytes"]))
            boxes = [
                {side: box[f"{config.name}/bboxes/{side}"] for side in BOX_SIDES}
                for box in record["bboxes"]
            ]
            assert boxes == row["bboxes"]
            for name in ("bbox_source", "height", "width", *(f.name for f in spec.extra_fields)):
                assert _text(record[name]) == row[name], name
        splits = {
            _text(r[f"{config.name}_splits/split_name"])
            for r in dataset.records(record_set=f"{config.name}_splits")
        }
        assert splits == {row["split"] for row in expected.values()}


def test_the_document_carries_distribution_terms_and_citation(export: Path) -> None:
    document = json.loads((export / "croissant.json").read_text())
    spec = get_spec(document["name"])
    assert document == croissant_metadata(spec)  # what `info NAME --croissant` prints
    assert document["citeAs"] == spec.citation
    assert document["license"]["description"] == spec.terms_of_use
    assert document["conditionsOfAccess"] == spec.terms_of_use
    files = {d["@id"]: d for d in document["distribution"]}
    for config in spec.configs:
        assert files[f"parquet-files-for-config-{config.name}"]["includes"] == (
            f"data/{config.name}/*.parquet"
        )
    archive = files.get("official-archive")
    if spec.sha256 is None:  # a file object without a checksum would not validate
        assert archive is None and document["sameAs"] == spec.url
    else:
        assert archive["sha256"] == spec.sha256 and archive["contentUrl"] == spec.url
        assert archive["contentSize"] == f"{spec.size_bytes} B"
