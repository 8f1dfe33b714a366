"""``kvasir_seg_tfds.compat`` against the installed TFDS (CI runs this file at TFDS 4.9.8 and
at the newest release): every private name it relies on is still there and still used as
it assumes. That a build then prints nothing is tested in test_tfds_builders.py
(``test_a_first_build_says_nothing_tfds_cannot_know``)."""

from __future__ import annotations

import inspect

import pytest

tfds = pytest.importorskip("tensorflow_datasets")

from kvasir_seg.errors import ChecksumError  # noqa: E402
from kvasir_seg_tfds import ChecksumMismatchError, KvasirBuilder, compat  # noqa: E402


def test_the_build_lines_are_private_methods_download_and_prepare_calls() -> None:
    called = inspect.getsource(tfds.core.DatasetBuilder.download_and_prepare)
    for name in compat.PRIVATE_NAMES[:2]:
        owner, attribute = name.split(".")
        assert callable(getattr(getattr(tfds.core, owner), attribute, None)), name
        assert f"self.{attribute}()" in called, f"TFDS {tfds.__version__} no longer calls {name}"
    mro = KvasirBuilder.__mro__
    assert mro.index(compat.BuildLinesLogged) < mro.index(tfds.core.DatasetBuilder)


def test_tfds_checksum_error_class_is_found_and_ours_derives_from_it() -> None:
    assert compat.NonMatchingChecksumError is not Exception, (
        f"TFDS {tfds.__version__} has no NonMatchingChecksumError: see kvasir_seg_tfds/compat.py"
    )
    assert compat.NonMatchingChecksumError.__module__.startswith("tensorflow_datasets.")
    assert issubclass(ChecksumMismatchError, ChecksumError)
    assert issubclass(ChecksumMismatchError, compat.NonMatchingChecksumError)
