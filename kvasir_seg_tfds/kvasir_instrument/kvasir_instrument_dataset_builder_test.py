"""The TFDS builder test of ``kvasir_instrument``, on ``dummy_data/`` (5 examples).

Generated from the catalog by ``python -m kvasir_seg_tfds.generate``: edit the spec in
kvasir_seg/catalog.py, not this file.
"""

import pytest

pytest.importorskip("tensorflow")

from tensorflow_datasets import testing  # noqa: E402

from kvasir_seg_tfds.kvasir_instrument import kvasir_instrument_dataset_builder  # noqa: E402


class KvasirInstrumentOfficialTest(testing.DatasetBuilderTestCase):
    """Config ``official`` on the dummy data."""

    DATASET_CLASS = kvasir_instrument_dataset_builder.Builder
    BUILDER_CONFIG_NAMES_TO_TEST = ["official"]
    SPLITS = {"train": 4, "test": 1}


if __name__ == "__main__":
    testing.test_main()
