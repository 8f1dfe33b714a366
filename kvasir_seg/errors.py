"""The errors kvasir-seg raises.

Every message says what was found, what was expected and what to do about it.
All of them derive from :class:`KvasirSegError`, so ``except KvasirSegError`` catches
anything this package raises on purpose.
"""

from __future__ import annotations


class KvasirSegError(Exception):
    """Base class of every error raised on purpose by kvasir-seg."""


class ArchiveError(KvasirSegError):
    """An archive or folder cannot be read (missing, truncated, corrupt, unreadable member)."""


class LayoutError(KvasirSegError):
    """The archive can be read but its content is not in the layout we know."""


class ChecksumError(KvasirSegError):
    """A downloaded or supplied archive does not match its published SHA-256 or size."""


class DownloadError(KvasirSegError):
    """An archive could not be downloaded; the message says how to fetch it by hand."""


class MetricInputError(KvasirSegError, ValueError):
    """Predictions or references given to a metric are not usable as they are."""


class CatalogError(KvasirSegError):
    """A dataset spec cannot be added to the catalog (bad fields, name already taken)."""


def our_error(error: BaseException) -> KvasirSegError | None:
    """The :class:`KvasirSegError` behind ``error``, which a library may have wrapped.

    Hugging Face and TFDS wrap what a builder raises in errors of their own; this follows
    the ``__cause__`` and ``__context__`` links down to ours.

    Args:
        error: the error caught.

    Returns:
        ``error`` itself or the first :class:`KvasirSegError` it was raised from; None when
        there is none.

    Example:
        >>> try:
        ...     try:
        ...         raise LayoutError("no masks")
        ...     except LayoutError as inner:
        ...         raise RuntimeError("generation failed") from inner
        ... except RuntimeError as outer:
        ...     print(our_error(outer))
        no masks
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, KvasirSegError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None
