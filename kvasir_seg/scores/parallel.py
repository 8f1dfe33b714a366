"""Measure images in worker processes, fold them in the parent in input order.

The accumulators split each image into ``measure`` (one prediction/reference pair into its
per-image statistics, the costly part) and ``add`` (fold them in). :func:`ordered_map` runs
the measuring in a :class:`~concurrent.futures.ProcessPoolExecutor` and yields the results
in input order, so folding them gives the very floats one process gives. At most ``ahead``
items per worker are in flight, never all masks; :func:`ordered_map` can send them
``chunk`` at a time (one round trip for several cheap items, such as file paths). An
error raised in a worker (a :class:`~kvasir_seg.errors.MetricInputError` naming the image)
is re-raised in the parent as it is, after the results of the items before it, as ``map``
does; Ctrl-C cancels what is pending and stops the workers. ``jobs=1`` starts no pool.

    >>> list(ordered_map(abs, [-1, 2, -3], jobs=1))
    [1, 2, 3]
"""

from __future__ import annotations

import signal
import traceback
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from typing import Any, Generic, TypeVar

from kvasir_seg.errors import MetricInputError
from kvasir_seg.workers import available_cores as available_cores  # re-exported
from kvasir_seg.workers import worker_context as _context

_In = TypeVar("_In")
_Out = TypeVar("_Out")

#: Items in flight per worker: enough to keep each busy, few enough to bound memory.
AHEAD_PER_WORKER = 4


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
    chunk: int = 1,
    preload: tuple[str, ...] = (),
) -> Iterator[_Out]:
    """``map(work, items)`` in input order; with ``jobs > 1`` on that many processes
    (an :class:`OrderedPool` of these arguments, closed when the map ends), each of its
    tasks ``chunk`` items: at most ``jobs * ahead`` tasks are in flight.

    With ``jobs=1`` the initializer runs once, here, and no process is started.
    """
    check_jobs(jobs)
    if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
        raise MetricInputError(f"chunk must be a positive integer of items, got {chunk!r}.")
    if jobs == 1:
        if initializer is not None:
            initializer(*initargs)
        yield from map(work, items)
        return
    remaining = iter(items)
    tasks = ((work, task) for task in iter(lambda: list(islice(remaining, chunk)), []))
    # Normal end, an error or Ctrl-C in the parent, or the consumer stopped early.
    with OrderedPool(
        _run_task,
        jobs=jobs,
        initializer=initializer,
        initargs=initargs,
        ahead=ahead,
        preload=preload,
    ) as pool:
        for outcome in pool.map(tasks):
            yield from _results(outcome)


#: What a task sends back: the results of its items, and the error that stopped it (with
#: the worker's traceback, as text), if one did.
_TaskResult = tuple[list[Any], "Exception | None", str]


class _RemoteTraceback(Exception):
    """The worker's traceback, shown as the cause of an error re-raised in the parent."""

    def __str__(self) -> str:
        return f"\n{self.args[0]}"


def _run_task(task: tuple[Callable[[_In], _Out], list[_In]]) -> _TaskResult:
    """In a worker: ``work`` on each item of one task, until one raises."""
    work, items = task
    results = []
    for item in items:
        try:
            results.append(work(item))
        except Exception as error:  # sent back with the results before it
            return results, error, "".join(traceback.format_exception(error))
    return results, None, ""


def _results(outcome: _TaskResult) -> Iterator[Any]:
    """The results of one task, then the error that stopped it, as the worker raised it."""
    results, error, remote = outcome
    yield from results
    if error is not None:
        error.__cause__ = _RemoteTraceback(remote)
        raise error
