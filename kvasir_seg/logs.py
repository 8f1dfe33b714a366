"""What a user needs to read once: each such line is logged once per process.

A script that loads three splits, or a command that builds two configs in two
ecosystems, meets the same archive many times; what is true of the archive is said once.

    >>> import logging
    >>> warn_once(logging.getLogger("demo"), ("demo", 1), "said %s", "once")
    >>> warn_once(logging.getLogger("demo"), ("demo", 1), "said %s", "once")  # silent
    >>> say_once(logging.getLogger("demo"), logging.INFO, ("demo", 2), "an INFO line, once")
"""

from __future__ import annotations

import logging
from collections.abc import Hashable

_SAID: set[Hashable] = set()


def say_once(
    logger: logging.Logger, level: int, key: Hashable, message: str, *args: object
) -> None:
    """``logger.log(level, message, *args)``, unless a line with ``key`` was logged already."""
    if key in _SAID:
        return
    _SAID.add(key)
    logger.log(level, message, *args)


def warn_once(logger: logging.Logger, key: Hashable, message: str, *args: object) -> None:
    """``logger.warning(message, *args)``, unless a line with ``key`` was logged already."""
    say_once(logger, logging.WARNING, key, message, *args)


def forget_warnings() -> None:
    """Say every line again (for tests, which each start as a new process would)."""
    _SAID.clear()
