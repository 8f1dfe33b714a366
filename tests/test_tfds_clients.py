"""Real clients: a Keras training step fed by ``tfds.load``, ``tfds.data_source`` without TF,
and both of them on one data_dir, in either order.

The data_source checks run in a fresh interpreter, once with TensorFlow importable (it
must not be imported) and once with its import blocked (the array_record build and the
reads must not need it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

tfds = pytest.importorskip("tensorflow_datasets")

SIZE = 64


def hidden(*packages: str) -> str:
    """Code that hides ``packages`` as if they were not installed: ``find_spec`` gives None
    and ``import`` fails. (``sys.modules["tensorflow"] = None`` would not do: TFDS takes any
    ``tensorflow`` key in ``sys.modules`` for a loaded TensorFlow.)"""
    return f"""
import importlib.machinery

_find_spec = importlib.machinery.PathFinder.find_spec

def _hidden(name, path=None, target=None):
    if name.partition(".")[0] in {packages!r}:
        return None
    return _find_spec(name, path, target)

importlib.machinery.PathFinder.find_spec = _hidden
"""


HIDE_TENSORFLOW = hidden("tensorflow")

READ_WITH_DATA_SOURCE = """
import json, sys
import numpy as np
import tensorflow_datasets as tfds
import kvasir_seg_tfds

manual_dir, data_dir = sys.argv[1], (sys.argv[2:] or [None])[0]
source = tfds.data_source(
    "kvasir_sessile",
    split="train",
    data_dir=data_dir,
    download_and_prepare_kwargs={
        "download_config": tfds.download.DownloadConfig(manual_dir=manual_dir)
    },
)
examples = [source[i] for i in range(len(source))]
print(json.dumps({
    "count": len(examples),
    "mask_values": sorted({int(v) for e in examples for v in np.unique(e["mask"])}),
    "shapes_agree": all(
        e["image"].shape[:2] == e["mask"].shape[:2] == (e["height"], e["width"])
        for e in examples
    ),
    "tensorflow_imported": "tensorflow" in sys.modules,
}))
"""


def _from(folder: Path) -> dict[str, object]:
    """``download_and_prepare_kwargs`` that build from the archive in ``folder``."""
    return {"download_config": tfds.download.DownloadConfig(manual_dir=folder)}


def _ids_through_load(data_dir: Path, **kwargs: object) -> list[str]:
    train = tfds.load("kvasir_sessile", split="train", data_dir=data_dir, **kwargs)
    return sorted(example["image_id"].decode() for example in tfds.as_numpy(train))


def _ids_through_data_source(data_dir: Path, **kwargs: object) -> list[str]:
    source = tfds.data_source(
        "kvasir_sessile",
        split="train",
        data_dir=data_dir,
        builder_kwargs={"file_format": "array_record"},
        **kwargs,
    )
    return sorted(source[i]["image_id"].decode() for i in range(len(source)))


def _read_in_a_fresh_interpreter(
    code: str, folder: Path, tfds_data_dir: Path, *data_dir: Path
) -> tuple[dict, str]:
    """Run ``code`` (a READ_WITH_DATA_SOURCE script) on the archive in ``folder``: its
    printed result, and what it wrote on stderr."""
    done = subprocess.run(
        [sys.executable, "-c", code, str(folder), *map(str, data_dir)],
        env={**os.environ, "TFDS_DATA_DIR": str(tfds_data_dir)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def _tfrecord_build(folder: Path, data_dir: Path) -> None:
    """Build the 6-example Kvasir-Sessile archive in ``folder`` in TFRecord (``tfds.load``)."""
    pytest.importorskip("tensorflow")
    import kvasir_seg_tfds  # noqa: F401  (registers the builders)

    assert len(_ids_through_load(data_dir, download_and_prepare_kwargs=_from(folder))) == 6


@pytest.mark.parametrize("tensorflow", ["installed", "absent", "absent, TFRecord built"])
def test_data_source_builds_and_reads_without_tensorflow(
    tensorflow: str, make_archive, tmp_path: Path
) -> None:
    """Installed: the documented call (TFDS asks for array_record) never imports TF.

    Absent: even with a ``data_dir`` (where TFDS would default to TFRecord) the builder
    picks array_record, and the build and the reads work. After a TFRecord build (made
    where TensorFlow was), the array_record files are written from it, still without TF.
    """
    folder = make_archive("kvasir_sessile", count=6, zipped=False)
    data_dir = tmp_path / "data"
    if tensorflow == "absent, TFRecord built":
        _tfrecord_build(folder, data_dir)
    if tensorflow == "installed":
        result, _ = _read_in_a_fresh_interpreter(READ_WITH_DATA_SOURCE, folder, data_dir)
    else:
        code = HIDE_TENSORFLOW + READ_WITH_DATA_SOURCE
        result, _ = _read_in_a_fresh_interpreter(code, folder, data_dir, data_dir)
    assert result == {
        "count": 6,
        "mask_values": [0, 1],
        "shapes_agree": True,
        "tensorflow_imported": False,
    }
    assert list(data_dir.rglob("*.array_record*"))


def test_data_source_decodes_with_pillow_and_never_recommends_opencv(
    make_archive, tmp_path: Path
) -> None:
    """Our features decode with Pillow on purpose (the pixels Hugging Face gives), so where
    OpenCV is not installed TFDS 4.9.x must not log "OpenCV is not installed. We recommend
    using OpenCV ..." while ``tfds.data_source`` reads images and masks."""
    folder = make_archive("kvasir_sessile", count=3, zipped=False)
    code = hidden("cv2") + READ_WITH_DATA_SOURCE
    result, stderr = _read_in_a_fresh_interpreter(code, folder, tmp_path / "data")
    assert result["count"] == 3 and result["mask_values"] == [0, 1]
    assert "OpenCV" not in stderr, stderr[-3000:]


def test_keras_fits_a_step_on_tfds_load(kvasir_seg_folder: Path, tmp_path: Path) -> None:
    tf = pytest.importorskip("tensorflow")
    import kvasir_seg_tfds  # noqa: F401  (registers the builders)

    train = tfds.load(
        "kvasir_seg",
        split="train",
        as_supervised=True,
        data_dir=tmp_path,
        download_and_prepare_kwargs={
            "download_config": tfds.download.DownloadConfig(manual_dir=kvasir_seg_folder)
        },
    )

    def to_fixed_size(image: tf.Tensor, mask: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        image = tf.image.resize(image, (SIZE, SIZE)) / 255.0
        mask = tf.image.resize(mask, (SIZE, SIZE), method="nearest")
        return image, tf.cast(mask, tf.float32)

    batches = train.map(to_fixed_size).batch(4).prefetch(tf.data.AUTOTUNE)
    images, masks = next(iter(batches))
    assert images.shape == (4, SIZE, SIZE, 3) and masks.shape == (4, SIZE, SIZE, 1)
    assert set(np.unique(masks.numpy())) <= {0.0, 1.0} and masks.numpy().max() == 1.0

    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential(
        [
            tf.keras.Input((SIZE, SIZE, 3)),
            tf.keras.layers.Conv2D(4, 3, padding="same", activation="relu"),
            tf.keras.layers.Conv2D(1, 1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(batches, epochs=1, steps_per_epoch=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


@pytest.mark.parametrize("first", ["load", "data_source"])
def test_load_and_data_source_share_one_data_dir_in_either_order(
    first: str, make_archive, tmp_path: Path
) -> None:
    """The format a call needs and the build lacks is written next to the other, once."""
    pytest.importorskip("tensorflow")
    import kvasir_seg_tfds  # noqa: F401  (registers the builders)

    manual = _from(make_archive("kvasir_sessile", count=6, zipped=False))
    data_dir = tmp_path / "data"
    calls = {"load": _ids_through_load, "data_source": _ids_through_data_source}
    second = "data_source" if first == "load" else "load"
    built = calls[first](data_dir, download_and_prepare_kwargs=manual)
    assert len(built) == 6
    assert calls[second](data_dir) == built  # prepared: TFDS does not even call prepare
    assert calls[second](data_dir, download_and_prepare_kwargs=manual) == built
    assert calls[first](data_dir) == built

    variant = data_dir / "kvasir_sessile" / "default" / "1.0.0"
    assert len(list(variant.glob("*.tfrecord-*"))) == len(list(variant.glob("*.array_record-*")))
    info = json.loads((variant / "dataset_info.json").read_text())
    assert [info["fileFormat"], *info["alternativeFileFormats"]] == ["tfrecord", "array_record"]
    # TFDS's own reader of the folder finds both (as_data_source first would switch it to
    # array_record for good: TFDS's as_dataset does not pick another format).
    folder_builder = tfds.builder_from_directory(variant)
    assert len(list(folder_builder.as_dataset(split="train"))) == 6
    assert len(folder_builder.as_data_source(split="train")) == 6


def test_a_damaged_shard_is_named_and_no_half_file_is_left(make_archive, tmp_path: Path) -> None:
    from kvasir_seg_tfds.formats import FormatError

    data_dir = tmp_path / "data"
    _tfrecord_build(make_archive("kvasir_sessile", count=6, zipped=False), data_dir)
    (shard,) = data_dir.rglob("*.tfrecord-*")
    shard.write_bytes(shard.read_bytes()[:-100])
    with pytest.raises(FormatError, match=f"{shard.name} is truncated or damaged"):
        _ids_through_data_source(data_dir)
    assert not list(data_dir.rglob("*array_record*"))
