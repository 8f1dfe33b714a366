"""The TFDS builder test of ``kvasir_seg``, on ``dummy_data/`` (6 examples).

Generated from the catalog by ``python -m kvasir_seg_tfds.generate``: edit the spec in
kvasir_seg/catalog.py, not this file.
"""

import pytest

pytest.importorskip("tensorflow")

from tensorflow_datasets import testing  # noqa: E402

from kvasir_seg_tfds.kvasir_seg import kvasir_seg_dataset_builder  # noqa: E402


class KvasirSegOfficialTest(testing.DatasetBuilderTestCase):
    """Config ``official`` on the dummy data."""

    DATASET_CLASS = kvasir_seg_dataset_builder.Builder
    BUILDER_CONFIG_NAMES_TO_TEST = ["official"]
    SPLITS = {"train": 5, "validation": 1}


class KvasirSegPranetTest(testing.DatasetBuilderTestCase):
    """Config ``pranet`` on the dummy data."""

    DATASET_CLASS = kvasir_seg_dataset_builder.Builder
    BUILDER_CONFIG_NAMES_TO_TEST = ["pranet"]
    SPLITS = {"train": 5, "test": 1}


if __name__ == "__main__":
    testing.test_main()
