"""A loaded split as torchvision v2 pairs: :func:`torch_pairs`.

``ds.with_transform(torch_pairs(transforms))`` turns each row into the ``(image, target)``
pair :class:`kvasir_seg.torch.KvasirSegDataset` gives for the same example (array-equal),
as a row ``{"image": ..., "target": ...}``, after ``transforms(image, target)`` (any
``torchvision.transforms.v2`` transform, or ``kvasir_seg.torch.from_albumentations``).
``kvasir_seg.torch.collate`` batches such rows:

    >>> from torch.utils.data import DataLoader  # doctest: +SKIP
    >>> from torchvision.transforms import v2  # doctest: +SKIP
    >>> from kvasir_seg.torch import collate  # doctest: +SKIP
    >>> from kvasir_seg_hf import load_dataset, torch_pairs
    >>> train = load_dataset("kvasir_seg", split="train")  # doctest: +SKIP
    >>> pairs = train.with_transform(torch_pairs(v2.Resize((352, 352))))  # doctest: +SKIP
    >>> loader = DataLoader(pairs, batch_size=8, collate_fn=collate)  # doctest: +SKIP
    >>> images, targets = next(iter(loader))  # doctest: +SKIP
    >>> images.shape, targets["mask"].shape  # doctest: +SKIP
    (torch.Size([8, 3, 352, 352]), torch.Size([8, 352, 352]))

The same callable maps one example of a streaming ``IterableDataset``:
``load_dataset(..., streaming=True).map(torch_pairs(...))``. PyTorch and torchvision are
imported when a row is transformed, not before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["TorchPairs", "torch_pairs"]


@dataclass(frozen=True)
class TorchPairs:
    """The callable :func:`torch_pairs` returns."""

    transforms: Callable[..., Any] | None = None

    def __call__(self, rows: dict[str, Any]) -> dict[str, Any]:
        """Rows as ``with_transform`` gives them (columns of lists), or one example."""
        if not isinstance(rows["image_id"], list):
            image, target = self.pair(rows)
            return {"image": image, "target": target}
        pairs = [
            self.pair(dict(zip(rows, values, strict=True)))
            for values in zip(*rows.values(), strict=True)
        ]
        return {"image": [image for image, _ in pairs], "target": [target for _, target in pairs]}

    def pair(self, row: dict[str, Any]) -> Any:
        """The ``(image, target)`` pair of one row, transformed."""
        from kvasir_seg.torch import as_pair

        boxes = row["bboxes"]
        pair = as_pair(
            row["image"],
            row["mask"],
            [[box[side] for side in ("xmin", "ymin", "xmax", "ymax")] for box in boxes],
            [box["label"] for box in boxes],
            row["image_id"],
        )
        return pair if self.transforms is None else self.transforms(*pair)


def torch_pairs(transforms: Callable[..., Any] | None = None) -> TorchPairs:
    """A transform for ``Dataset.with_transform`` (or ``IterableDataset.map``) that gives
    each row as ``{"image": tv_tensors.Image, "target": {...}}``, the pair
    ``KvasirSegDataset`` gives, after ``transforms(image, target)``.

        >>> torch_pairs().transforms is None
        True
    """
    return TorchPairs(transforms)
