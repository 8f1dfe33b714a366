"""The one thing the Hugging Face builders take from ``datasets`` beyond its public API.

Checked against datasets 4.0.0 and 5.2.0, the oldest and the newest versions CI tests
(``ci/oldest.txt``, and the newest row of ``.ci/run``); ``tests/test_hf_compat.py`` runs in
both and fails when the hook below is renamed or stops being a generator.

**Our error from a ``num_proc`` worker.** ``GeneratorBasedBuilder._prepare_split_single``
(private) writes the examples of one job, and wraps whatever ``_generate_examples`` raised
in ``DatasetGenerationError("An error occurred while generating the dataset")``. In one
process the original error is the wrapper's ``__cause__``; with ``num_proc`` the job runs
in a worker, and the wrapper reaches the parent process pickled, which keeps its message
and drops its cause: the user would read "An error occurred" instead of which file is
broken and what to do. No public hook of ``datasets`` runs in the worker around the
writing of a job, so :class:`OurErrorsFromWorkers` overrides that one method to raise our
error itself, which pickles whole. Were the method renamed, the override would do nothing
and the wrapper would reach the user again (the test above says so first).

    >>> PRIVATE_HOOKS
    ('GeneratorBasedBuilder._prepare_split_single',)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import datasets

from kvasir_seg.errors import our_error

#: The private members of ``datasets`` this module relies on (tests/test_hf_compat.py).
PRIVATE_HOOKS = ("GeneratorBasedBuilder._prepare_split_single",)


class OurErrorsFromWorkers:
    """Mixin for a ``datasets.GeneratorBasedBuilder``: our error leaves a job as it is.

    Put it before ``datasets.GeneratorBasedBuilder`` among the bases.

    Example:
        >>> class Builder(OurErrorsFromWorkers, datasets.GeneratorBasedBuilder):  # doctest: +SKIP
        ...     ...
    """

    def _prepare_split_single(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        try:
            yield from super()._prepare_split_single(*args, **kwargs)  # type: ignore[misc]
        except datasets.exceptions.DatasetGenerationError as error:
            ours = our_error(error)
            if ours is None:
                raise
            raise ours from None
