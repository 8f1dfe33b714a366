"""A loaded split as torchvision v2 pairs: :func:`torch_pairs`.

``ds.with_transform(torch_pairs(transforms))`` turns each row into the ``(image, target)``
pair :class:`kvasir_seg.torch.KvasirSegDataset` gives for the same example (array-equal),
as a row ``{"image": ..., "target": ...}``, after ``transforms(image, target)`` (any
``torchvision.transforms.v2`` transform, or ``kvasir_seg.torch.from_albumentations``).
``kvasir_seg.torch.collate`` batches such rows. The same callable maps one example of a
streaming ``IterableDataset``: ``load_dataset(..., streaming=True).map(torch_pairs(...))``.
PyTorch and torchvision are imported when a row is transformed, not before.

Example:
    >>> from torch.utils.data import DataLoader
    >>> from torchvision.transforms import v2
    >>> from kvasir_seg.torch import collate
    >>> from kvasir_seg_hf import load_dataset, torch_pairs
    >>> train = load_dataset("kvasir_seg", split="train")  # doctest: +SKIP
    >>> pairs = train.with_transform(torch_pairs(v2.Resize((352, 352))))  # doctest: +SKIP
    >>> loader = DataLoader(pairs, batch_size=8, collate_fn=collate)  # doctest: +SKIP
    >>> images, targets = next(iter(loader))  # doctest: +SKIP
    >>> images.shape, targets["mask"].shape  # doctest: +SKIP
    (torch.Size([8, 3, 352, 352]), torch.Size([8, 352, 352]))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["TorchPairs", "torch_pairs"]


@dataclass(frozen=True)
class TorchPairs:
    """The callable :func:`torch_pairs` returns: rows of a split as ``(image, target)`` pairs.

    Args:
        transforms: Called as ``transforms(image, target)`` on each pair (None: none).

    Example:
        >>> from PIL import Image
        >>> row = {"image_id": "a", "image": Image.new("RGB", (4, 3)),
        ...        "mask": Image.new("1", (4, 3), 1), "bboxes": []}
        >>> pairs = TorchPairs()({"image_id": ["a"], "image": [row["image"]],
        ...                       "mask": [row["mask"]], "bboxes": [[]]})
        >>> pairs["image"][0].shape, pairs["target"][0]["image_id"]
        (torch.Size([3, 3, 4]), 'a')
    """

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
        """The ``(image, target)`` pair of one row, transformed.

        Args:
            row: One example as ``datasets`` decodes it (``image_id``, ``image``, ``mask``,
                ``bboxes``, ...).

        Returns:
            ``(tv_tensors.Image, {"mask", "boxes", "labels", "image_id"})`` (see
            :func:`kvasir_seg.torch.as_pair`), after ``transforms``.

        Raises:
            kvasir_seg.errors.KvasirSegError: A mask of another size than its image.

        Example:
            >>> from PIL import Image
            >>> box = {"xmin": 0, "ymin": 1, "xmax": 2, "ymax": 2, "label": 0}
            >>> row = {"image_id": "a", "image": Image.new("RGB", (4, 3)),
            ...        "mask": Image.new("1", (4, 3), 1), "bboxes": [box]}
            >>> image, target = TorchPairs().pair(row)
            >>> target["boxes"].tolist(), target["labels"].tolist(), int(target["mask"].sum())
            ([[0.0, 1.0, 2.0, 2.0]], [0], 12)
        """
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
    """A transform that gives each row as the pair ``KvasirSegDataset`` gives.

    For ``Dataset.with_transform`` (or ``IterableDataset.map``): each row becomes
    ``{"image": tv_tensors.Image, "target": {...}}``, after ``transforms(image, target)``.

    Args:
        transforms: A ``torchvision.transforms.v2`` transform (or any callable taking and
            returning ``(image, target)``); None: none.

    Returns:
        The callable (a :class:`TorchPairs`).

    Example:
        >>> from torchvision.transforms import v2
        >>> from PIL import Image
        >>> row = {"image_id": "a", "image": Image.new("RGB", (4, 3)),
        ...        "mask": Image.new("1", (4, 3), 1), "bboxes": []}
        >>> pair = torch_pairs(v2.Resize((6, 8)))(row)
        >>> pair["image"].shape, pair["target"]["mask"].shape
        (torch.Size([3, 6, 8]), torch.Size([6, 8]))
    """
    return TorchPairs(transforms)
