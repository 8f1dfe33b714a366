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
    """Log ``message`` at ``level``, unless a line with ``key`` was logged already.

    Args:
        logger: the logger to write to.
        level: the level (``logging.INFO``, ``logging.WARNING``, ...).
        key: what the line is about; the second line with the same key is dropped (the
            process remembers the keys until :func:`forget_warnings`).
        message: the ``%``-format of the line.
        args: its arguments, as ``logger.log`` takes them.

    Example:
        >>> import logging
        >>> say_once(logging.getLogger("demo"), logging.INFO, ("demo", 3), "read %s", "a.zip")
    """
    if key in _SAID:
        return
    _SAID.add(key)
    logger.log(level, message, *args)


def warn_once(logger: logging.Logger, key: Hashable, message: str, *args: object) -> None:
    """Log ``message`` as a warning, unless a line with ``key`` was logged already.

    Args:
        logger: the logger to write to.
        key: what the line is about (see :func:`say_once`).
        message: the ``%``-format of the line.
        args: its arguments.

    Example:
        >>> import logging
        >>> warn_once(logging.getLogger("demo"), ("demo", 4), "%d files skipped", 2)
    """
    say_once(logger, logging.WARNING, key, message, *args)


def forget_warnings() -> None:
    """Log every line again, as a new process would (each test starts so)."""
    _SAID.clear()
