"""Draw examples (and predictions) as a grid of tiles: what ``kvasir-seg show`` writes.

Each tile is ``tile_size`` pixels square: the image scaled to fit with its aspect kept,
centred on a dark background, with a caption strip below it. Without a prediction the
tile shows the ground-truth mask outline and the boxes; with one, it shows where the
prediction is right and wrong, each region filled translucently and outlined opaquely:

==================  =================  ==============================================
colour              RGB                meaning
==================  =================  ==============================================
cyan                ``MASK_OUTLINE``   outline of the ground-truth mask (no prediction)
yellow              ``BOX``            ground-truth boxes
green               ``TRUE_POSITIVE``  predicted polyp that is polyp
magenta             ``FALSE_POSITIVE`` predicted polyp that is background
azure               ``FALSE_NEGATIVE`` polyp the prediction missed
==================  =================  ==============================================

A legend at the bottom names the colours in use, in cells of ``LEGEND_CELL_WIDTH``
pixels, as many per row as the grid is wide.

    >>> import numpy as np
    >>> from PIL import Image
    >>> mask = np.zeros((40, 60), dtype=bool); mask[10:20, 10:30] = True
    >>> tile = Tile(Image.new("RGB", (60, 40)), mask, boxes=[], caption="example")
    >>> render_grid([tile, tile], columns=4, tile_size=128).size
    (256, 170)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from scipy import ndimage

from kvasir_seg.masks import Box

MASK_OUTLINE = (0, 255, 255)
BOX = (255, 255, 0)
TRUE_POSITIVE = (0, 230, 0)
FALSE_POSITIVE = (255, 0, 255)
FALSE_NEGATIVE = (0, 140, 255)

#: Height of the caption strip under each tile, in pixels.
CAPTION_HEIGHT = 20
#: Size of one legend entry (swatch and label), in pixels.
LEGEND_CELL_WIDTH = 120
LEGEND_ROW_HEIGHT = 22
#: Opacity of the true/false positive/negative fills.
FILL_ALPHA = 0.45

BACKGROUND = (24, 24, 24)
_TEXT = (240, 240, 240)


@dataclass
class Tile:
    """One example to draw: the image, its ground truth, maybe a prediction, a caption."""

    image: Image.Image
    mask: np.ndarray
    boxes: Sequence[Box] = field(default_factory=list)
    prediction: np.ndarray | None = None
    caption: str = ""


def grid_size(
    count: int, columns: int, tile_size: int, *, predictions: bool = False
) -> tuple[int, int]:
    """(width, height) of the grid of ``count`` tiles in (at most) ``columns`` columns."""
    used = max(1, min(columns, count))
    rows = max(1, math.ceil(count / used))
    width = used * tile_size
    per_row = max(1, width // LEGEND_CELL_WIDTH)
    legend_rows = math.ceil(len(_legend(predictions)) / per_row)
    return width, rows * (tile_size + CAPTION_HEIGHT) + legend_rows * LEGEND_ROW_HEIGHT


def render_grid(tiles: Sequence[Tile], *, columns: int = 4, tile_size: int = 256) -> Image.Image:
    """All ``tiles`` in rows of ``columns``, plus a legend of the colours used."""
    with_predictions = any(tile.prediction is not None for tile in tiles)
    width, height = grid_size(len(tiles), columns, tile_size, predictions=with_predictions)
    canvas = Image.new("RGB", (width, height), BACKGROUND)
    used = max(1, min(columns, len(tiles)))
    for index, tile in enumerate(tiles):
        row, column = divmod(index, used)
        canvas.paste(
            render_tile(tile, tile_size), (column * tile_size, row * (tile_size + CAPTION_HEIGHT))
        )
    rows = math.ceil(len(tiles) / used)
    _draw_legend(canvas, _legend(with_predictions), top=rows * (tile_size + CAPTION_HEIGHT))
    return canvas


def render_tile(tile: Tile, tile_size: int = 256) -> Image.Image:
    """One tile: ``tile_size`` wide, ``tile_size + CAPTION_HEIGHT`` high."""
    mask = np.asarray(tile.mask, dtype=bool)
    height, width = mask.shape
    scale = min(tile_size / width, tile_size / height)
    shown = (max(1, round(width * scale)), max(1, round(height * scale)))
    picture = np.asarray(tile.image.convert("RGB").resize(shown, Image.Resampling.BILINEAR))
    picture = picture.astype(np.float32)
    small_mask = _resize_mask(mask, shown)
    if tile.prediction is None:
        regions = [(_outline(small_mask), MASK_OUTLINE, False)]
    else:
        small_prediction = _resize_mask(np.asarray(tile.prediction, dtype=bool), shown)
        regions = [
            (small_prediction & small_mask, TRUE_POSITIVE, True),
            (small_prediction & ~small_mask, FALSE_POSITIVE, True),
            (~small_prediction & small_mask, FALSE_NEGATIVE, True),
        ]
    for region, colour, filled in regions:
        if filled:
            picture[region] = (1 - FILL_ALPHA) * picture[region] + FILL_ALPHA * np.array(colour)
            region = _outline(region)
        picture[region] = colour
    drawn = Image.fromarray(np.clip(np.rint(picture), 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(drawn)
    for box in tile.boxes:
        corners = [box.xmin * scale, box.ymin * scale, box.xmax * scale, box.ymax * scale]
        draw.rectangle([round(c) for c in corners], outline=BOX, width=2)
    result = Image.new("RGB", (tile_size, tile_size + CAPTION_HEIGHT), BACKGROUND)
    result.paste(drawn, ((tile_size - shown[0]) // 2, (tile_size - shown[1]) // 2))
    _draw_caption(result, tile.caption, tile_size)
    return result


def _resize_mask(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    image = Image.fromarray(mask.view(np.uint8) * np.uint8(255), "L")
    return np.asarray(image.resize(size, Image.Resampling.NEAREST)) > 127


def _outline(region: np.ndarray) -> np.ndarray:
    """The pixels of ``region`` on its border (2 px thick)."""
    inner = ndimage.binary_erosion(region, iterations=2, border_value=0)
    return region & ~inner


def _font(size: int = 12) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1 has one bitmap size only
        return ImageFont.load_default()


def _draw_caption(tile: Image.Image, caption: str, tile_size: int) -> None:
    draw = ImageDraw.Draw(tile)
    font = _font()
    # The bitmap font of Pillow < 10.1 has Latin-1 glyphs only: no "…" there.
    ellipsis = "…" if isinstance(font, ImageFont.FreeTypeFont) else "..."
    text = caption
    while text and draw.textlength(text, font=font) > tile_size - 8:
        text = text[: -len(ellipsis) - 1] + ellipsis
    draw.text((4, tile_size + 3), text, fill=_TEXT, font=font)


def _legend(with_predictions: bool) -> list[tuple[tuple[int, int, int], str]]:
    if with_predictions:
        return [
            (TRUE_POSITIVE, "true positive"),
            (FALSE_POSITIVE, "false positive"),
            (FALSE_NEGATIVE, "false negative"),
            (BOX, "box"),
        ]
    return [(MASK_OUTLINE, "mask outline"), (BOX, "box")]


def _draw_legend(
    canvas: Image.Image, entries: list[tuple[tuple[int, int, int], str]], top: int
) -> None:
    draw = ImageDraw.Draw(canvas)
    font = _font()
    per_row = max(1, canvas.width // LEGEND_CELL_WIDTH)
    for index, (colour, label) in enumerate(entries):
        row, column = divmod(index, per_row)
        x, y = 6 + column * LEGEND_CELL_WIDTH, top + row * LEGEND_ROW_HEIGHT
        draw.rectangle([x, y + 5, x + 11, y + 16], fill=colour)
        draw.text((x + 16, y + 4), label, fill=_TEXT, font=font)
