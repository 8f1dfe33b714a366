"""What the TFDS builders take from TensorFlow Datasets beyond its public API.

Checked against tensorflow-datasets 4.9.8 and 4.9.10, the oldest and the newest versions
CI tests (``ci/oldest.txt``, and the newest row of ``.ci/run``); ``tests/test_tfds_compat.py``
runs in both and fails when a name below is renamed or gone. Each item fails safe: were
the name gone, TFDS would behave as it does for any dataset, and nothing else would change.

- **The two lines TFDS prints around a build** (``DatasetBuilder._log_download_bytes`` and
  ``_log_download_done``, private, called by ``download_and_prepare``) go to stdout
  through ``termcolor``, and the first says "Unknown size" four times: TFDS knows sizes
  only from its own downloader and from datasets it hosts, and this builder reads its
  archive through the core (no ``dl_manager.download``). :class:`BuildLinesLogged` says
  them through ``logging`` instead, with what is known (library code logs, never prints).
- **TFDS's checksum error class** (``NonMatchingChecksumError``, in the private module
  ``tensorflow_datasets.core.download.download_manager``; ``tfds.download`` does not
  export it): :class:`kvasir_seg_tfds.ChecksumMismatchError` derives from it, so code
  that catches TFDS's error for any dataset catches ours (gone: ``Exception``).

    >>> for name in PRIVATE_NAMES:
    ...     print(name)
    DatasetBuilder._log_download_bytes
    DatasetBuilder._log_download_done
    NonMatchingChecksumError
"""

from __future__ import annotations

import logging

from tensorflow_datasets.core.download import download_manager

logger = logging.getLogger("kvasir_seg_tfds.builder")

#: The private names of TFDS this module relies on (tests/test_tfds_compat.py).
PRIVATE_NAMES = (
    "DatasetBuilder._log_download_bytes",
    "DatasetBuilder._log_download_done",
    "NonMatchingChecksumError",
)

#: TFDS's error for a download that fails its checksum (``Exception`` if TFDS drops it).
NonMatchingChecksumError: type[Exception] = getattr(
    download_manager, "NonMatchingChecksumError", Exception
)


class BuildLinesLogged:
    """Mixin for a ``tfds.core.DatasetBuilder``: its build's first and last lines are logged.

    Put it before the TFDS builder class among the bases.

    Example:
        >>> import tensorflow_datasets as tfds
        >>> class Builder(BuildLinesLogged, tfds.core.GeneratorBasedBuilder):  # doctest: +SKIP
        ...     ...
    """

    def _log_download_bytes(self) -> None:
        logger.info("%s: preparing %s in %s", self.name, self.info.file_format.value, self.data_dir)

    def _log_download_done(self) -> None:
        logger.info("%s: prepared in %s", self.name, self.data_dir)
