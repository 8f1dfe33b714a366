"""Fixed-size image/mask tensors for training: :func:`pair_transform`.

Kvasir-SEG has 333 image sizes, so ``DataLoader(ds.with_format("torch"), batch_size=8)``
cannot stack a batch. ``pair_transform`` resizes each image (bilinear) and its mask
(nearest) to one size, so PyTorch's default collate works:

    >>> from torch.utils.data import DataLoader  # doctest: +SKIP
    >>> from kvasir_seg_hf import load_dataset, pair_transform
    >>> train = load_dataset("kvasir_seg", split="train")  # doctest: +SKIP
    >>> loader = DataLoader(train.with_transform(pair_transform()), batch_size=8)  # doctest: +SKIP
    >>> batch = next(iter(loader))  # doctest: +SKIP
    >>> batch["image"].shape, batch["mask"].shape, batch["image_id"][:1]  # doctest: +SKIP
    (torch.Size([8, 3, 352, 352]), torch.Size([8, 1, 352, 352]), ['cju0qkwl35piu0993l0dewei2'])

The same object works per example, for a streaming ``IterableDataset``:
``load_dataset(..., streaming=True).map(pair_transform())``.

Each example becomes:

- ``image``: float32 3 x H x W in [0, 1] (``(x - mean) / std`` when both are given, e.g.
  :data:`IMAGENET_MEAN`, :data:`IMAGENET_STD`); PIL bilinear, antialiased when shrinking,
  as torchvision's ``Resize`` on PIL images;
- ``mask``: float32 1 x H x W of 0/1, nearest neighbour;
- ``bboxes``: float32 ``max_boxes`` x 4 (``xmin, ymin, xmax, ymax``) rescaled to the new
  size, padded with -1; ``num_boxes``: how many rows are real;
- every other field as it is: ``image_id``, and ``height`` / ``width``, the original size
  (to resize predictions back, as the papers score at each image's own size).

``hflip`` / ``vflip`` flip image, mask and boxes together with that probability, drawn from
Python's ``random`` (which PyTorch's ``DataLoader`` seeds per worker). PyTorch is only
imported for ``output="torch"``; ``output="numpy"`` gives numpy arrays.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from kvasir_seg.errors import KvasirSegError
from kvasir_seg.extras import install_command

__all__ = ["IMAGENET_MEAN", "IMAGENET_STD", "PairTransform", "pair_transform"]

#: The channel means and standard deviations most pretrained backbones expect.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

OUTPUTS = ("torch", "numpy")
#: The per-example fields this transform replaces; the others pass through.
_ARRAYS = ("image", "mask", "bboxes")


@dataclass(frozen=True)
class PairTransform:
    """The callable :func:`pair_transform` returns (arguments as documented there)."""

    size: tuple[int, int]
    output: str
    mean: tuple[float, ...] | None
    std: tuple[float, ...] | None
    hflip: float
    vflip: float
    max_boxes: int

    def __call__(self, examples: dict[str, Any]) -> dict[str, Any]:
        """Transform a batch (columns of lists, as ``with_transform`` gives) or one example."""
        if not isinstance(examples["image"], list):
            return self._convert(self.example(examples))
        rows = [
            self.example(dict(zip(examples, values, strict=True)))
            for values in zip(*examples.values(), strict=True)
        ]
        batch = {name: [row[name] for row in rows] for name in rows[0]}
        batch.update({name: np.stack(batch[name]) for name in _ARRAYS})
        return self._convert(batch)

    def example(self, example: dict[str, Any]) -> dict[str, Any]:
        """One example with numpy arrays (whatever ``output`` says)."""
        image = _as_image(example["image"]).convert("RGB")
        width, height = image.size
        new_height, new_width = self.size
        pixels = np.asarray(image.resize((new_width, new_height), Image.Resampling.BILINEAR))
        pixels = pixels.transpose(2, 0, 1).astype(np.float32) / np.float32(255)
        if self.mean is not None and self.std is not None:
            shape = (-1, 1, 1)
            mean, std = (np.asarray(v, np.float32).reshape(shape) for v in (self.mean, self.std))
            pixels = (pixels - mean) / std
        mask = _as_image(example["mask"]).convert("L")
        mask = mask.resize((new_width, new_height), Image.Resampling.NEAREST)
        binary = (np.asarray(mask) > 0).astype(np.float32)[None]
        count = len(example.get("bboxes") or [])
        boxes = _box_array(example.get("bboxes") or [], example.get("image_id"), self.max_boxes)
        boxes[:count] *= np.float32([new_width / width, new_height / height] * 2)
        for probability, axis, (low, high) in ((self.hflip, 2, (0, 2)), (self.vflip, 1, (1, 3))):
            if probability and random.random() < probability:
                pixels, binary = np.flip(pixels, axis), np.flip(binary, axis)
                extent = new_width if axis == 2 else new_height
                boxes[:count, [low, high]] = extent - boxes[:count, [high, low]]
        return {
            **example,
            "image": np.ascontiguousarray(pixels),
            "mask": np.ascontiguousarray(binary),
            "bboxes": boxes,
            "num_boxes": count,
        }

    def _convert(self, example: dict[str, Any]) -> dict[str, Any]:
        if self.output == "numpy":
            return example
        import torch

        return {**example, **{name: torch.from_numpy(example[name]) for name in _ARRAYS}}


def pair_transform(
    size: tuple[int, int] = (352, 352),
    output: str = "torch",
    *,
    mean: tuple[float, ...] | None = None,
    std: tuple[float, ...] | None = None,
    hflip: float = 0.0,
    vflip: float = 0.0,
    max_boxes: int = 16,
) -> PairTransform:
    """A transform to fixed-size tensors, for ``Dataset.with_transform`` or ``IterableDataset.map``.

    ``size`` is (height, width); ``output`` ``"torch"`` (tensors) or ``"numpy"`` (arrays);
    ``mean`` / ``std`` per channel normalise the image (give both or neither); ``hflip`` /
    ``vflip`` are flip probabilities; ``max_boxes`` the rows of the padded box array (an
    example with more boxes is an error that says what to pass). See the module doc.

        >>> transform = pair_transform((256, 256), "numpy", hflip=0.5)
        >>> transform.size
        (256, 256)
    """
    if output not in OUTPUTS:
        raise ValueError(f"output must be one of {', '.join(OUTPUTS)}, got {output!r}.")
    if output == "torch":
        try:
            import torch  # noqa: F401
        except ImportError:
            raise ImportError(
                f'output="torch" needs PyTorch: {install_command("torch")}, or use output="numpy".'
            ) from None
    height, width = (int(v) for v in size)
    if height <= 0 or width <= 0:
        raise ValueError(f"size must be (height, width) with both > 0, got {size!r}.")
    if (mean is None) != (std is None):
        raise ValueError("Give both mean and std (e.g. IMAGENET_MEAN, IMAGENET_STD), or neither.")
    if mean is not None and not len(mean) == len(std) == 3:
        raise ValueError(f"mean and std need one value per RGB channel, got {mean!r}, {std!r}.")
    if max_boxes < 0:
        raise ValueError(f"max_boxes must be >= 0, got {max_boxes!r}.")
    if not (0.0 <= hflip <= 1.0 and 0.0 <= vflip <= 1.0):
        raise ValueError(f"hflip and vflip are probabilities in [0, 1], got {hflip}, {vflip}.")
    return PairTransform(
        (height, width),
        output,
        None if mean is None else tuple(mean),
        None if std is None else tuple(std),
        float(hflip),
        float(vflip),
        int(max_boxes),
    )


def _as_image(value: Any) -> Image.Image:
    """A PIL image of ``value`` (a PIL image already, or an HxW / HxWxC array)."""
    if isinstance(value, Image.Image):
        return value
    array = np.asarray(value)
    return Image.fromarray(array[..., 0] if array.ndim == 3 and array.shape[-1] == 1 else array)


def _box_array(boxes: list[dict[str, Any]], image_id: Any, max_boxes: int) -> np.ndarray:
    """``max_boxes`` x 4 float32 of the boxes' pixel corners, padded with -1."""
    if len(boxes) > max_boxes:
        raise KvasirSegError(
            f"Example {image_id!r} has {len(boxes)} boxes, more than max_boxes={max_boxes}; "
            f"pass pair_transform(..., max_boxes={len(boxes)}) or larger."
        )
    array = np.full((max_boxes, 4), -1, dtype=np.float32)
    for row, box in zip(array, boxes, strict=False):
        row[:] = [box["xmin"], box["ymin"], box["xmax"], box["ymax"]]
    return array
