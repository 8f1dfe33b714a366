"""Score tables in the papers' format: one row per set, mean ± std over images, 3 decimals.

A :class:`ScoreRow` holds one set's summary scores (from its accumulator) and, for every
score that has a value per image, its :class:`~kvasir_seg.scores.statistics.Summary` (mean,
std, bootstrap interval). :class:`ScoreTable` adds, for several sets, the mean over sets
(each set weighs the same, as papers average datasets) and the row over all images. The
tables show each protocol's headline scores:

- ``default``: Dice, IoU, recall, precision, F2, accuracy, specificity (NanoNet's table);
- ``pranet``: mDice, mIoU, weighted F-measure, S-measure, max and mean E-measure, MAE
  (PraNet's table).

    >>> table = score_table({"Kvasir": accumulator}, accumulator)  # doctest: +SKIP
    >>> print(table.render("markdown"))  # doctest: +SKIP
    | Set | Images | Dice | IoU | ...
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kvasir_seg.app.scoring import ALL_IMAGES
from kvasir_seg.scores import ScoreAccumulator
from kvasir_seg.scores.confusion import SCORE_NAMES
from kvasir_seg.scores.statistics import BootstrapSettings, Summary, summarize

#: The formats of :func:`render_table` (``json`` is the commands' own).
TABLE_FORMATS = ("table", "markdown", "latex", "csv")

#: Headline scores of each protocol: (summary name, column title), in the papers' order.
COLUMNS = {
    "default": (
        ("dice", "Dice"),
        ("iou", "IoU"),
        ("recall", "Recall"),
        ("precision", "Precision"),
        ("f2", "F2"),
        ("accuracy", "Accuracy"),
        ("specificity", "Specificity"),
    ),
    "pranet": (
        ("mdice", "mDice"),
        ("miou", "mIoU"),
        ("weighted_f_measure", "wFm"),
        ("s_measure", "S"),
        ("max_e_measure", "maxE"),
        ("mean_e_measure", "meanE"),
        ("mae", "MAE"),
    ),
}

#: Summary scores that are means of a per-image column, and that column's name.
PER_IMAGE_COLUMNS = {
    "default": {name: name for name in SCORE_NAMES},
    "pranet": {
        "mdice": "dice",
        "miou": "iou",
        "mean_e_measure": "mean_e_measure",
        "adaptive_e_measure": "adaptive_e_measure",
        "s_measure": "s_measure",
        "weighted_f_measure": "weighted_f_measure",
        "mae": "mae",
    },
}

MEAN_OVER_SETS = "mean over sets"


@dataclass(frozen=True)
class ScoreRow:
    """One row of a table: a set (or a mean), its scores and their per-image spread."""

    name: str
    num_images: int
    scores: dict[str, float]
    statistics: dict[str, Summary] = field(default_factory=dict)

    def cell(self, score: str, decimals: int = 3) -> str:
        """``0.898 ± 0.101`` (mean ± std over images), or the value alone."""
        value = f"{self.scores[score]:.{decimals}f}"
        summary = self.statistics.get(score)
        if summary is None or summary.std is None:
            return value
        return f"{value} ± {summary.std:.{decimals}f}"

    def to_dict(self) -> dict[str, Any]:
        """Full precision, for JSON."""
        return {
            "name": self.name,
            "num_images": self.num_images,
            "scores": self.scores,
            "statistics": {name: summary.to_dict() for name, summary in self.statistics.items()},
        }


def per_image_values(accumulator: ScoreAccumulator, column: str) -> np.ndarray:
    """One per-image column of an accumulator, in the order the images were added."""
    return np.array([row[column] for row in accumulator.per_image().values()], dtype=np.float64)


def score_row(
    name: str,
    accumulator: ScoreAccumulator,
    settings: BootstrapSettings | None = None,
    *,
    intervals: bool = True,
) -> ScoreRow:
    """The row of one accumulator: its result, and a summary of every per-image score.

    ``intervals=False`` leaves the bootstrap intervals out (a table shows mean ± std only).
    """
    result = accumulator.result()
    count = result.pop("num_images")
    statistics = {
        score: summarize(per_image_values(accumulator, column), settings, interval=intervals)
        for score, column in PER_IMAGE_COLUMNS[accumulator.protocol].items()
    }
    return ScoreRow(name, count, result, statistics)


def mean_over_sets(rows: Sequence[ScoreRow]) -> ScoreRow:
    """Each score averaged over the sets (every set weighs the same); no per-image spread."""
    names = [name for name in rows[0].scores if all(name in row.scores for row in rows)]
    scores = {name: float(np.mean([row.scores[name] for row in rows])) for name in names}
    return ScoreRow(MEAN_OVER_SETS, sum(row.num_images for row in rows), scores)


@dataclass(frozen=True)
class ScoreTable:
    """One model's rows under one protocol: the sets, and the row over all images."""

    protocol: str
    sets: list[ScoreRow]
    #: The row over every image of every set (the set's own row when there is one set).
    overall: ScoreRow

    @property
    def mean(self) -> ScoreRow | None:
        """The mean over sets, when there are several."""
        return mean_over_sets(self.sets) if len(self.sets) > 1 else None

    def rows(self) -> list[ScoreRow]:
        """A row per set; with several sets, then the mean over sets and all images."""
        mean = self.mean
        return self.sets if mean is None else [*self.sets, mean, self.overall]

    def render(self, table_format: str) -> str:
        """The table in one of :data:`TABLE_FORMATS`."""
        return render_table(self.rows(), self.protocol, table_format)

    def to_dict(self) -> dict[str, Any]:
        """Full precision: ``sets``, ``mean_over_sets`` (several sets), ``all_images``."""
        mean = self.mean
        document: dict[str, Any] = {"sets": [row.to_dict() for row in self.sets]}
        if mean is not None:
            document["mean_over_sets"] = mean.to_dict()
        document["all_images"] = self.overall.to_dict()
        return document


def score_table(
    sets: dict[str, ScoreAccumulator],
    overall: ScoreAccumulator,
    settings: BootstrapSettings | None = None,
    *,
    intervals: bool = True,
) -> ScoreTable:
    """The table of one model's accumulators under one protocol (set name -> accumulator)."""
    options = {"settings": settings, "intervals": intervals}
    rows = [score_row(name, accumulator, **options) for name, accumulator in sets.items()]
    overall_row = score_row(ALL_IMAGES, overall, **options) if len(rows) > 1 else rows[0]
    return ScoreTable(overall.protocol, rows, overall_row)


def render_table(rows: Sequence[ScoreRow], protocol: str, table_format: str) -> str:
    """``rows`` as a text, Markdown, LaTeX (booktabs) or CSV table of the headline scores."""
    columns = COLUMNS[protocol]
    if table_format == "csv":
        return _csv(rows, columns)
    header = ["Set", "Images", *(title for _, title in columns)]
    body = [[row.name, str(row.num_images), *(row.cell(s) for s, _ in columns)] for row in rows]
    if table_format == "markdown":
        lines = [header, ["---", "---:", *(":---:" for _ in columns)], *body]
        return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)
    if table_format == "latex":
        return _latex(header, body, summaries=len(rows) > 1)
    if table_format == "table":
        return aligned(header, body)
    raise ValueError(f"unknown table format {table_format!r}")


def aligned(header: Sequence[str], body: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns under ``header``, two spaces apart."""
    table = [list(header), *map(list, body)]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in table
    )


def _csv(rows: Sequence[ScoreRow], columns: Sequence[tuple[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    names = [name for name, _ in columns]
    writer.writerow(["set", "images", *(f for n in names for f in (n, f"{n}_std"))])
    for row in rows:
        cells: list[str] = [row.name, str(row.num_images)]
        for name in names:
            summary = row.statistics.get(name)
            std = "" if summary is None or summary.std is None else f"{summary.std:.3f}"
            cells += [f"{row.scores[name]:.3f}", std]
        writer.writerow(cells)
    return buffer.getvalue().rstrip("\n")


_LATEX_SPECIAL = {c: "\\" + c for c in "&%$#_{}"} | {
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "\\": r"\textbackslash{}",
}


def latex_escape(text: str) -> str:
    """``text`` with LaTeX's special characters escaped.

    >>> latex_escape("CVC_300 & co")
    'CVC\\\\_300 \\\\& co'
    """
    return "".join(_LATEX_SPECIAL.get(character, character) for character in text)


def _latex(header: list[str], body: list[list[str]], *, summaries: bool) -> str:
    def line(cells: Sequence[str]) -> str:
        return " & ".join(cells) + r" \\"

    def cells(row: list[str]) -> list[str]:
        return [latex_escape(row[0]), row[1], *(c.replace(" ± ", r" $\pm$ ") for c in row[2:])]

    rows = [line(cells(row)) for row in body]
    if summaries:  # the mean over sets and the all-images row, under a rule
        rows.insert(len(rows) - 2, r"\midrule")
    spec = "lr" + "c" * (len(header) - 2)
    return "\n".join(
        [
            rf"\begin{{tabular}}{{{spec}}}",
            r"\toprule",
            line(header),
            r"\midrule",
            *rows,
            r"\bottomrule",
            r"\end{tabular}",
        ]
    )
