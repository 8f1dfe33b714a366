"""The report's plots, drawn with matplotlib (the optional ``report`` extra) as PNG bytes.

matplotlib is imported only here and only when a plot is drawn; figures are made with
``matplotlib.figure.Figure`` (no pyplot, no global backend or state), one colour per set
from :data:`SET_COLOURS`, and the row over all images in :data:`ALL_IMAGES_COLOUR`.

    >>> import numpy as np
    >>> png = dice_histogram({"Kvasir": np.array([0.9, 0.8, 0.2])})  # doctest: +SKIP
    >>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n"  # doctest: +SKIP
    True
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import numpy as np

#: One colour per set, in order (matplotlib's "tab10"), as RGB hex.
SET_COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
#: The curve over all images of several sets.
ALL_IMAGES_COLOUR = "#000000"
#: Pixels per inch of the PNGs (a 7 x 3.2 inch figure is 700 x 320 pixels).
DPI = 100


def require_matplotlib() -> None:
    """Raise a usage error naming the ``report`` extra unless matplotlib is installed."""
    from kvasir_seg.app.options import require

    require("matplotlib", "report", "the report's plots")


def set_colour(index: int) -> str:
    """The colour of the ``index``-th set."""
    return SET_COLOURS[index % len(SET_COLOURS)]


def _figure(width: float = 7.0, height: float = 3.2):  # -> matplotlib.figure.Figure
    require_matplotlib()
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    return figure, figure.subplots()


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def dice_histogram(per_set: Mapping[str, np.ndarray], bins: int = 20) -> bytes:
    """A stacked histogram of per-image Dice, one colour per set, as PNG bytes."""
    figure, axes = _figure()
    names = list(per_set)
    axes.hist(
        [np.asarray(per_set[name], dtype=float) for name in names],
        bins=np.linspace(0, 1, bins + 1),
        stacked=True,
        color=[set_colour(i) for i in range(len(names))],
        label=names,
        edgecolor="white",
        linewidth=0.5,
    )
    axes.set_xlim(0, 1)
    axes.set_xlabel("Dice of the image")
    axes.set_ylabel("images")
    axes.legend(frameon=False, fontsize="small")
    return _png(figure)


def threshold_curves(
    thresholds: np.ndarray, curves: Mapping[str, np.ndarray], overall: np.ndarray | None = None
) -> bytes:
    """Mean Dice against the threshold, one line per set (and all images dashed), as PNG."""
    figure, axes = _figure()
    for index, (name, curve) in enumerate(curves.items()):
        axes.plot(thresholds, curve, color=set_colour(index), linewidth=2.5, label=name)
    if overall is not None:
        axes.plot(
            thresholds,
            overall,
            color=ALL_IMAGES_COLOUR,
            linewidth=1.5,
            linestyle="--",
            label="all images",
        )
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    axes.set_xlabel("threshold on the min-max rescaled map (PraNet protocol)")
    axes.set_ylabel("mean Dice")
    axes.grid(alpha=0.3)
    axes.legend(frameon=False, fontsize="small")
    return _png(figure)
