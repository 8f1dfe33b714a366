"""The ``kvasir-seg report`` page: one self-contained HTML file about one model's predictions.

Everything the page shows is inside the file: styles inline, pictures as ``data:`` URIs
(PNG, base64), no script, no font, no link to fetch. Its sections:

1. the scores table per set, in both protocols (mean ± std over images, 3 decimals);
2. the distribution of per-image Dice (default protocol), one colour per set;
3. the PraNet protocol's mean Dice at each of its 256 thresholds
   (:meth:`kvasir_seg.scores.PraNetAccumulator.curves`), one line per set;
4. the worst images by Dice, drawn as ``kvasir-seg show`` draws them (true positives green,
   false positives magenta, false negatives azure; :mod:`kvasir_seg.app.gallery`);
5. a table of every image's scores, worst Dice first.

    >>> html = build_report(truth, scores, threshold=0.5, resize="none")  # doctest: +SKIP
    >>> html.startswith("<!DOCTYPE html>")  # doctest: +SKIP
    True
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence

from PIL import Image

from kvasir_seg.app.reference_sets import ReferenceSet
from kvasir_seg.app.score_tables import ScoreTable, per_image_values, score_table
from kvasir_seg.app.scoring import ImageScore, ModelScores, worst_first
from kvasir_seg.score_settings import PROTOCOLS

#: Background of the tables' header row (a test looks for it in a screenshot).
TABLE_HEADER = "#1f3a5f"

_STYLE = f"""
body {{ font-family: sans-serif; margin: 24px; color: #1a1a1a; background: #ffffff; }}
h1 {{ font-size: 22px; }} h2 {{ font-size: 18px; margin-top: 32px; }}
table {{ border-collapse: collapse; margin: 8px 0; font-size: 13px; }}
th {{ background: {TABLE_HEADER}; color: #ffffff; padding: 6px 10px; text-align: left; }}
td {{ border-bottom: 1px solid #d0d0d0; padding: 4px 10px; }}
td.number {{ text-align: right; font-variant-numeric: tabular-nums; }}
tr.summary td {{ font-weight: bold; background: #eef2f7; }}
dl {{ display: grid; grid-template-columns: max-content auto; gap: 4px 16px; }}
dt {{ font-weight: bold; }} dd {{ margin: 0; }}
img {{ display: block; margin: 8px 0; }}
p.note {{ color: #555555; font-size: 13px; }}
"""


def data_uri(png: bytes) -> str:
    """A PNG as a ``data:`` URI."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def picture(png: bytes, alt: str) -> str:
    """An ``<img>`` of PNG bytes at its own size."""
    with Image.open(io.BytesIO(png)) as image:
        width, height = image.size
    return f'<img src="{data_uri(png)}" width="{width}" height="{height}" alt="{html.escape(alt)}">'


def html_table(
    header: Sequence[str], body: Sequence[Sequence[str]], *, summary_rows: int = 0
) -> str:
    """A table; cells that read as numbers are right-aligned, the last ``summary_rows`` bold."""

    def cell(text: str) -> str:
        number = text[:1].isdigit() or text[:2] in ("-0", "+0")
        kind = ' class="number"' if number else ""
        return f"<td{kind}>{html.escape(text)}</td>"

    head = "".join(f"<th>{html.escape(title)}</th>" for title in header)
    rows = []
    for index, row in enumerate(body):
        summary = ' class="summary"' if index >= len(body) - summary_rows else ""
        rows.append(f"<tr{summary}>{''.join(cell(text) for text in row)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _scores_section(table: ScoreTable) -> str:
    from kvasir_seg.app.score_tables import COLUMNS

    columns = COLUMNS[table.protocol]
    rows = table.rows()
    header = ["set", "images", *(title for _, title in columns)]
    body = [[row.name, str(row.num_images), *(row.cell(s) for s, _ in columns)] for row in rows]
    extra = 2 if len(table.sets) > 1 else 0
    return html_table(header, body, summary_rows=extra)


def _gallery(
    worst: Sequence[ImageScore],
    sets: Sequence[ReferenceSet],
    scores: ModelScores,
    threshold: float,
    resize: str,
) -> bytes:
    from kvasir_seg.app.gallery import scored_tiles
    from kvasir_seg.app.grid import render_grid

    tiles = scored_tiles(worst, sets, scores, threshold=threshold, resize=resize)
    buffer = io.BytesIO()
    render_grid(tiles, columns=4, tile_size=200).save(buffer, format="PNG")
    return buffer.getvalue()


def build_report(
    title: str,
    facts: Sequence[tuple[str, str]],
    sets: Sequence[ReferenceSet],
    scores: ModelScores,
    *,
    threshold: float,
    resize: str,
    worst: int = 8,
) -> str:
    """The whole page. ``scores`` holds every protocol
    (:data:`~kvasir_seg.score_settings.PROTOCOLS`) per set."""
    from kvasir_seg.app.plots import dice_histogram, threshold_curves
    from kvasir_seg.scores.pranet import THRESHOLDS

    tables = {
        protocol: score_table(
            {name: found[protocol] for name, found in scores.sets.items()},
            scores.overall[protocol],
            intervals=False,
        )
        for protocol in PROTOCOLS
    }
    dice = {name: per_image_values(found["default"], "dice") for name, found in scores.sets.items()}
    curves = {name: found["pranet"].curves()["dice"] for name, found in scores.sets.items()}
    overall_curve = scores.overall["pranet"].curves()["dice"] if len(curves) > 1 else None
    ranked = worst_first(scores)
    gallery = _gallery(ranked[:worst], sets, scores, threshold, resize)
    several = len(scores.sets) > 1
    per_image = html_table(
        ["set", "image", "Dice", "IoU", "precision", "recall", "PraNet mDice"]
        if several
        else ["image", "Dice", "IoU", "precision", "recall", "PraNet mDice"],
        [
            [item.set_name] * several
            + [item.image_id, *(f"{value:.3f}" for value in item.scores.values())]
            for item in ranked
        ],
    )
    facts_html = "".join(
        f"<dt>{html.escape(label)}</dt><dd>{html.escape(value)}</dd>" for label, value in facts
    )
    sections = [
        f"<h1>{html.escape(title)}</h1>",
        f"<dl>{facts_html}</dl>",
        "<h2>Scores, default protocol</h2>",
        f'<p class="note">Per image, prediction &gt; {threshold:g}, then the mean over images '
        "(the dataset authors' convention); mean ± std over images.</p>",
        _scores_section(tables["default"]),
        "<h2>Scores, PraNet protocol</h2>",
        '<p class="note">Maps rescaled per image, 256 thresholds (the benchmark tables); '
        "mean ± std over images where the score has one value per image.</p>",
        _scores_section(tables["pranet"]),
        "<h2>Distribution of per-image Dice</h2>",
        picture(dice_histogram(dice), "histogram of per-image Dice"),
        "<h2>Dice against the threshold, PraNet protocol</h2>",
        '<p class="note">mDice is the mean of this curve; max Dice its highest point.</p>',
        picture(threshold_curves(THRESHOLDS, curves, overall_curve), "mean Dice at each threshold"),
        f"<h2>The {len(ranked[:worst])} worst images by Dice</h2>",
        '<p class="note">Green: true positive; magenta: false positive; azure: false negative.</p>',
        picture(gallery, "the worst images, true/false positives and false negatives"),
        "<h2>Every image, worst Dice first</h2>",
        per_image,
    ]
    body = "\n".join(sections)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{_STYLE}</style></head>\n<body>\n{body}\n</body></html>\n"
    )
