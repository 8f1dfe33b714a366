"""Measure images in worker processes, fold them in the parent in input order.

The accumulators split each image into ``measure`` (one prediction/reference pair into its
per-image statistics, the costly part) and ``add`` (fold them in). :func:`ordered_map` runs
the measuring in a :class:`~concurrent.futures.ProcessPoolExecutor` and yields the results
in input order, so folding them gives the very floats one process gives. Items go to the
workers ``chunk`` at a time (one round trip for several cheap items, such as file paths),
and at most ``ahead`` such tasks per worker are in flight, never all masks. An error
raised in a worker (a :class:`~kvasir_seg.errors.MetricInputError` naming the image) is
re-raised in the parent as it is, after the results of the items before it, as ``map``
does; Ctrl-C cancels what is pending and stops the workers. ``jobs=1`` starts no pool.

    >>> list(ordered_map(abs, [-1, 2, -3], jobs=1))
    [1, 2, 3]
"""

from __future__ import annotations

import signal
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from typing import Any, TypeVar

from kvasir_seg.errors import MetricInputError
from kvasir_seg.workers import available_cores as available_cores  # re-exported
from kvasir_seg.workers import worker_context as _context

_In = TypeVar("_In")
_Out = TypeVar("_Out")

#: Tasks in flight per worker: enough to keep each busy, few enough to bound memory.
AHEAD_PER_WORKER = 4

#: What a task sends back: the results of its items, and the error that stopped it (with
#: the worker's traceback, as text), if one did.
_TaskResult = tuple[list[Any], "Exception | None", str]


def check_jobs(jobs: int) -> int:
    """``jobs`` as a positive int, or :class:`MetricInputError`."""
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise MetricInputError(
            f"the number of workers must be a positive integer, got {jobs!r} (1: no pool)."
        )
    return jobs


def _ignore_interrupts(initializer: Callable[..., None] | None, arguments: tuple) -> None:
    # Ctrl-C reaches the whole process group: the parent alone handles it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if initializer is not None:
        initializer(*arguments)


def ordered_map(
    work: Callable[[_In], _Out],
    items: Iterable[_In],
    *,
    jobs: int = 1,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
    ahead: int = AHEAD_PER_WORKER,
    chunk: int = 1,
    preload: tuple[str, ...] = (),
) -> Iterator[_Out]:
    """``map(work, items)`` in input order; with ``jobs > 1`` on that many processes.

    ``work`` and ``initializer`` must be module-level functions (they are pickled); the
    initializer runs once per worker (with ``jobs=1``, once here). Each task is ``chunk``
    items; at most ``jobs * ahead`` tasks are in flight. ``preload`` names the modules
    ``work`` lives in, imported once by the fork server (when this call starts it) rather
    than by each worker.
    """
    check_jobs(jobs)
    if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
        raise MetricInputError(f"chunk must be a positive integer of items, got {chunk!r}.")
    if jobs == 1:
        if initializer is not None:
            initializer(*initargs)
        yield from map(work, items)
        return
    pool = ProcessPoolExecutor(
        jobs,
        mp_context=_context(preload),
        initializer=_ignore_interrupts,
        initargs=(initializer, initargs),
    )
    pending: deque[Future[_TaskResult]] = deque()
    tasks = iter(items)
    try:
        while task := list(islice(tasks, chunk)):
            pending.append(pool.submit(_run_task, work, task))
            if len(pending) >= jobs * ahead:
                yield from _results(pending.popleft())
        while pending:
            yield from _results(pending.popleft())
    finally:
        # Normal end, an error or Ctrl-C in the parent, or the consumer stopped early.
        pool.shutdown(wait=True, cancel_futures=True)


class _RemoteTraceback(Exception):
    """The worker's traceback, shown as the cause of an error re-raised in the parent."""

    def __str__(self) -> str:
        return f"\n{self.args[0]}"


def _run_task(work: Callable[[_In], _Out], task: list[_In]) -> _TaskResult:
    """In a worker: ``work`` on each item of one task, until one raises."""
    results = []
    for item in task:
        try:
            results.append(work(item))
        except Exception as error:  # sent back with the results before it
            return results, error, "".join(traceback.format_exception(error))
    return results, None, ""


def _results(future: Future[_TaskResult]) -> Iterator[Any]:
    """The results of one task, then the error that stopped it, as the worker raised it."""
    results, error, remote = future.result()
    yield from results
    if error is not None:
        error.__cause__ = _RemoteTraceback(remote)
        raise error
