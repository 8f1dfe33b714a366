"""Tiles of images from sets of ground truth, for ``kvasir-seg show`` and the report's gallery.

One way to make a tile (:class:`kvasir_seg.app.grid.Tile`, drawn by
:func:`kvasir_seg.app.grid.render_tile`): the set's image, mask and boxes, and, for a
scored image, its prediction file resized and thresholded as the scores were (so the
true/false positives drawn are the ones the Dice counts), captioned ``dice 0.812  <label>``.
A set without images (a folder of masks only) is drawn on a plain grey background,
:data:`NO_IMAGE`.

    >>> from kvasir_seg.app.reference_sets import reference_sets
    >>> sets = reference_sets("TestDataset/")  # doctest: +SKIP
    >>> tile = image_tile(sets[0], sets[0].ids[0], caption=sets[0].ids[0])  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from kvasir_seg.app.grid import Tile
from kvasir_seg.app.pairing import image_label
from kvasir_seg.app.reference_sets import ReferenceSet
from kvasir_seg.app.scoring import ImageScore, ModelScores

#: Background of a tile whose set has no images (masks only).
NO_IMAGE = (96, 96, 96)


def image_tile(
    reference_set: ReferenceSet,
    image_id: str,
    caption: str,
    prediction: Path | None = None,
    *,
    threshold: float = 0.5,
    resize: str = "none",
) -> Tile:
    """The tile of one image of ``reference_set``, with ``prediction`` (a file) if given."""
    from kvasir_seg.app.predictions import read_prediction
    from kvasir_seg.scores.inputs import binarize_prediction, coerce_pair

    mask = reference_set.read_mask(image_id)
    predicted = None
    if prediction is not None:
        values, mask = coerce_pair(read_prediction(prediction), mask, resize)
        predicted = binarize_prediction(values, threshold)
    height, width = mask.shape
    image = reference_set.read_image(image_id)
    if image is None or image.size != (width, height):
        image = Image.new("RGB", (width, height), NO_IMAGE)
    return Tile(image, mask, list(reference_set.read_boxes(image_id)), predicted, caption)


def scored_tiles(
    ranked: Sequence[ImageScore],
    sets: Sequence[ReferenceSet],
    scores: ModelScores,
    *,
    threshold: float,
    resize: str,
) -> list[Tile]:
    """The tiles of scored images (e.g. the worst first), captioned with their Dice."""
    by_name = {reference_set.name: reference_set for reference_set in sets}
    several = len(by_name) > 1
    return [
        image_tile(
            by_name[item.set_name],
            item.image_id,
            f"dice {item.dice:.3f}  {image_label(item.set_name, item.image_id, several)}",
            scores.files[item.set_name][item.image_id],
            threshold=threshold,
            resize=resize,
        )
        for item in ranked
    ]
