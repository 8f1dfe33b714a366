"""The TFDS builder test of ``kvasir_capsule_seg``, on ``dummy_data/`` (3 synthetic frames).

The dummy archive has a third folder of box-drawn frames, which the reader must ignore.
"""

import pytest

pytest.importorskip("tensorflow")

from tensorflow_datasets import testing  # noqa: E402

from kvasir_seg_tfds.kvasir_capsule_seg import kvasir_capsule_seg_dataset_builder  # noqa: E402


class KvasirCapsuleSegTest(testing.DatasetBuilderTestCase):
    """One ``train`` split of 3 frames."""

    DATASET_CLASS = kvasir_capsule_seg_dataset_builder.Builder
    SPLITS = {"train": 3}


if __name__ == "__main__":
    testing.test_main()
