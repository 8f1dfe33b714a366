"""The settings of a scoring run (protocol, threshold, resize filter) and their checks.

Spelled once, here, in a module that imports neither numpy nor the engine: the command
line builds its parser from them before it imports anything heavy, and the engine
(:mod:`kvasir_seg.scores`), the torch and Keras metrics and the ``evaluate`` module check
their arguments with the same functions.

    >>> check_protocol("pranet"), check_threshold("0.3"), check_resize(" Bilinear ")
    ('pranet', 0.3, 'bilinear')
"""

from __future__ import annotations

from typing import Any

from kvasir_seg.errors import MetricInputError

#: The scoring protocols: the dataset authors' (``default``) and the benchmark tables'.
PROTOCOLS = ("default", "pranet")
#: The ``resize`` values: no resizing, or the Pillow filter of that name
#: (:mod:`kvasir_seg.scores.resize`).
RESIZE_METHODS = ("none", "nearest", "bilinear", "bicubic")
#: The default protocol's threshold: a probability above it is polyp (NanoNet's 0.5).
DEFAULT_THRESHOLD = 0.5


def check_protocol(protocol: str) -> str:
    """``protocol`` if it is one of :data:`PROTOCOLS`.

    Args:
        protocol: The protocol's name.

    Returns:
        ``protocol``.

    Raises:
        MetricInputError: If it is not one of :data:`PROTOCOLS`.

    Example:
        >>> check_protocol("default")
        'default'
    """
    if protocol not in PROTOCOLS:
        raise MetricInputError(
            f"Unknown protocol {protocol!r}; choose one of {', '.join(PROTOCOLS)}."
        )
    return protocol


def check_threshold(threshold: Any) -> float:
    """``threshold`` as a float in [0, 1].

    Args:
        threshold: A number, or anything ``float()`` reads.

    Returns:
        The threshold as a float.

    Raises:
        MetricInputError: If it is not a number in [0, 1].

    Example:
        >>> check_threshold(1)
        1.0
    """
    try:
        value = float(threshold)
    except (TypeError, ValueError):
        raise MetricInputError(
            f"threshold must be a number in [0, 1], got {threshold!r}."
        ) from None
    if not 0.0 <= value <= 1.0:
        raise MetricInputError(f"threshold must be in [0, 1], got {threshold!r}.")
    return value


def check_resize(resize: Any) -> str:
    """``resize`` as one of :data:`RESIZE_METHODS` (case and spaces ignored).

    Args:
        resize: The filter's name.

    Returns:
        The name as :data:`RESIZE_METHODS` spells it.

    Raises:
        MetricInputError: If it is not one of them.

    Example:
        >>> check_resize("Bicubic")
        'bicubic'
    """
    name = resize.strip().lower() if isinstance(resize, str) else resize
    if name not in RESIZE_METHODS:
        raise MetricInputError(
            f"resize must be one of {', '.join(RESIZE_METHODS)}, got {resize!r}: the Pillow "
            "filter applied to a prediction whose size differs from its reference's."
        )
    return name
