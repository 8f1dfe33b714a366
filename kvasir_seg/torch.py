"""PyTorch without Arrow: :class:`KvasirSegDataset`, :func:`collate`, :func:`from_albumentations`.

A ``torch.utils.data.Dataset`` over the core reader, as torchvision's own datasets are: the
same archive store and checksum checks, the same examples in the same order as the Hugging Face
and TFDS builders, and items in torchvision's v2 structure, so that any
``torchvision.transforms.v2`` transform moves image, mask and boxes together:

    >>> from torch.utils.data import DataLoader
    >>> from torchvision.transforms import v2
    >>> from kvasir_seg.torch import KvasirSegDataset, collate
    >>> augment = v2.Compose([v2.Resize((352, 352)), v2.RandomHorizontalFlip()])
    >>> train = KvasirSegDataset("kvasir_seg", split="train", transforms=augment)  # doctest: +SKIP
    >>> image, target = train[0]  # doctest: +SKIP
    >>> sorted(target)  # doctest: +SKIP
    ['boxes', 'image_id', 'labels', 'mask']
    >>> loader = DataLoader(train, 16, collate_fn=collate, num_workers=2)  # doctest: +SKIP
    >>> images, targets = next(iter(loader))  # doctest: +SKIP
    >>> images.shape, targets["mask"].shape, len(targets["boxes"])  # doctest: +SKIP
    (torch.Size([16, 3, 352, 352]), torch.Size([16, 352, 352]), 16)

An item is ``(image, target)``:

- ``image``: ``tv_tensors.Image``, uint8, 3 x H x W, decoded by Pillow (the pixels the
  Hugging Face builders give);
- ``target["mask"]``: ``tv_tensors.Mask``, uint8, H x W, 1 = polyp (tool), 0 = background.
  uint8, not bool: it is torchvision's mask type (its COCO and VOC wrappers), OpenCV and
  so albumentations refuse bool arrays, and ``.long()`` makes a class-index target;
- ``target["boxes"]``: ``tv_tensors.BoundingBoxes``, XYXY, float32 (v2's resize would
  truncate integer boxes), ``canvas_size`` (H, W), one row per box of the archive, shape
  (0, 4) when there is none; the Kvasir-SEG convention (``kvasir_seg.fields.BOX_SIDES``);
- ``target["labels"]``: int64, one per box, an index into ``dataset.classes``
  (``("polyp",)``; ``("instrument",)`` for Kvasir-Instrument), the Hugging Face
  ``ClassLabel``'s index. torchvision's detection models keep 0 for background: pass
  ``labels + 1`` to them;
- ``target["image_id"]``: the archive's file name without extension.

This module imports PyTorch and torchvision (``pip install ".[torch]"`` in a checkout), never
``datasets`` or pyarrow; nothing else in the core imports it.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from PIL import Image

from kvasir_seg.extras import missing

try:
    import torch
    from torchvision import tv_tensors
    from torchvision.datasets import VisionDataset
    from torchvision.transforms.v2 import functional as F
except ModuleNotFoundError as error:
    raise missing("torch", error, __name__) from error

from kvasir_seg.archive import KvasirArchive, Layout, open_copy
from kvasir_seg.catalog import DatasetSpec, get_spec
from kvasir_seg.errors import KvasirSegError
from kvasir_seg.masks import canonical_bool
from kvasir_seg.plan import plan_build, verifies
from kvasir_seg.resolve import ResolvedArchive

__all__ = ["KvasirSegDataset", "as_pair", "collate", "from_albumentations"]

#: ``(image, target)``: what a dataset item, a transform and :func:`collate` take.
Pair = tuple[tv_tensors.Image, dict[str, Any]]


def _split_source(
    spec: DatasetSpec, data_dir: Any, config: str | None, split: str, verify: bool
) -> tuple[ResolvedArchive, Layout, list[str]]:
    """Where ``split`` of ``config`` is read from: the copy of the archive (resolved and
    checked as every adapter does), its layout, and the split's ids in the builders' order."""
    plan = plan_build(spec, data_dir, config, verify=verify)
    try:
        splits, layout = plan.splits, plan.layout
    finally:
        plan.close()  # each process that reads opens the copy itself
    if split not in splits:
        named = [s.name for s in plan.config.splits]
        found = "is not one of its splits" if split not in named else "has no example in it"
        raise KvasirSegError(
            f"{spec.name} config {plan.config.name!r}: split {split!r} {found} (the archive "
            f"at {plan.archive.path} has {', '.join(splits) or 'none'}). Pass one of those."
        )
    return plan.archive, layout, splits[split]


class KvasirSegDataset(VisionDataset):
    """One split of a catalog dataset as a map-style ``Dataset`` of ``(image, target)`` pairs.

    The archive is found and checked when the dataset is made; each process that reads
    (every ``DataLoader`` worker) opens it on its first item, so the dataset pickles to a
    few bytes per id and holds no open file across a fork. Its ``ids`` are the split's
    image ids in the order of the items, its ``classes`` the names ``target["labels"]``
    index.

    Args:
        name: a catalog name (``"kvasir_seg"``, ``"kvasir_sessile"``,
            ``"kvasir_capsule_seg"``, ``"kvasir_instrument"``, or a plugin's), or a spec.
        split: the split to read.
        config: a config of the dataset (None: its default).
        data_dir: the zip downloaded by hand, its folder or the folder it extracts to
            (None: the archive store, downloading into it as
            ``kvasir_seg_hf.load_dataset`` does).
        transforms: applied to each item as ``transforms(image, target)``, as
            torchvision's datasets do (a ``v2.Compose``, any v2 transform, or
            :func:`from_albumentations`).
        verification_mode: ``"no_checks"`` reads a zip whose checksum does not match, as
            the Hugging Face and TFDS builders do.

    Raises:
        KvasirSegError: the config has no such split, or no example of it is in the
            archive; and what finding, checking and opening the archive raise.

    Example:
        >>> import tempfile
        >>> from kvasir_seg.testing import write_archive
        >>> zip_path = write_archive("kvasir_sessile", tempfile.mkdtemp(), count=3)
        >>> dataset = KvasirSegDataset("kvasir_sessile", data_dir=zip_path)
        >>> image, target = dataset[0]
        >>> len(dataset), image.dtype, target["mask"].shape == image.shape[1:]
        (3, torch.uint8, True)
    """

    def __init__(
        self,
        name: str | DatasetSpec,
        split: str = "train",
        config: str | None = None,
        data_dir: str | os.PathLike[str] | None = None,
        transforms: Callable[..., Any] | None = None,
        *,
        verification_mode: Any = None,
    ) -> None:
        spec = get_spec(name) if isinstance(name, str) else name
        copy, layout, ids = _split_source(
            spec, data_dir, config, split, verifies(verification_mode)
        )
        super().__init__(root=copy.path, transforms=transforms)
        self._copy = copy
        self.spec, self.split, self.layout = spec, split, layout
        #: The image ids of the split, in the order the items come.
        self.ids: list[str] = ids
        #: The class names ``target["labels"]`` index.
        self.classes: tuple[str, ...] = tuple(spec.classes)
        self._archive: KvasirArchive | None = None
        self._opened_by: int | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index: int) -> Any:
        example = self._reader().read_example(self.ids[index])
        with Image.open(io.BytesIO(example.image_bytes)) as image:
            pair = as_pair(
                image,
                example.mask,
                [box[:4] for box in example.bboxes],
                [box.label for box in example.bboxes],
                example.image_id,
            )
        return pair if self.transforms is None else self.transforms(*pair)

    def _reader(self) -> KvasirArchive:
        """The archive, opened once in each process (a forked worker opens its own)."""
        if self._archive is None or self._opened_by != os.getpid():
            self._archive = open_copy(self.spec, self._copy, layout=self.layout)
            self._opened_by = os.getpid()
        return self._archive

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.update(_archive=None, _opened_by=None)
        return state

    def extra_repr(self) -> str:
        """The lines ``repr(dataset)`` adds to torchvision's: the dataset and the split."""
        return f"Dataset: {self.spec.name}\nSplit: {self.split}"


def as_pair(
    image: Image.Image,
    mask: np.ndarray,
    boxes: Sequence[Sequence[float]],
    labels: Sequence[int],
    image_id: str,
) -> Pair:
    """Make the ``(image, target)`` pair of one example's parts (as the module docstring says).

    Args:
        image: a PIL image (converted to RGB if it is not).
        mask: an ``(H, W)`` array (non-zero is the object).
        boxes: XYXY pixel rows.
        labels: the boxes' class indices.
        image_id: the example's id.

    Returns:
        The pair, in torchvision's v2 structure.

    Raises:
        KvasirSegError: the mask's size is not the image's.

    Example:
        >>> image, target = as_pair(Image.new("RGB", (4, 3)), np.eye(3, 4), [(0, 0, 2, 2)], [0], "")
        >>> image.shape, target["mask"].dtype, target["boxes"].canvas_size, target["labels"]
        (torch.Size([3, 3, 4]), torch.uint8, (3, 4), tensor([0]))
    """
    pixels = F.pil_to_tensor(image if image.mode == "RGB" else image.convert("RGB"))
    height, width = pixels.shape[-2:]
    binary = canonical_bool(np.asarray(mask)).astype(np.uint8)
    if binary.shape != (height, width):
        raise KvasirSegError(
            f"{image_id}: the mask is {binary.shape[1]}x{binary.shape[0]} but the image is "
            f"{width}x{height}; give the pair as the dataset stores it."
        )
    target = {
        "mask": tv_tensors.Mask(torch.from_numpy(binary)),
        "boxes": tv_tensors.BoundingBoxes(
            torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
            format=tv_tensors.BoundingBoxFormat.XYXY,
            canvas_size=(height, width),
        ),
        "labels": torch.tensor(labels, dtype=torch.int64).reshape(-1),
        "image_id": image_id,
    }
    return tv_tensors.Image(pixels), target


def collate(batch: Sequence[Pair | Mapping[str, Any]]) -> tuple[torch.Tensor, dict[str, Any]]:
    """Batch ``(image, target)`` pairs: the ``collate_fn`` of a ``DataLoader``.

    A batch is always stacked, never a list by chance: images (and masks) of different
    sizes in one batch are refused.

    Args:
        batch: the pairs, or the rows ``kvasir_seg_hf.torch_pairs`` makes
            (``{"image": ..., "target": ...}``).

    Returns:
        ``(images, targets)``: ``images`` N x C x H x W (a ``tv_tensors.Image``),
        ``targets["mask"]`` N x H x W (a ``tv_tensors.Mask``), and every other key of the
        targets (``boxes``, ``labels``, ``image_id``) as a list, since box counts differ.

    Raises:
        KvasirSegError: the batch is empty, its targets have different keys, or its images
            or masks differ in size (the message says to resize them in the dataset's
            transforms, ``v2.Resize``, or to use ``batch_size=1``).

    Example:
        >>> pairs = [as_pair(Image.new("RGB", (4, 3)), np.ones((3, 4)), b, [0] * len(b), i)
        ...          for i, b in (("a", [(0, 0, 4, 3)]), ("b", []))]
        >>> images, targets = collate(pairs)
        >>> images.shape, targets["mask"].shape, [len(b) for b in targets["boxes"]]
        (torch.Size([2, 3, 3, 4]), torch.Size([2, 3, 4]), [1, 0])
    """
    pairs = [
        (item["image"], item["target"]) if isinstance(item, Mapping) else item for item in batch
    ]
    if not pairs:
        raise KvasirSegError("collate: the batch is empty; give it at least one (image, target).")
    targets = [target for _, target in pairs]
    keys = list(targets[0])
    ids = [str(target.get("image_id", index)) for index, target in enumerate(targets)]
    for target, image_id in zip(targets, ids, strict=True):
        if list(target) != keys:
            raise KvasirSegError(
                f"collate: the target of {image_id} has the keys {list(target)}, the first of "
                f"the batch {keys}; every transform must give every item the same keys."
            )
    images = _stack([image for image, _ in pairs], ids, tv_tensors.Image)
    collated = {key: [target[key] for target in targets] for key in keys}
    if "mask" in collated:
        collated["mask"] = _stack(collated["mask"], ids, tv_tensors.Mask)
    return images, collated


def _stack(tensors: list[torch.Tensor], ids: list[str], kind: type) -> torch.Tensor:
    shapes = [tuple(tensor.shape) for tensor in tensors]
    if len(set(shapes)) > 1:
        sizes = ", ".join(
            f"{image_id} {'x'.join(map(str, shape))}"
            for image_id, shape in zip(ids, shapes, strict=True)
        )
        raise KvasirSegError(
            f"collate: the {kind.__name__.lower()}s of one batch differ in size ({sizes}). "
            "Resize them in the dataset's transforms (e.g. v2.Resize((352, 352))), or use "
            "batch_size=1 to keep each at its own size."
        )
    return kind(torch.stack(tensors))


def from_albumentations(transform: Any) -> Callable[..., Pair]:
    """Make a dataset's ``transforms`` of an albumentations ``A.Compose``, on image, mask and boxes.

    The image is given H x W x C (uint8), the mask H x W (uint8), and the result comes
    back in the structure of :class:`KvasirSegDataset`'s items (an image albumentations
    made float, e.g. by ``A.Normalize``, stays float; ``ToTensorV2`` is not needed but
    accepted).

    Args:
        transform: an ``A.Compose`` made with ``bbox_params=A.BboxParams("pascal_voc",
            label_fields=["labels"])`` (the boxes are pixel XYXY; their labels must be
            dropped with the boxes albumentations drops).

    Returns:
        A picklable ``transforms(image, target)`` callable.

    Raises:
        KvasirSegError: ``transform`` was not made with those box parameters (refused at
            once, not at the first item).

    Example:
        >>> try:
        ...     from_albumentations(lambda image, target: (image, target))
        ... except KvasirSegError as error:
        ...     print(str(error)[:43])
        from_albumentations needs an A.Compose made
        >>> import albumentations as A  # doctest: +SKIP
        >>> augment = A.Compose(
        ...     [A.Resize(352, 352), A.HorizontalFlip()],
        ...     bbox_params=A.BboxParams("pascal_voc", label_fields=["labels"]),
        ... )  # doctest: +SKIP
        >>> pairs = from_albumentations(augment)  # doctest: +SKIP
        >>> train = KvasirSegDataset("kvasir_seg", transforms=pairs)  # doctest: +SKIP
    """
    processor = getattr(transform, "processors", {}).get("bboxes")
    params = getattr(processor, "params", None)
    coordinates = getattr(params, "coord_format", getattr(params, "format", None))
    if params is None or coordinates != "pascal_voc" or "labels" not in (params.label_fields or ()):
        raise KvasirSegError(
            f"from_albumentations needs an A.Compose made with bbox_params=A.BboxParams("
            f'"pascal_voc", label_fields=["labels"]); got {type(transform).__name__} with '
            f"bbox_params format {coordinates!r}, label_fields "
            f"{getattr(params, 'label_fields', None)!r}. Without them the boxes would not move "
            "with the image, or their labels would not be dropped with them."
        )
    return _Albumentations(transform)


class _Albumentations:
    """The callable :func:`from_albumentations` returns (picklable, for DataLoader workers)."""

    def __init__(self, transform: Any) -> None:
        self.transform = transform

    def __call__(self, image: torch.Tensor, target: dict[str, Any]) -> Pair:
        out = self.transform(
            image=np.ascontiguousarray(image.permute(1, 2, 0).numpy()),
            mask=np.ascontiguousarray(target["mask"].numpy()),
            bboxes=target["boxes"].numpy().reshape(-1, 4),
            labels=target["labels"].numpy(),
        )
        pixels = out["image"]  # H x W x C, or C x H x W after ToTensorV2
        if not isinstance(pixels, torch.Tensor):
            pixels = _tensor(pixels).permute(2, 0, 1)
        height, width = pixels.shape[-2:]
        return tv_tensors.Image(pixels), {
            **target,
            "mask": tv_tensors.Mask(_tensor(out["mask"])),
            "boxes": tv_tensors.BoundingBoxes(
                torch.as_tensor(np.asarray(out["bboxes"], dtype=np.float32)).reshape(-1, 4),
                format=tv_tensors.BoundingBoxFormat.XYXY,
                canvas_size=(height, width),
            ),
            "labels": torch.as_tensor(np.asarray(out["labels"], dtype=np.int64)).reshape(-1),
        }

    def __repr__(self) -> str:
        return f"from_albumentations({self.transform!r})"


def _tensor(values: Any) -> torch.Tensor:
    """A tensor of an array albumentations returned (a flip gives negative strides)."""
    return (
        values
        if isinstance(values, torch.Tensor)
        else torch.from_numpy(np.ascontiguousarray(values))
    )
