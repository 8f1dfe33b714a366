"""Each component fed the outputs of the others: the masks every loader returns, in every
form, into both protocols, the evaluate module and the CLI; files other tools write into
the CLI; what ``export`` writes, read back by plain ``datasets``, into the scorer."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from kvasir_seg.archive import open_archive
from kvasir_seg.scores import compute_scores, evaluate_module_path
from kvasir_seg_hf import load_dataset

from hostile_files import png_claiming

NO_CHECKS = {"verification_mode": "no_checks"}
PROTOCOLS = ("default", "pranet")


@pytest.fixture(scope="module")
def archive(make_archive) -> Path:
    return make_archive("kvasir_seg", count=6)


@pytest.fixture(scope="module")
def truth(archive: Path) -> dict[str, np.ndarray]:
    """The bool masks of the validation split as the core reader gives them."""
    with open_archive("kvasir_seg", archive, verify=False) as opened:
        ids = opened.assign_splits("pranet")["test"] + opened.assign_splits("pranet")["train"]
        return {e.image_id: e.mask for e in opened.examples(sorted(ids))}


@pytest.fixture(scope="module")
def hf_train(archive: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KVASIR_SEG_DATA", str(tmp_path_factory.mktemp("seams-store")))
        cache = tmp_path_factory.mktemp("seams-cache")
        return load_dataset(
            "kvasir_seg", "pranet", split="train", data_dir=archive, cache_dir=cache, **NO_CHECKS
        )


def _shifted(mask: np.ndarray) -> np.ndarray:
    """A plausible imperfect prediction: the mask moved by a few pixels."""
    return np.roll(np.asarray(mask, dtype=bool), (3, -5), axis=(0, 1))


def _hf_forms(hf_train: Any) -> dict[str, Callable[[], list[Any]]]:
    forms: dict[str, Callable[[], list[Any]]] = {
        "PIL mode 1": lambda: [row["mask"] for row in hf_train],
        "np.asarray(PIL)": lambda: [np.asarray(row["mask"]) for row in hf_train],
        "numpy format": lambda: [row["mask"] for row in hf_train.with_format("numpy")],
    }
    if importlib.util.find_spec("torch") is not None:
        forms["torch format"] = lambda: [row["mask"] for row in hf_train.with_format("torch")]
    if importlib.util.find_spec("tensorflow") is not None:
        forms["tensorflow format"] = lambda: [
            row["mask"] for row in hf_train.with_format("tensorflow")
        ]
    return forms


def test_the_pil_mode_1_masks_really_carry_bytes_of_255(hf_train: Any) -> None:
    raw = np.asarray(hf_train[0]["mask"])
    assert raw.dtype == np.bool_ and raw.view(np.uint8).max() == 255, "the trap this file tests"


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_every_hf_form_scores_as_plain_bools(
    hf_train: Any, truth: dict[str, np.ndarray], protocol: str
) -> None:
    plain = [truth[i] for i in hf_train["image_id"]]
    predictions = [_shifted(m) for m in plain]
    expected = compute_scores(predictions, plain, protocol=protocol)
    perfect = compute_scores(plain, plain, protocol=protocol)
    for name, form in _hf_forms(hf_train).items():
        masks = form()
        as_reference = compute_scores(predictions, masks, protocol=protocol)
        as_prediction = compute_scores(masks, plain, protocol=protocol)
        assert as_reference == expected, name
        assert as_prediction == perfect, name


def test_tfds_data_source_masks_score_as_plain_bools(
    archive: Path, truth: dict[str, np.ndarray], tmp_path: Path
) -> None:
    tfds = pytest.importorskip("tensorflow_datasets")
    import kvasir_seg_tfds  # noqa: F401

    manual = tmp_path / "manual"
    manual.mkdir()
    (manual / archive.name).symlink_to(archive)
    builder = tfds.builder(
        "kvasir_seg/pranet",
        data_dir=tmp_path / "data",
        file_format="array_record",
        verification_mode="no_checks",
    )
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(manual_dir=manual))
    records = list(builder.as_data_source(split="train"))
    masks = [r["mask"] for r in records]  # HxWx1 uint8 0/1
    plain = [truth[r["image_id"].decode()] for r in records]
    assert masks[0].shape[-1] == 1 and set(np.unique(masks[0])) <= {0, 1}
    for protocol in PROTOCOLS:
        predictions = [_shifted(m) for m in plain]
        assert compute_scores(predictions, masks, protocol=protocol) == compute_scores(
            predictions, plain, protocol=protocol
        )
        assert compute_scores(masks, plain, protocol=protocol) == compute_scores(
            plain, plain, protocol=protocol
        )


@pytest.mark.parametrize("config", PROTOCOLS)
def test_the_evaluate_module_takes_the_loaders_masks(
    hf_train: Any, truth: dict[str, np.ndarray], config: str
) -> None:
    evaluate = pytest.importorskip("evaluate")
    metric = evaluate.load(evaluate_module_path(), config)
    plain = [truth[i] for i in hf_train["image_id"]]
    predictions = [_shifted(m) for m in plain]
    metric.add_batch(predictions=predictions, references=[row["mask"] for row in hf_train])
    scores = metric.compute()
    expected = compute_scores(predictions, plain, protocol=config)
    for name, value in expected.items():
        assert scores[name] == pytest.approx(value, abs=1e-12), name


def _save(mask: np.ndarray, path: Path, kind: str) -> None:
    bits = np.asarray(mask, dtype=bool)
    if kind == "16-bit 0/65535":
        Image.fromarray(bits.astype(np.uint16) * 65535).save(path)
    elif kind == "16-bit 0/255":
        Image.fromarray(bits.astype(np.uint16) * 255).save(path)
    elif kind == "16-bit 0/1":
        Image.fromarray(bits.astype(np.uint16)).save(path)
    elif kind == "RGBA alpha":
        rgba = np.zeros((*bits.shape, 4), np.uint8)
        rgba[..., 3] = bits * 255
        Image.fromarray(rgba, "RGBA").save(path)
    elif kind == "palette 0/1":
        image = Image.fromarray(bits.astype(np.uint8), "P")
        image.putpalette([0, 0, 0, 255, 255, 0] + [0] * 762)
        image.save(path)
    elif kind == "1-bit":
        Image.fromarray(bits).save(path)
    elif kind == "TIFF 0/255":
        Image.fromarray(bits.astype(np.uint8) * 255).save(path.with_suffix(".tif"))
    else:
        raise AssertionError(kind)


def _perfect_predictions(
    archive: Path, truth: dict[str, np.ndarray], folder: Path, kind: str
) -> list[str]:
    """The PraNet test masks saved as predictions of ``kind`` in ``folder``; their ids."""
    with open_archive("kvasir_seg", archive, verify=False) as opened:
        ids = opened.assign_splits("pranet")["test"]
    folder.mkdir()
    for image_id in ids:
        _save(truth[image_id], folder / f"{image_id}.png", kind)
    return ids


def _evaluate_pranet_test(kvasir_seg_cli, archive: Path, folder: Path, *extra: str, ok: bool):
    return kvasir_seg_cli(
        "evaluate --dataset kvasir_seg --config pranet --split test --predictions",
        folder,
        "--data-dir",
        archive,
        "--no-verify",
        *extra,
        ok=ok,
    )


@pytest.mark.parametrize(
    "kind",
    [
        "16-bit 0/65535",
        "16-bit 0/255",
        "16-bit 0/1",
        "RGBA alpha",
        "palette 0/1",
        "1-bit",
        "TIFF 0/255",
    ],
)
def test_prediction_files_from_other_tools_score_as_their_values(
    archive: Path, truth: dict[str, np.ndarray], tmp_path: Path, kind: str, kvasir_seg_cli
) -> None:
    folder = tmp_path / "predictions"
    ids = _perfect_predictions(archive, truth, folder, kind)
    report = _evaluate_pranet_test(kvasir_seg_cli, archive, folder, "--json -q", ok=True).json()
    assert report["num_images"] == len(ids)
    assert report["scores"]["dice"] == 1.0 and report["scores"]["iou"] == 1.0, kind


def test_a_fifo_among_the_predictions_is_refused_not_read(
    archive: Path, tmp_path: Path, kvasir_seg_cli
) -> None:
    import os

    folder = tmp_path / "predictions"
    folder.mkdir()
    os.mkfifo(folder / "cju0qkwl35piu0993l0dewei2.png")
    kvasir_seg_cli(
        "evaluate --dataset kvasir_seg --split validation --predictions",
        folder,
        "--data-dir",
        archive,
        "--no-verify",
        ok=False,
    ).assert_user_error("is not a regular file")


def test_a_bomb_among_the_predictions_is_one_error_line(
    archive: Path, truth: dict[str, np.ndarray], tmp_path: Path, kvasir_seg_cli
) -> None:

    folder = tmp_path / "predictions"
    ids = _perfect_predictions(archive, truth, folder, "1-bit")
    victim = folder / f"{ids[0]}.png"
    victim.write_bytes(png_claiming(60000, 60000, victim.read_bytes()))
    _evaluate_pranet_test(kvasir_seg_cli, archive, folder, ok=False).assert_user_error(
        victim.name, "beyond any real image"
    )
