"""``kvasir-seg export``: Parquet and a card that plain ``load_dataset`` reloads; the push."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import datasets
import numpy as np
import pytest
import yaml

import kvasir_seg_hf
from kvasir_seg.app.cli import main
from kvasir_seg.app.export import export_dataset, push_to_hub
from kvasir_seg.app.export_folder import (
    MANIFEST_NAME,
    ExportFolderError,
    ExportManifest,
    prepare_folder,
)
from kvasir_seg.errors import KvasirSegError


def _rows(dataset: datasets.Dataset) -> list[dict[str, Any]]:
    """The rows with images as their stored bytes and masks as arrays, for comparison."""
    raw = dataset.cast_column("image", datasets.Image(decode=False))
    rows = []
    for row in raw:
        row["image"] = row["image"]["bytes"]
        row["mask"] = np.asarray(dataset[len(rows)]["mask"])
        rows.append(row)
    return rows


def _assert_same(exported: datasets.DatasetDict, built: datasets.DatasetDict) -> None:
    assert set(exported) == set(built)
    for split in built:
        assert exported[split].features == built[split].features
        ours, theirs = _rows(exported[split]), _rows(built[split])
        assert [r["image_id"] for r in ours] == [r["image_id"] for r in theirs]
        for mine, reference in zip(ours, theirs, strict=True):
            np.testing.assert_array_equal(mine.pop("mask"), reference.pop("mask"))
            assert mine == reference  # image bytes, boxes, sizes, extra fields


def _card(folder: Path) -> tuple[dict[str, Any], str]:
    _, front, body = (folder / "README.md").read_text().split("---\n", 2)
    return yaml.safe_load(front), body


def test_export_reloads_with_plain_load_dataset(
    kvasir_seg_zip: Path, sessile_zip: Path, tmp_path: Path, kvasir_seg_subprocess
) -> None:
    """End to end, in subprocesses: each export builds its cache in the default place."""
    out = tmp_path / "kvasir-seg-parquet"
    report = kvasir_seg_subprocess(
        "export kvasir_seg --to", out, "--data-dir", kvasir_seg_zip, "--no-verify --json -q"
    ).json()
    assert report["files"]["official"]["train"] == ["data/official/train-00000-of-00001.parquet"]
    assert report["examples"] == {
        "official": {"train": 9, "validation": 3},
        "pranet": {"train": 9, "test": 3},
    }
    cache = tmp_path / "reload"
    for config in ("official", "pranet"):
        built = kvasir_seg_hf.load_dataset(
            "kvasir_seg",
            config,
            data_dir=kvasir_seg_zip,
            cache_dir=cache,
            verification_mode="no_checks",
        )
        args = (str(out),) if config == "official" else (str(out), config)  # official: default
        _assert_same(datasets.load_dataset(*args, cache_dir=cache), built)

    metadata, body = _card(out)
    assert metadata["license"] == "other" and metadata["pretty_name"] == "Kvasir-SEG"
    assert [c["config_name"] for c in metadata["configs"]] == ["official", "pranet"]
    assert metadata["configs"][0]["default"] is True
    infos = {info["config_name"]: info for info in metadata["dataset_info"]}
    assert {f["name"]: f.get("dtype") for f in infos["pranet"]["features"]}["image"] == "image"
    assert [(s["name"], s["num_examples"]) for s in infos["pranet"]["splits"]] == [
        ("train", 9),
        ("test", 3),
    ]
    assert "@inproceedings{jha2020kvasir," in body and "Research and educational use" in body
    # The synthetic zip is not the official archive: the card says so.
    assert "does NOT match the published checksum" in body
    assert "This copy is not the published archive: it was accepted with checks skipped" in body

    sessile = tmp_path / "sessile"
    kvasir_seg_subprocess(
        "export", "kvasir_sessile", "--to", sessile, "--data-dir", sessile_zip, "-q"
    )
    built = kvasir_seg_hf.load_dataset("kvasir_sessile", data_dir=sessile_zip, cache_dir=cache)
    reloaded = datasets.load_dataset(str(sessile), cache_dir=cache)
    _assert_same(reloaded, built)
    assert "kvasir_seg_official_split" in reloaded["train"].features


def test_export_refuses_a_non_empty_folder_unless_overwrite(
    capsule_zip: Path, tmp_path: Path, kvasir_seg_cli
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    args = ["export", "kvasir_capsule_seg", "--to", out, "--data-dir", capsule_zip, "-q"]
    args += ["--cache-dir", tmp_path / "cache"]
    # Files that no export wrote: refused, even with --overwrite, and nothing is deleted.
    for extra in ([], ["--overwrite"]):
        kvasir_seg_cli(*args, *extra, ok=False).assert_user_error(
            "holds files that no kvasir-seg export wrote", MANIFEST_NAME, "Nothing was deleted"
        )
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    kvasir_seg_cli(*args, "--private", ok=False).assert_user_error("--private only applies")
    kvasir_seg_cli(*args, "--gated", "auto", ok=False).assert_user_error("--gated only applies")


def test_overwrite_deletes_only_what_the_earlier_export_wrote(
    capsule_zip: Path, tmp_path: Path, kvasir_seg_cli
) -> None:
    out = tmp_path / "out"
    args = ["export", "kvasir_capsule_seg", "--to", out, "--data-dir", capsule_zip, "-q"]
    args += ["--cache-dir", tmp_path / "cache"]
    kvasir_seg_cli(*args)
    manifest = json.loads((out / MANIFEST_NAME).read_text())
    written = {"README.md", "croissant.json", "data/default/train-00000-of-00001.parquet"}
    assert set(manifest["files"]) == written and manifest["dataset"] == "kvasir_capsule_seg"
    assert all(len(entry["sha256"]) == 64 for entry in manifest["files"].values())
    # The user adds files of their own, beside and inside the export's folders.
    (out / "notes.txt").write_text("mine")
    (out / "data" / "default" / "my-predictions.csv").write_text("id,dice\n")
    kvasir_seg_cli(*args, ok=False).assert_user_error("is not empty", "--overwrite")
    text = kvasir_seg_cli(*args, "--overwrite").stdout
    assert "data/default/train-00000-of-00001.parquet" in text
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "data" / "default" / "my-predictions.csv").read_text() == "id,dice\n"
    assert set(json.loads((out / MANIFEST_NAME).read_text())["files"]) == written

    # A file the export wrote and the user then changed is not deleted behind their back
    # (in-process from here on: the Python API refuses the same way).
    again = {"data_dir": capsule_zip, "cache_dir": tmp_path / "cache", "overwrite": True}
    card = out / "README.md"
    card.write_text(card.read_text() + "\nMy notes on the card.\n")
    with pytest.raises(ExportFolderError, match="README.md .*changed since the export"):
        export_dataset("kvasir_capsule_seg", out, **again)
    assert card.read_text().endswith("My notes on the card.\n")
    card.unlink()
    export_dataset("kvasir_capsule_seg", out, **again)
    # Nor is a shard the user replaced with data of their own.
    (out / "data" / "default" / "train-00000-of-00001.parquet").write_text("user data")
    with pytest.raises(ExportFolderError, match="Nothing was deleted"):
        export_dataset("kvasir_capsule_seg", out, **again)
    assert (out / "notes.txt").read_text() == "mine"


def test_a_hostile_manifest_deletes_nothing_outside_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    ExportManifest(out, "kvasir_seg", {"../victim.txt": {"bytes": 4, "sha256": "0"}}).save()
    with pytest.raises(ExportFolderError, match="not inside"):
        prepare_folder(out, "kvasir_seg", overwrite=True)
    assert victim.read_text() == "keep"


class _FakeHub:
    """Stands in for ``huggingface_hub.HfApi``: records calls, never touches the network."""

    calls: list[tuple[str, dict[str, Any]]] = []
    public_repos: set[str] = set()

    def __init__(self, token: str | None = None) -> None:
        self.token = token

    def create_repo(self, repo_id: str, **kwargs: Any) -> str:
        self.calls.append(("create_repo", {"repo_id": repo_id, **kwargs}))
        return f"https://huggingface.co/datasets/{repo_id}"

    def repo_info(self, repo_id: str, **kwargs: Any) -> Any:
        return type("Info", (), {"private": repo_id not in self.public_repos})()

    def update_repo_settings(self, repo_id: str, **kwargs: Any) -> None:
        self.calls.append(("update_repo_settings", {"repo_id": repo_id, **kwargs}))

    def upload_folder(self, **kwargs: Any) -> None:
        self.calls.append(("upload_folder", kwargs))


@pytest.fixture
def fake_hub(monkeypatch: pytest.MonkeyPatch) -> type[_FakeHub]:
    import huggingface_hub

    monkeypatch.setattr(_FakeHub, "calls", [])
    monkeypatch.setattr(_FakeHub, "public_repos", {"me/public"})
    monkeypatch.setattr(huggingface_hub, "HfApi", _FakeHub)
    return _FakeHub


def test_push_to_hub_creates_a_private_gated_repo_and_uploads_the_export(
    capsule_zip: Path,
    tmp_path: Path,
    fake_hub: type[_FakeHub],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    out = tmp_path / "capsule"
    common = [
        "export",
        "kvasir_capsule_seg",
        "--data-dir",
        str(capsule_zip),
        "--cache-dir",
        str(tmp_path / "cache"),
        "-q",
    ]
    status = main([*common, "--to", str(out), "--push-to-hub", "me/capsule"])
    assert status == 0
    assert "uploaded to: https://huggingface.co/datasets/me/capsule" in capsys.readouterr().out
    (create, created), (gate, gated), (upload, uploaded) = fake_hub.calls
    assert create == "create_repo" and created["private"] is True  # private by default
    assert created["repo_type"] == "dataset" and created["exist_ok"] is True
    assert gate == "update_repo_settings" and gated == {
        "repo_id": "me/capsule",
        "repo_type": "dataset",
        "gated": "manual",
    }
    assert upload == "upload_folder" and uploaded["repo_id"] == "me/capsule"
    assert uploaded["folder_path"] == str(out) and uploaded["repo_type"] == "dataset"
    # Only what the export wrote goes up: not the manifest, not the user's other files.
    assert uploaded["allow_patterns"] == [
        "README.md",
        "croissant.json",
        "data/default/train-00000-of-00001.parquet",
    ]

    fake_hub.calls.clear()
    status = main(
        [*common, "--to", str(out), "--overwrite", "--push-to-hub", "me/open", "--public"]
        + ["--gated", "auto"]
    )
    assert status == 0
    (_, created), (_, gated), _ = fake_hub.calls
    assert created["private"] is False and gated["gated"] == "auto"

    fake_hub.calls.clear()
    with pytest.raises(KvasirSegError, match="already exists and is public"):
        push_to_hub(out, "me/public")
    assert [name for name, _ in fake_hub.calls] == ["create_repo"], "nothing was uploaded"
    with pytest.raises(KvasirSegError, match="holds no export"):
        push_to_hub(tmp_path, "me/empty")


def test_the_card_is_gated_for_research_only_data(
    sessile_zip: Path, tmp_path: Path, kvasir_seg_cli
) -> None:
    out = tmp_path / "sessile"
    kvasir_seg_cli(
        "export kvasir_sessile --to", out, "--data-dir", sessile_zip, "--cache-dir", tmp_path, "-q"
    )
    metadata, body = _card(out)
    assert metadata["license"] == "other"
    assert metadata["license_name"] == "simula-research-and-education-only"
    assert metadata["license_link"] == "https://datasets.simula.no/kvasir-sessile/"
    assert "Research and educational use only" in metadata["extra_gated_prompt"]
    fields = metadata["extra_gated_fields"]
    assert fields["Affiliation"] == "text"
    (checkbox,) = [label for label, kind in fields.items() if kind == "checkbox"]
    assert checkbox.startswith("I will use this dataset for research or education only and cite")
    assert "Jha et al. 2021" in checkbox and "Jha et al. 2020" in checkbox  # both papers
    assert "gated" in body and "croissant.json" in body
