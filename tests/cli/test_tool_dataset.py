"""A dataset that is not about polyps: its class, its in-archive and shipped split lists
reach Hugging Face, TFDS, the command line (info, prepare, evaluate, export: the card and
Croissant name its class) and the metric, from its spec alone."""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from kvasir_seg.catalog import DatasetSpec, unregister

PLUGINS = Path(__file__).resolve().parents[1] / "plugins"


@pytest.fixture(scope="module")
def tools() -> Iterator[DatasetSpec]:
    sys.path.insert(0, str(PLUGINS))
    try:
        yield importlib.import_module("tool_dataset_plugin").SIMULA_TOOLS
    finally:
        unregister("simula_tools")
        sys.modules.pop("tool_dataset_plugin", None)
        sys.path.remove(str(PLUGINS))


@pytest.fixture(scope="module")
def tools_zip(tools: DatasetSpec, make_archive) -> Path:
    return make_archive(tools, layout="nested")


@pytest.fixture
def with_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KVASIR_SEG_PLUGINS", "tool_dataset_plugin")
    path = [str(PLUGINS), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(path))


def test_hugging_face_names_its_class_and_reads_both_kinds_of_list(
    tools: DatasetSpec, tools_zip: Path, tmp_path: Path
) -> None:
    from kvasir_seg_hf import load_dataset

    official = load_dataset("simula_tools", data_dir=tools_zip, cache_dir=tmp_path)
    assert {name: split.num_rows for name, split in official.items()} == {"train": 5, "test": 1}
    labels = official["train"].features["bboxes"].feature["label"]
    assert labels.names == ["tool"]
    assert {box["label"] for row in official["train"] for box in row["bboxes"]} == {0}
    assert "tool mask" in official["train"].info.description or "tool" in str(
        official["train"].features
    )
    shipped = load_dataset("simula_tools", "shipped", data_dir=tools_zip, cache_dir=tmp_path)
    assert {name: split.num_rows for name, split in shipped.items()} == {"first": 4, "last": 2}


def test_tfds_names_its_class(tools: DatasetSpec, tools_zip: Path, tmp_path: Path) -> None:
    tfds = pytest.importorskip("tensorflow_datasets")
    import kvasir_seg_tfds  # noqa: F401

    builder = tfds.builder("simula_tools", data_dir=tmp_path, file_format="array_record")
    builder.download_and_prepare(
        download_config=tfds.download.DownloadConfig(manual_dir=tools_zip.parent)
    )
    assert builder.info.features["bboxes"]["label"].names == ["tool"]
    assert "tool" in builder.info.features["mask"].doc.desc
    examples = list(builder.as_data_source(split="train"))
    assert len(examples) == 5 and all(set(e["bboxes"]["label"]) <= {0} for e in examples)


def test_the_metric_scores_its_masks(tools: DatasetSpec, tools_zip: Path) -> None:
    from kvasir_seg.archive import open_archive
    from kvasir_seg.scores import compute_scores

    with open_archive(tools, tools_zip) as archive:
        masks = [example.mask for example in archive.examples()]
    scores = compute_scores(masks, masks)
    assert scores["dice"] == 1.0 and scores["num_images"] == 6
    shifted = [np.roll(mask, 3, axis=1) for mask in masks]
    assert compute_scores(shifted, masks)["dice"] < 1.0


def test_the_command_line_names_its_class(
    tools: DatasetSpec, tools_zip: Path, tmp_path: Path, with_plugin: None, kvasir_seg_subprocess
) -> None:
    facts = kvasir_seg_subprocess("info simula_tools --json").json()
    assert facts["configs"]["shipped"] == {"first": 4, "last": 2}
    prepared = kvasir_seg_subprocess(
        "prepare simula_tools --backend hf --json -q --data-dir",
        tools_zip,
        "--cache-dir",
        tmp_path / "caches",
    ).json()
    assert [r["splits"] for r in prepared] == [{"train": 5, "test": 1}, {"first": 4, "last": 2}]
    masks = tmp_path / "predictions"
    masks.mkdir()
    from kvasir_seg.archive import open_archive

    with open_archive(tools, tools_zip) as archive:
        for example in archive.examples(archive.assign_splits()["test"]):
            from PIL import Image

            Image.fromarray(example.mask.astype(np.uint8) * 255).save(
                masks / f"{example.image_id}.png"
            )
    scored = kvasir_seg_subprocess(
        "evaluate --dataset simula_tools --split test --json -q --data-dir",
        tools_zip,
        "--predictions",
        masks,
    ).json()
    assert scored["scores"]["dice"] == 1.0
    out = tmp_path / "export"
    kvasir_seg_subprocess("export simula_tools --to", out, "--data-dir", tools_zip, "-q")
    card = (out / "README.md").read_text()
    assert "The tool mask" in card and "0 = tool" in card and "polyp" not in card.lower()
    croissant = json.loads((out / "croissant.json").read_text())
    assert "tool" in croissant["keywords"] and "polyp" not in json.dumps(croissant).lower()
