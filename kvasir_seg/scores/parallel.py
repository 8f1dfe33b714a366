"""Measure images in worker processes, fold them in the parent in input order.

The accumulators split each image into ``measure`` (one prediction/reference pair into its
per-image statistics, the costly part) and ``add`` (fold them in). :func:`ordered_map` runs
the measuring in a :class:`~concurrent.futures.ProcessPoolExecutor` and yields the results
in input order, so folding them gives the very floats one process gives. At most ``ahead``
items per worker are in flight, never all masks. An error raised in a worker (a
:class:`~kvasir_seg.errors.MetricInputError` naming the image) is re-raised in the parent
as it is; Ctrl-C cancels what is pending and stops the workers. ``jobs=1`` starts no pool.

    >>> list(ordered_map(abs, [-1, 2, -3], jobs=1))
    [1, 2, 3]
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Generic, TypeVar

from kvasir_seg.errors import MetricInputError

_In = TypeVar("_In")
_Out = TypeVar("_Out")

#: Items in flight per worker: enough to keep each busy, few enough to bound memory.
AHEAD_PER_WORKER = 4


def available_cores() -> int:
    """The cores this process may use: ``os.process_cpu_count()`` (Python 3.13), else its
    CPU affinity, else ``os.cpu_count()``; at least 1.

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


def check_jobs(jobs: int) -> int:
    """``jobs`` as a positive int, or :class:`MetricInputError`."""
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise MetricInputError(
            f"the number of workers must be a positive integer, got {jobs!r} (1: no pool)."
        )
    return jobs


def _context(preload: tuple[str, ...] = ()) -> multiprocessing.context.BaseContext:
    """A forkserver where there is one: forking a process that runs threads (a progress
    bar, TensorFlow) can deadlock; the server, started once with the engine imported,
    forks workers that start at once."""
    methods = multiprocessing.get_all_start_methods()
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    if main_file is not None and not os.path.exists(main_file) and "fork" in methods:
        # `python -` (a script on stdin): a forkserver or spawned worker would run the
        # main module again from its file, which is not there.
        return multiprocessing.get_context("fork")
    if "forkserver" not in methods:
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    # "__main__" first: the server imports the main script once, its workers never again.
    context.set_forkserver_preload(["__main__", "kvasir_seg.scores", *preload])
    return context


def _ignore_interrupts(initializer: Callable[..., None] | None, arguments: tuple) -> None:
    # Ctrl-C reaches the whole process group: the parent alone handles it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if initializer is not None:
        initializer(*arguments)


class OrderedPool(Generic[_In, _Out]):
    """Worker processes fed one item at a time, whose results come back in input order.

    :meth:`put` sends an item (with a ``tag`` that comes back with it); :meth:`take` hands
    back, oldest first, the ``(tag, future)`` pairs beyond the window of ``jobs * ahead``
    items in flight (all of them with ``everything=True``), so a caller that folds each
    result as it takes it holds at most that many items. The workers start at the first
    ``put`` and stay until :meth:`close` (or until the pool is garbage-collected).
    ``work`` and ``initializer`` must be module-level functions (they are pickled); the
    initializer runs once per worker. ``preload`` names the modules ``work`` lives in,
    imported once by the fork server (when this pool starts it) rather than by each worker.
    """

    def __init__(
        self,
        work: Callable[[_In], _Out],
        *,
        jobs: int,
        initializer: Callable[..., None] | None = None,
        initargs: tuple[Any, ...] = (),
        ahead: int = AHEAD_PER_WORKER,
        preload: tuple[str, ...] = (),
    ) -> None:
        self._work = work
        self._jobs = check_jobs(jobs)
        self._window = self._jobs * ahead
        self._start = (initializer, initargs, preload)
        self._executor: ProcessPoolExecutor | None = None
        self._pending: deque[tuple[Any, Future[_Out]]] = deque()

    def __len__(self) -> int:
        """Items put and not yet taken."""
        return len(self._pending)

    def put(self, item: _In, tag: Any = None) -> None:
        if self._executor is None:
            initializer, initargs, preload = self._start
            self._executor = ProcessPoolExecutor(
                self._jobs,
                mp_context=_context(preload),
                initializer=_ignore_interrupts,
                initargs=(initializer, initargs),
            )
            weakref.finalize(self, self._executor.shutdown, wait=False, cancel_futures=True)
        self._pending.append((tag, self._executor.submit(self._work, item)))

    def take(self, *, everything: bool = False) -> Iterator[tuple[Any, Future[_Out]]]:
        """The oldest ``(tag, future)`` pairs beyond the window (all with ``everything``),
        each removed as it is handed out."""
        limit = 0 if everything else self._window - 1
        while len(self._pending) > limit:
            yield self._pending.popleft()

    def map(self, items: Iterable[_In]) -> Iterator[_Out]:
        """``map(work, items)`` in input order (on an empty pool); what is still in flight
        when the consumer stops or an error is raised is cancelled, the workers stay."""
        try:
            for item in items:
                self.put(item)
                for _, future in self.take():
                    yield future.result()
            for _, future in self.take(everything=True):
                yield future.result()
        finally:
            self.discard()

    def discard(self) -> None:
        """Forget what is in flight (cancelling what has not started)."""
        while self._pending:
            self._pending.popleft()[1].cancel()

    def close(self, *, cancel: bool = False) -> None:
        """Stop the workers: after they finish what is in flight, or, with ``cancel``, after
        what they are running (the rest is cancelled)."""
        if cancel:
            self.discard()
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=cancel)

    def __enter__(self) -> OrderedPool[_In, _Out]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close(cancel=True)


def ordered_map(
    work: Callable[[_In], _Out],
    items: Iterable[_In],
    *,
    jobs: int = 1,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
    ahead: int = AHEAD_PER_WORKER,
    preload: tuple[str, ...] = (),
) -> Iterator[_Out]:
    """``map(work, items)`` in input order; with ``jobs > 1`` on that many processes
    (an :class:`OrderedPool` of these arguments, closed when the map ends).

    With ``jobs=1`` the initializer runs once, here, and no process is started.
    """
    check_jobs(jobs)
    if jobs == 1:
        if initializer is not None:
            initializer(*initargs)
        yield from map(work, items)
        return
    # Normal end, an error or Ctrl-C in the parent, or the consumer stopped early.
    with OrderedPool(
        work, jobs=jobs, initializer=initializer, initargs=initargs, ahead=ahead, preload=preload
    ) as pool:
        yield from pool.map(items)
