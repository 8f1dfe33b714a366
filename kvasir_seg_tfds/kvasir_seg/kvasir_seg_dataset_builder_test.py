"""The TFDS builder test of ``kvasir_seg``, on ``dummy_data/`` (6 synthetic pairs, real ids)."""

import pytest

pytest.importorskip("tensorflow")

from tensorflow_datasets import testing  # noqa: E402

from kvasir_seg_tfds.kvasir_seg import kvasir_seg_dataset_builder  # noqa: E402


class OfficialConfigTest(testing.DatasetBuilderTestCase):
    """The authors' split: 5 of the dummy ids are in train.txt, 1 in val.txt."""

    DATASET_CLASS = kvasir_seg_dataset_builder.Builder
    BUILDER_CONFIG_NAMES_TO_TEST = ["official"]
    SPLITS = {"train": 5, "validation": 1}


class PranetConfigTest(testing.DatasetBuilderTestCase):
    """The PraNet split: 1 of the dummy ids is in the PraNet test list."""

    DATASET_CLASS = kvasir_seg_dataset_builder.Builder
    BUILDER_CONFIG_NAMES_TO_TEST = ["pranet"]
    SPLITS = {"train": 5, "test": 1}


if __name__ == "__main__":
    testing.test_main()
