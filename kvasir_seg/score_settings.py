"""The settings of a scoring run (protocol, threshold, resize filter) and their checks.

They are defined once, here, in a module that imports neither numpy nor the scoring code:
the command line builds its parser from them before it imports anything heavy, and
:mod:`kvasir_seg.scores`, the torch and Keras metrics and the ``evaluate`` module check
their arguments with the same functions, so they accept and refuse the same values.

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
    """Return ``protocol`` if it is one of :data:`PROTOCOLS`, else refuse it.

    Args:
        protocol: The protocol's name, spelled exactly (``"default"`` or ``"pranet"``).

    Returns:
        ``protocol``, unchanged.

    Raises:
        MetricInputError: If it is not one of :data:`PROTOCOLS` (the message lists them).

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
    """Return the default protocol's threshold as a float in [0, 1], else refuse it.

    Args:
        threshold: A probability: a number, or anything ``float()`` reads (``"0.3"``).
            A predicted probability strictly above it is polyp.

    Returns:
        The threshold as a Python ``float``.

    Raises:
        MetricInputError: If ``float()`` cannot read it, or it is outside [0, 1] (NaN is).

    Example:
        >>> check_threshold(1)
        1.0
        >>> check_threshold(1.5)
        Traceback (most recent call last):
        kvasir_seg.errors.MetricInputError: threshold must be in [0, 1], got 1.5.
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
    """Return ``resize`` as one of :data:`RESIZE_METHODS` (case and spaces ignored).

    Args:
        resize: The name of the Pillow filter that resizes a prediction to its reference's
            size (``"nearest"``, ``"bilinear"``, ``"bicubic"``), or ``"none"`` for no
            resizing (a size mismatch is then an error).

    Returns:
        The name as :data:`RESIZE_METHODS` spells it (lower case, no spaces).

    Raises:
        MetricInputError: If it is not one of them (or not a string).

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
