"""Scoring in worker processes: the one place where the package starts processes to score.

:func:`kvasir_seg.scores.compute_scores` (``num_workers``) and the command line's
``--jobs`` (:mod:`kvasir_seg.app.scoring`) both come here; the accumulators, the
torchmetrics metric and the ``evaluate`` module never start a process.

- :func:`ordered_map` runs a function over items in worker processes and yields the
  results in input order, so that adding them gives the very floats one process gives. At
  most ``ahead`` tasks per worker are in flight, never all the items; a task may hold
  ``chunk`` items (one round trip for several cheap ones, such as file paths). An error
  raised in a worker is raised here as it is, after the results of the items before it, as
  ``map`` does; Ctrl-C cancels what is pending and stops the workers.
- :func:`worker_count` decides how many processes a piece of work is worth: none beyond
  this one for a few images, whose scoring would not repay starting them.
- :func:`update_all` is :meth:`~kvasir_seg.scores.accumulator.ScoreAccumulator.update`
  over many images, measured in workers.

Workers start when :func:`ordered_map` is called (with its first item, never for no work),
forked from this process where that is safe (Linux, and no other thread of Python nor any
library known to run its own thread pool): they start in milliseconds with everything
this process imported. Elsewhere they start from a fork server (or are spawned), which
imports :mod:`kvasir_seg.scores` once.

    >>> list(ordered_map(abs, [-1, 2, -3], num_workers=1))
    [1, 2, 3]
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
import threading
import traceback
import weakref
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from functools import partial
from itertools import islice
from typing import Any, TypeVar

from kvasir_seg.errors import KvasirSegError, MetricInputError
from kvasir_seg.scores.accumulator import ScoreAccumulator, image_name
from kvasir_seg.scores.inputs import naming_image

_In = TypeVar("_In")
_Out = TypeVar("_Out")

#: Tasks in flight per worker: enough to keep each busy, few enough to bound memory.
AHEAD_PER_WORKER = 4
#: Images each worker must get for the workers to be worth starting: fewer, and the images
#: are scored in this process. Starting a forked worker costs about what measuring one
#: image costs; the margin covers a worker that starts from a fork server.
MIN_IMAGES_PER_WORKER = 16
#: Modules that run thread pools of their own, which a fork could copy while locked: with
#: one of them imported, workers start from a fork server rather than by a fork.
THREADED_LIBRARIES = ("torch", "tensorflow", "jax")


def available_cores() -> int:
    """The cores this process may use.

    Returns:
        ``os.process_cpu_count()`` (Python 3.13), else the size of the CPU affinity, else
        ``os.cpu_count()``; at least 1.

    Example:
        >>> available_cores() >= 1
        True
    """
    counter = getattr(os, "process_cpu_count", None)
    if counter is not None:
        count = counter()
    elif hasattr(os, "sched_getaffinity"):
        count = len(os.sched_getaffinity(0))
    else:
        count = os.cpu_count()
    return max(1, count or 1)


def check_workers(num_workers: int) -> int:
    """``num_workers`` if it is a positive ``int``.

    Args:
        num_workers: A number of processes (1: this one only).

    Returns:
        ``num_workers``.

    Raises:
        MetricInputError: If it is not a positive ``int`` (a bool is not).

    Example:
        >>> check_workers(2)
        2
    """
    if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 1:
        raise MetricInputError(
            f"the number of workers must be a positive integer, got {num_workers!r} "
            "(1: no worker process)."
        )
    return num_workers


def worker_count(num_workers: int, images: int | None) -> int:
    """How many processes are worth starting for ``images`` images.

    Args:
        num_workers: The most the caller allows.
        images: How many images there are to score, or ``None`` if unknown (then
            ``num_workers`` are used).

    Returns:
        ``num_workers``, fewer when each would get less than :data:`MIN_IMAGES_PER_WORKER`
        images, and 1 (no worker process) below twice that.

    Raises:
        MetricInputError: If ``num_workers`` is not a positive ``int``.

    Example:
        >>> worker_count(4, 40), worker_count(4, 1000), worker_count(4, None)
        (2, 4, 4)
    """
    check_workers(num_workers)
    if images is None:
        return num_workers
    return max(1, min(num_workers, images // MIN_IMAGES_PER_WORKER))


def worker_context() -> multiprocessing.context.BaseContext:
    """How worker processes start: the cheapest way that is safe in this process.

    Called by :func:`ordered_map` each time it starts workers, since the answer depends on
    what this process runs and has imported at that moment.

    Returns:
        A ``fork`` context on Linux when this process runs no other thread of Python and
        has none of :data:`THREADED_LIBRARIES` imported (a fork copies only the thread
        that forks, with every lock the others held); else a ``forkserver`` context where
        there is one (its server imports :mod:`kvasir_seg.scores` once, its workers start
        at once), else ``spawn``. A script read from stdin (``python -``) forks where it
        can: a server or a spawned worker would run the script again from a file that is
        not there.

    Example:
        >>> worker_context().get_start_method() in ("fork", "forkserver", "spawn")
        True
    """
    methods = multiprocessing.get_all_start_methods()
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    from_stdin = main_file is not None and not os.path.exists(main_file)
    alone = threading.active_count() == 1 and not any(
        name in sys.modules for name in THREADED_LIBRARIES
    )
    if "fork" in methods and (from_stdin or (alone and sys.platform.startswith("linux"))):
        return multiprocessing.get_context("fork")
    if "forkserver" not in methods:
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    # "__main__" first: the server imports the main script once, its workers never again.
    context.set_forkserver_preload(["__main__", "kvasir_seg.scores"])
    return context


def ordered_map(
    work: Callable[[_In], _Out],
    items: Iterable[_In],
    *,
    num_workers: int = 1,
    chunk: int = 1,
    ahead: int = AHEAD_PER_WORKER,
) -> Generator[_Out, None, None]:
    """``map(work, items)`` in input order, on ``num_workers`` processes.

    Args:
        work: A picklable callable (a module-level function, or e.g. a ``functools.partial``
            or bound method of picklable objects); sent once to each worker.
        items: The items, consumed lazily: at most ``num_workers * ahead * chunk`` are
            taken ahead of the results handed out.
        num_workers: Processes to run ``work`` in; 1 runs it here, starting none.
        chunk: Items per task sent to a worker.
        ahead: Tasks in flight per worker.

    Returns:
        An iterator of the results, in the order of ``items``. With ``num_workers`` > 1
        and at least one item, the workers start now (before any thread a caller starts
        next, e.g. a progress bar's) and stop when the iterator ends, raises or is closed
        (or is garbage-collected).

    Raises:
        MetricInputError: If ``num_workers`` or ``chunk`` is not a positive integer.
        KvasirSegError: If a worker process died (killed, out of memory).
        Exception: What ``work`` raised on an item (with the worker's traceback as its
            cause), after the results of the items before it.

    Example:
        >>> list(ordered_map(abs, [-1, -2], num_workers=1))
        [1, 2]
    """
    check_workers(num_workers)
    if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
        raise MetricInputError(f"chunk must be a positive integer of items, got {chunk!r}.")
    if num_workers == 1:
        return (work(item) for item in items)
    remaining = iter(items)
    tasks = iter(lambda: list(islice(remaining, chunk)), [])
    first = next(tasks, None)
    if first is None:
        return (result for result in ())
    context = worker_context()
    executor = ProcessPoolExecutor(
        num_workers, mp_context=context, initializer=_start_worker, initargs=(work,)
    )
    with _frozen_objects(context.get_start_method() == "fork"):
        pending = deque([executor.submit(_run_task, first)])  # the workers start here
    results = _in_order(executor, pending, tasks, num_workers * ahead)
    weakref.finalize(results, _stop, executor, pending)  # a consumer that never started it
    return results


@contextmanager
def _frozen_objects(forking: bool) -> Iterator[None]:
    """While forking, this process's objects out of the garbage collector's sight
    (``gc.freeze``), so that a forked worker's collections never touch, and so copy, the
    memory it shares with this process: about 0.2 s less CPU for 2 workers scoring 196
    images. Nothing otherwise."""
    if not forking:
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _in_order(
    executor: ProcessPoolExecutor,
    pending: deque[Future[_TaskResult]],
    tasks: Iterator[list[Any]],
    window: int,
) -> Generator[Any, None, None]:
    """The results of ``pending`` and then of ``tasks``, at most ``window`` tasks in flight."""
    try:
        for task in tasks:
            pending.append(executor.submit(_run_task, task))
            if len(pending) >= window:
                yield from _results(pending.popleft())
        while pending:
            yield from _results(pending.popleft())
    finally:  # the end, an error or Ctrl-C here, or the consumer stopped early
        _stop(executor, pending)


def _stop(executor: ProcessPoolExecutor, pending: deque[Future[_TaskResult]]) -> None:
    """Cancel what has not started and stop the workers once they finish what they run."""
    for future in pending:
        future.cancel()
    executor.shutdown(wait=True, cancel_futures=True)


def update_all(
    accumulator: ScoreAccumulator,
    rows: Iterable[tuple[Any, Any, dict[str, Any]]],
    *,
    num_workers: int = 1,
) -> None:
    """Update ``accumulator`` with each row, in order, measuring the images in worker processes.

    The same as ``accumulator.update(prediction, reference, **keywords)`` for each row:
    the statistics are added here, in the order of ``rows``, so the scores are the floats
    one process gives.

    Args:
        accumulator: Where the images' statistics are added (in this process).
        rows: ``(prediction, reference, keywords)`` per image; ``keywords`` holds
            ``image_id`` and ``inference_time`` when given.
        num_workers: Processes that measure the images; 1 measures them here. The
            masks are sent to the workers, a few per worker at a time.

    Raises:
        MetricInputError: At the first image that cannot be measured (named as
            :meth:`~kvasir_seg.scores.accumulator.ScoreAccumulator.update` names it), or
            whose id or time is refused; the images before it are added.
        KvasirSegError: If a worker process died.

    Example:
        >>> import numpy as np
        >>> from kvasir_seg.scores import new_accumulator
        >>> scores = new_accumulator()
        >>> update_all(scores, [(np.ones((2, 2)), np.ones((2, 2), bool), {"image_id": "a"})])
        >>> list(scores.per_image())
        ['a']
    """
    if num_workers == 1:
        for prediction, reference, keywords in rows:
            accumulator.update(prediction, reference, **keywords)
        return
    waiting: deque[dict[str, Any]] = deque()

    def named_pairs() -> Iterator[tuple[Any, Any, str]]:
        for position, (prediction, reference, keywords) in enumerate(rows):
            waiting.append(keywords)
            yield prediction, reference, image_name(keywords.get("image_id"), position)

    measure = partial(_measure_named, accumulator.measure)
    for statistics in ordered_map(measure, named_pairs(), num_workers=num_workers):
        accumulator.add(statistics, **waiting.popleft())


def _measure_named(measure: Callable[[Any, Any], Any], item: tuple[Any, Any, str]) -> Any:
    """In a worker: ``measure`` of one pair, its error naming the image as ``update`` does."""
    prediction, reference, name = item
    with naming_image(name):
        return measure(prediction, reference)


#: What a task sends back: the results of its items, and the error that stopped it (with
#: the worker's traceback, as text), if one did.
_TaskResult = tuple[list[Any], "Exception | None", str]

#: A worker's function, sent once when the worker starts (:func:`_start_worker`).
_work: Callable[[Any], Any] | None = None


def _start_worker(work: Callable[[Any], Any]) -> None:
    global _work
    # Ctrl-C reaches the whole process group: the parent alone handles it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _work = work


class _RemoteTraceback(Exception):
    """The worker's traceback, shown as the cause of an error re-raised in the parent."""

    def __str__(self) -> str:
        return f"\n{self.args[0]}"


def _run_task(items: list[Any]) -> _TaskResult:
    """In a worker: the work on each item of one task, until one raises."""
    assert _work is not None
    results = []
    for item in items:
        try:
            results.append(_work(item))
        except Exception as error:  # sent back with the results before it
            return results, error, "".join(traceback.format_exception(error))
    return results, None, ""


def _results(future: Future[_TaskResult]) -> Iterator[Any]:
    """The results of one task, then the error that stopped it, as the worker raised it."""
    try:
        results, error, remote = future.result()
    except BrokenProcessPool as broken:
        raise KvasirSegError(
            f"A worker process died ({broken}); was it killed or out of memory? Score again "
            "with fewer worker processes (num_workers, --jobs)."
        ) from None
    yield from results
    if error is not None:
        error.__cause__ = _RemoteTraceback(remote)
        raise error
