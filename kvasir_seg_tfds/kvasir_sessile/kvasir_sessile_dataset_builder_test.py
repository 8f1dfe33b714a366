"""The TFDS builder test of ``kvasir_sessile``, on ``dummy_data/`` (4 synthetic pairs)."""

import pytest

pytest.importorskip("tensorflow")

from tensorflow_datasets import testing  # noqa: E402

from kvasir_seg_tfds.kvasir_sessile import kvasir_sessile_dataset_builder  # noqa: E402


class KvasirSessileTest(testing.DatasetBuilderTestCase):
    """One ``train`` split; boxes come from the masks (the dummy archive has no box file)."""

    DATASET_CLASS = kvasir_sessile_dataset_builder.Builder
    SPLITS = {"train": 4}


if __name__ == "__main__":
    testing.test_main()
