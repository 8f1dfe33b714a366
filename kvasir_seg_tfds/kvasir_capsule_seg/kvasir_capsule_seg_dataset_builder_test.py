"""The TFDS builder test of ``kvasir_capsule_seg``, on ``dummy_data/`` (3 examples).

Generated from the catalog by ``python -m kvasir_seg_tfds.generate``: edit the spec in
kvasir_seg/catalog.py, not this file.
"""

import pytest

pytest.importorskip("tensorflow")

from tensorflow_datasets import testing  # noqa: E402

from kvasir_seg_tfds.kvasir_capsule_seg import kvasir_capsule_seg_dataset_builder  # noqa: E402


class KvasirCapsuleSegDefaultTest(testing.DatasetBuilderTestCase):
    """Config ``default`` on the dummy data."""

    DATASET_CLASS = kvasir_capsule_seg_dataset_builder.Builder
    BUILDER_CONFIG_NAMES_TO_TEST = ["default"]
    SPLITS = {"train": 3}


if __name__ == "__main__":
    testing.test_main()
