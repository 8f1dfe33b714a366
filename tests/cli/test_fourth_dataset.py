"""A fourth dataset is one catalog entry: Hugging Face, TFDS and the CLI follow from it.

The spec lives in ``tests/plugins/fourth_dataset_plugin.py`` and is registered at run time
(in-process, and through ``$KVASIR_SEG_PLUGINS`` for the ``kvasir-seg`` subprocesses); no
file of the project names it. Its TFDS folder is generated into a temporary folder.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import pickle
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kvasir_seg.catalog import DatasetSpec, register, unregister
from kvasir_seg.testing import SyntheticLayout, register_layout

PLUGINS = Path(__file__).resolve().parents[1] / "plugins"


@pytest.fixture(scope="module")
def fourth() -> Iterator[DatasetSpec]:
    """The fourth spec, in the catalog for the duration of this module only."""
    sys.path.insert(0, str(PLUGINS))
    try:
        spec = register(importlib.import_module("fourth_dataset_plugin").KVASIR_FOURTH)
        yield spec
    finally:
        unregister("kvasir_fourth")
        sys.path.remove(str(PLUGINS))


@pytest.fixture(scope="module")
def fourth_zip(fourth: DatasetSpec, make_archive) -> Path:
    return make_archive(fourth)


@pytest.fixture
def with_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    """``kvasir-seg`` subprocesses load the fourth spec through the plugin variable."""
    monkeypatch.setenv("KVASIR_SEG_PLUGINS", "fourth_dataset_plugin")
    path = [str(PLUGINS), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(path))


def test_hugging_face_loads_it(fourth: DatasetSpec, fourth_zip: Path, tmp_path: Path) -> None:
    import kvasir_seg_hf

    ds = kvasir_seg_hf.load_dataset("kvasir_fourth", data_dir=fourth_zip, cache_dir=tmp_path)
    train = ds["train"]
    assert train.num_rows == 6 and "kvasir_fourth" in kvasir_seg_hf.BUILDERS
    assert kvasir_seg_hf.KvasirFourth is kvasir_seg_hf.BUILDERS["kvasir_fourth"]
    builder = kvasir_seg_hf.KvasirFourth(data_dir=fourth_zip, cache_dir=tmp_path)
    assert builder.dataset_name == "kvasir_fourth" and builder.name == "kvasir_seg_hf"
    # Pickled (as for num_proc workers) by its name in the package: no module made for it.
    assert type(pickle.loads(pickle.dumps(builder))) is kvasir_seg_hf.KvasirFourth
    assert kvasir_seg_hf.KvasirFourth.__module__ == "kvasir_seg_hf"
    row = train[0]
    assert row["id_prefix"] == row["image_id"][:4] and row["bbox_source"] == "official"
    assert row["kvasir_seg_official_split"] in ("train", "validation")
    assert set(train.features) >= {"image", "mask", "bboxes", "id_prefix"}


def test_tfds_builds_it_from_manual_dir(
    fourth: DatasetSpec, fourth_zip: Path, tmp_path: Path
) -> None:
    tfds = pytest.importorskip("tensorflow_datasets")
    import kvasir_seg_tfds

    builder = tfds.builder("kvasir_fourth", data_dir=tmp_path, file_format="array_record")
    assert type(builder) is kvasir_seg_tfds.BUILDERS["kvasir_fourth"]
    assert type(builder) is kvasir_seg_tfds.KvasirFourth
    assert type(pickle.loads(pickle.dumps(builder))) is kvasir_seg_tfds.KvasirFourth
    assert "Kvasir-Fourth" in builder.info.description and "jha2020kvasir" in builder.info.citation
    builder.download_and_prepare(
        download_config=tfds.download.DownloadConfig(manual_dir=fourth_zip.parent)
    )
    examples = list(builder.as_data_source(split="train"))
    assert len(examples) == 6
    assert all(e["id_prefix"].decode() == e["image_id"].decode()[:4] for e in examples)


def test_generate_writes_its_tfds_folder(
    fourth: DatasetSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tfds = pytest.importorskip("tensorflow_datasets")
    from kvasir_seg_tfds.generate import stale_files, write_dataset_folder

    root = tmp_path / "generated"
    folder = write_dataset_folder(fourth, root, package="generated")
    assert sorted(p.name for p in folder.iterdir()) == [
        "CITATIONS.bib",
        "README.md",
        "TAGS.txt",
        "__init__.py",
        "dummy_data",
        "kvasir_fourth_dataset_builder.py",
        "kvasir_fourth_dataset_builder_test.py",
    ]
    assert stale_files(fourth, root, package="generated") == []
    assert (folder / "dummy_data" / "Kvasir-Fourth" / "kavsir_bboxes.json").is_file()
    test_module = (folder / "kvasir_fourth_dataset_builder_test.py").read_text()
    assert 'SPLITS = {"train": 3}' in test_module
    assert "from generated.kvasir_fourth import kvasir_fourth_dataset_builder" in test_module

    # The generated builder builds the generated dummy data (it is not registered again:
    # the builder made from the spec already holds the name).
    monkeypatch.syspath_prepend(str(tmp_path))
    with tfds.core.registered.skip_registration():
        module = importlib.import_module("generated.kvasir_fourth.kvasir_fourth_dataset_builder")
    builder = module.Builder(data_dir=tmp_path / "data", file_format="array_record")
    assert builder.name == "kvasir_fourth" and builder.SPEC is fourth
    builder.download_and_prepare(
        download_config=tfds.download.DownloadConfig(manual_dir=folder / "dummy_data")
    )
    assert builder.info.splits["train"].num_examples == 3

    (folder / "README.md").write_text("edited by hand")
    assert stale_files(fourth, root, package="generated") == ["kvasir_fourth/README.md"]


def test_the_cli_knows_it_through_the_plugin_variable(
    fourth: DatasetSpec, fourth_zip: Path, tmp_path: Path, with_plugin: None, kvasir_seg_subprocess
) -> None:
    facts = kvasir_seg_subprocess("info kvasir_fourth --json").json()
    assert facts["title"] == "Kvasir-Fourth" and facts["configs"] == {"default": {"train": 6}}
    prepared = kvasir_seg_subprocess(
        "prepare kvasir_fourth --backend all --json -q --data-dir",
        fourth_zip,
        "--cache-dir",
        tmp_path / "caches",
    ).json()
    assert [(r["backend"], r["splits"]) for r in prepared] == [
        ("hf", {"train": 6}),
        ("tfds", {"train": 6}),
    ]
    shown = kvasir_seg_subprocess(
        "show kvasir_fourth -n 2 --json -q --out", tmp_path / "grid.png", "--data-dir", fourth_zip
    ).json()
    assert len(shown["ids"]) == 2 and (tmp_path / "grid.png").is_file()


def test_without_the_plugin_the_cli_does_not_know_it(kvasir_seg_subprocess, monkeypatch) -> None:
    monkeypatch.delenv("KVASIR_SEG_PLUGINS", raising=False)
    kvasir_seg_subprocess("info kvasir_fourth", ok=False).assert_user_error("unknown dataset")


def test_a_plugin_that_does_not_import_is_a_warning(kvasir_seg_subprocess, monkeypatch) -> None:
    monkeypatch.setenv("KVASIR_SEG_PLUGINS", "no_such_plugin_module")
    result = kvasir_seg_subprocess("info kvasir_seg --json")
    assert result.json()["name"] == "kvasir_seg"
    assert "KVASIR_SEG_PLUGINS names 'no_such_plugin_module', which cannot be loaded" in (
        result.stderr
    )


def _installed_with_entry_point(root: Path, value: str) -> Path:
    """A folder that holds an installed distribution declaring ``value`` as a dataset."""
    info = root / "kvasir_fourth_datasets-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: kvasir-fourth-datasets\n")
    (info / "entry_points.txt").write_text(f"[kvasir_seg.datasets]\nfourth = {value}\n")
    return root


@pytest.mark.parametrize(
    "value", ["fourth_dataset_plugin:KVASIR_FOURTH", "fourth_dataset_plugin", "nowhere:SPEC"]
)
def test_an_installed_package_brings_its_datasets_through_an_entry_point(
    value: str, tmp_path: Path, kvasir_seg_subprocess, monkeypatch
) -> None:
    monkeypatch.delenv("KVASIR_SEG_PLUGINS", raising=False)
    site = _installed_with_entry_point(tmp_path / "site", value)
    path = [str(site), str(PLUGINS), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(path))
    if value.startswith("nowhere"):  # a broken plugin is a warning, never a broken command
        result = kvasir_seg_subprocess("info kvasir_seg --json")
        assert result.json()["name"] == "kvasir_seg"
        assert "entry point fourth = 'nowhere:SPEC' cannot be loaded" in result.stderr
        return
    info = kvasir_seg_subprocess("info kvasir_fourth --json").json()
    assert info["name"] == "kvasir_fourth" and info["examples"] == 6


def test_a_bad_spec_is_refused_with_what_is_wrong(fourth: DatasetSpec) -> None:
    from dataclasses import replace

    from kvasir_seg.catalog import DATASETS, check_spec
    from kvasir_seg.errors import CatalogError

    for spec in DATASETS.values():  # the built-in specs pass the same checks
        check_spec(spec)
    with pytest.raises(CatalogError, match="already in the catalog"):
        register(replace(fourth, title="Another"))
    with pytest.raises(CatalogError, match="not lower_snake_case"):
        register(replace(fourth, name="Kvasir Fifth"))
    with pytest.raises(CatalogError, match="synthetic archives have no box file"):
        register_layout(fourth, SyntheticLayout(box_file=False))
    with pytest.raises(CatalogError, match="style 'tiles'"):
        register_layout(fourth, SyntheticLayout(style="tiles"))
    with pytest.raises(CatalogError, match="built in"):
        unregister("kvasir_seg")
