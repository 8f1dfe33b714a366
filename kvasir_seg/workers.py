"""How worker processes start, in a module that imports neither numpy nor the engine.

:func:`kvasir_seg.scores.parallel.ordered_map` starts its workers from a fork server that
has the engine imported (:func:`worker_context`). A command that will score in workers
calls :func:`start_server` as it starts, so that the server's imports run on another core
while the command does its own, rather than when the first pool starts.

    >>> available_cores() >= 1
    True
"""

from __future__ import annotations

import multiprocessing
import os
import sys


def available_cores() -> int:
    """The cores this process may use: ``os.process_cpu_count()`` (Python 3.13), else its
    CPU affinity, else ``os.cpu_count()``; at least 1."""
    counter = getattr(os, "process_cpu_count", None)
    if counter is not None:
        count = counter()
    elif hasattr(os, "sched_getaffinity"):
        count = len(os.sched_getaffinity(0))
    else:
        count = os.cpu_count()
    return max(1, count or 1)


def worker_context(preload: tuple[str, ...] = ()) -> multiprocessing.context.BaseContext:
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


def start_server(preload: tuple[str, ...] = ()) -> None:
    """Start the fork server of ``ordered_map`` calls with this ``preload`` now, in the
    background: it imports the modules on another core while this process goes on, rather
    than when the first pool starts. Nothing where workers are forked or spawned."""
    if worker_context(preload).get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()
