"""Time the TFDS builders against the floor, in one run, and print the ratios.

    python benchmarks/bench_tfds.py            # full scale: 1000 pairs at real sizes
    python benchmarks/bench_tfds.py --count 100

Figures:
- floor: the Hugging Face benchmark's floor, one plain loop that reads every member from
  the zip, thresholds each JPEG mask and PNG-encodes it (the work any builder must do);
- build: ``download_and_prepare`` from the zip in ``manual_dir`` (TFDS verifies the zip's
  SHA-256, as it does for the real one), into TFRecord and into array_record
  (target: at most 1.5x the floor each), and TFRecord again with one read thread;
- read: every image and mask decoded to numpy through ``builder.as_dataset`` (tf.data)
  and through ``as_data_source``, against a plain PIL loop decoding the same bytes.
"""

from __future__ import annotations

import common  # noqa: F401  (first: every cache is isolated before a library reads it)

# isort: split

import argparse
import itertools
import logging
import tempfile
from pathlib import Path

import tensorflow as tf
import tensorflow_datasets as tfds

from kvasir_seg_tfds import builder as tfds_builder

# This folder is on sys.path when the script runs.
from common import floor, plain_decode, synthetic_kvasir_seg, timed

SPLITS = "train+validation"


def build(data_dir: Path, manual_dir: Path, file_format: str) -> tfds.core.DatasetBuilder:
    """``download_and_prepare`` of ``kvasir_seg`` from the zip in ``manual_dir``."""
    builder = tfds.builder(
        "kvasir_seg", data_dir=data_dir, file_format=file_format, verification_mode="no_checks"
    )
    builder.download_and_prepare(
        download_config=tfds.download.DownloadConfig(manual_dir=manual_dir)
    )
    return builder


def encoded_pairs(builder: tfds.core.DatasetBuilder) -> list[tuple[bytes, bytes]]:
    """The stored (JPEG, PNG) bytes of every example, for the plain loop."""
    skip = {"image": tfds.decode.SkipDecoding(), "mask": tfds.decode.SkipDecoding()}
    ds = builder.as_dataset(split=SPLITS, decoders=skip)
    return [(ex["image"], ex["mask"]) for ex in tfds.as_numpy(ds)]


def tf_data_decode(builder: tfds.core.DatasetBuilder) -> None:
    ds = builder.as_dataset(split=SPLITS).map(lambda ex: (ex["image"], ex["mask"]))
    for _image, _mask in tfds.as_numpy(ds.prefetch(tf.data.AUTOTUNE)):
        pass


def data_source_decode(builder: tfds.core.DatasetBuilder) -> None:
    source = builder.as_data_source(split=SPLITS)
    for index in range(len(source)):
        example = source[index]
        example["image"], example["mask"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    tfds.disable_progress_bar()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        zip_path = synthetic_kvasir_seg(root / "manual", args.count)
        # The synthetic zip is not the official one: accepted with checks skipped (the
        # archive store is the benchmark's own, see common.py).
        runs = itertools.count()

        def fresh_build(file_format: str) -> tfds.core.DatasetBuilder:
            return build(root / f"{file_format}-{next(runs)}", root / "manual", file_format)

        print("build (best of 2, each into a fresh data_dir)")
        t_floor = timed("floor (zip read + threshold + PNG encode)", lambda: floor(zip_path), 2)
        t_tfr = timed("TFRecord build (download_and_prepare)", lambda: fresh_build("tfrecord"), 2)
        t_ar = timed(
            "array_record build (download_and_prepare)", lambda: fresh_build("array_record"), 2
        )
        threads, tfds_builder.READ_THREADS = tfds_builder.READ_THREADS, 1
        t_one = timed("TFRecord build, one read thread", lambda: fresh_build("tfrecord"), 2)
        tfds_builder.READ_THREADS = threads

        tfrecord, array_record = fresh_build("tfrecord"), fresh_build("array_record")
        pairs = encoded_pairs(tfrecord)
        print("read (decode every image and mask to numpy)")
        t_plain = timed("plain PIL loop over the same bytes", lambda: plain_decode(pairs), 2)
        t_tf = timed("as_dataset (tf.data) + prefetch", lambda: tf_data_decode(tfrecord), 2)
        t_src = timed(
            "as_data_source (array_record, PIL)", lambda: data_source_decode(array_record), 2
        )

        print("ratios")
        print(f"  TFRecord build / floor            {t_tfr / t_floor:5.2f}x   (target <= 1.5)")
        print(f"  array_record build / floor        {t_ar / t_floor:5.2f}x   (target <= 1.5)")
        print(f"  TFRecord build, 1 thread / floor  {t_one / t_floor:5.2f}x   (default: {threads})")
        print(f"  tf.data read speed / plain loop   {t_plain / t_tf:5.2f}x")
        print(f"  data_source speed / plain loop    {t_plain / t_src:5.2f}x")


if __name__ == "__main__":
    main()
