"""Transforms on ``(image, target)`` pairs: torchvision v2 and albumentations move image, mask
and boxes together and agree with each other; boxes keep the Kvasir-SEG convention's
meaning under flips (docs/datasets.md, "Boxes under transforms"); a crop that drops every
box gives boxes of shape (0, 4)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("torchvision")
A = pytest.importorskip("albumentations")

from albumentations.pytorch import ToTensorV2  # noqa: E402
from PIL import Image  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402
from torchvision import tv_tensors  # noqa: E402
from torchvision.transforms import v2  # noqa: E402

from kvasir_seg.errors import KvasirSegError  # noqa: E402
from kvasir_seg.masks import boxes_from_mask  # noqa: E402
from kvasir_seg.torch import KvasirSegDataset, as_pair, collate, from_albumentations  # noqa: E402

SIZE = (48, 64)
PASCAL_VOC = {"bbox_params": A.BboxParams("pascal_voc", label_fields=["labels"])}


def _pair_of_mask(mask: np.ndarray, image_id: str = "hand-made"):
    """The pair of a mask whose boxes are derived from it (the convention), on a grey image."""
    boxes = boxes_from_mask(mask)
    height, width = mask.shape
    image = Image.fromarray(np.full((height, width, 3), 128, np.uint8))
    return as_pair(image, mask, [b[:4] for b in boxes], [b.label for b in boxes], image_id)


# --------------------------------------------------------------------------- box conventions


def test_a_flip_mirrors_a_box_exactly_and_the_box_of_the_flipped_mask_is_1_px_off() -> None:
    """H = 6, W = 10: one polyp inside, one touching the left edge (its box clipped at 0)."""
    mask = np.zeros((6, 10), bool)
    mask[1:3, 3:6] = True  # columns 3..5: box (2, 0, 6, 3)
    mask[4:6, 0:2] = True  # columns 0..1: box (0, 3, 2, 6), the left side clipped at 0
    image, target = _pair_of_mask(mask)
    assert target["boxes"].tolist() == [[2, 0, 6, 3], [0, 3, 2, 6]]
    flipped_image, flipped = v2.RandomHorizontalFlip(p=1.0)(image, target)
    # Mirrored exactly: xmin' = W - xmax, xmax' = W - xmin (the margin is now on the right).
    assert flipped["boxes"].tolist() == [[4, 0, 8, 3], [8, 3, 10, 6]]
    # The convention again, on the flipped mask: 1 px to the left on both sides...
    derived = [list(box[:4]) for box in boxes_from_mask(flipped["mask"].numpy())]
    assert derived == [[3, 0, 7, 3], [7, 3, 10, 6]]  # ...but the side on the edge stays.
    # A vertical flip does the same with the top and bottom sides.
    _, upside_down = v2.RandomVerticalFlip(p=1.0)(image, target)
    assert upside_down["boxes"].tolist() == [[2, 3, 6, 6], [0, 0, 2, 3]]
    derived = sorted(list(box[:4]) for box in boxes_from_mask(upside_down["mask"].numpy()))
    assert derived == [[0, 0, 2, 2], [2, 2, 6, 5]]


def test_on_every_synthetic_example_the_flip_is_exact_and_within_1_px_of_the_mask_s_box(
    make_archive,
) -> None:
    """Kvasir-Sessile has no box file: its boxes are the convention's, derived from the mask."""
    folder = make_archive("kvasir_sessile", count=8, zipped=False)
    dataset = KvasirSegDataset("kvasir_sessile", data_dir=folder)
    flip = v2.RandomHorizontalFlip(p=1.0)
    interior = 0
    for image, target in dataset:
        width = image.shape[-1]
        _, flipped = flip(image, target)
        xmin, ymin, xmax, ymax = target["boxes"].unbind(-1)
        mirrored = torch.stack([width - xmax, ymin, width - xmin, ymax], -1)
        assert torch.equal(flipped["boxes"], mirrored)
        derived = torch.tensor(
            [b[:4] for b in boxes_from_mask(flipped["mask"].numpy())], dtype=torch.float32
        ).reshape(-1, 4)
        shift = _by_position(mirrored) - _by_position(derived)
        assert ((shift[:, [0, 2]] == 0) | (shift[:, [0, 2]] == 1)).all()
        assert (shift[:, [1, 3]] == 0).all()
        interior += int((shift[:, [0, 2]] == 1).all(dim=1).sum())
    assert interior > 0


def _by_position(boxes: torch.Tensor) -> torch.Tensor:
    """Boxes sorted by (ymin, xmin), as ``boxes_from_mask`` sorts them."""
    return boxes[torch.argsort(boxes[:, 1] * 1e5 + boxes[:, 0])]


# --------------------------------------------------------------------------- albumentations


@pytest.fixture(scope="module")
def items(kvasir_seg_folder: Path) -> list:
    return list(KvasirSegDataset("kvasir_seg", data_dir=kvasir_seg_folder))


def test_albumentations_flips_as_v2_does(items: list) -> None:
    """The same pixels, masks and labels; boxes within 1e-3 px: albumentations computes them
    in normalised float32 coordinates (v2's mirror is exact)."""
    compose = A.Compose([A.HorizontalFlip(p=1.0), A.VerticalFlip(p=1.0)], **PASCAL_VOC)
    ours = v2.Compose([v2.RandomHorizontalFlip(p=1.0), v2.RandomVerticalFlip(p=1.0)])
    albumentations = from_albumentations(compose)
    for image, target in items:
        (flipped, expected), (other, found) = ours(image, target), albumentations(image, target)
        assert type(other) is tv_tensors.Image and torch.equal(flipped, other)
        assert type(found["mask"]) is tv_tensors.Mask
        assert torch.equal(found["mask"], expected["mask"])
        assert type(found["boxes"]) is tv_tensors.BoundingBoxes
        assert found["boxes"].canvas_size == expected["boxes"].canvas_size
        torch.testing.assert_close(found["boxes"], expected["boxes"], rtol=0, atol=1e-3)
        assert torch.equal(found["labels"], expected["labels"])
        assert found["image_id"] == expected["image_id"]


def test_albumentations_resizes_and_normalises_into_the_same_structure(items: list) -> None:
    compose = A.Compose(
        [A.Resize(*SIZE), A.RandomBrightnessContrast(p=1.0), A.Normalize()], **PASCAL_VOC
    )
    transform = from_albumentations(compose)
    for image, target in items:
        new_image, new_target = transform(image, target)
        assert isinstance(new_image, tv_tensors.Image) and new_image.shape == (3, *SIZE)
        assert new_image.dtype == torch.float32
        mask = new_target["mask"]
        assert isinstance(mask, tv_tensors.Mask) and mask.shape == SIZE
        assert mask.dtype == torch.uint8 and set(mask.unique().tolist()) <= {0, 1}
        boxes = new_target["boxes"]
        assert isinstance(boxes, tv_tensors.BoundingBoxes) and boxes.canvas_size == SIZE
        assert boxes.dtype == torch.float32 and len(boxes) == len(target["boxes"])
        scale = torch.tensor([SIZE[1] / image.shape[2], SIZE[0] / image.shape[1]] * 2)
        torch.testing.assert_close(boxes.as_subclass(torch.Tensor), target["boxes"] * scale)
        assert torch.equal(new_target["labels"], target["labels"])
        assert new_target["image_id"] == target["image_id"]


def test_albumentations_with_to_tensor_and_in_dataloader_workers(
    kvasir_seg_folder: Path,
) -> None:
    compose = A.Compose([A.Resize(*SIZE), A.HorizontalFlip(), ToTensorV2()], **PASCAL_VOC)
    dataset = KvasirSegDataset(
        "kvasir_seg", data_dir=kvasir_seg_folder, transforms=from_albumentations(compose)
    )
    loader = DataLoader(dataset, batch_size=4, collate_fn=collate, num_workers=2)
    batches = list(loader)
    assert [i for _, targets in batches for i in targets["image_id"]] == dataset.ids
    images, targets = batches[0]
    assert images.shape == (4, 3, *SIZE) and images.dtype == torch.uint8
    assert targets["mask"].shape == (4, *SIZE) and targets["mask"].dtype == torch.uint8


@pytest.mark.parametrize(
    "bbox_params",
    [
        None,
        A.BboxParams("coco", label_fields=["labels"]),
        A.BboxParams("pascal_voc"),
        A.BboxParams("pascal_voc", label_fields=["class_labels"]),
    ],
)
def test_albumentations_without_pascal_voc_boxes_and_labels_is_refused(bbox_params) -> None:
    compose = A.Compose([A.HorizontalFlip()], bbox_params=bbox_params)
    with pytest.raises(
        KvasirSegError, match=r'BboxParams\("pascal_voc", label_fields=\["labels"\]'
    ):
        from_albumentations(compose)


# --------------------------------------------------------------------------- crops


def _corner_pair():
    """A 40 x 60 example whose only box sits in the top-left corner."""
    mask = np.zeros((40, 60), bool)
    mask[2:6, 3:8] = True
    return _pair_of_mask(mask, "corner")


@pytest.mark.parametrize("library", ["torchvision", "albumentations"])
def test_a_crop_that_drops_every_box_gives_empty_boxes_of_shape_0_4(library: str) -> None:
    if library == "torchvision":
        crop = v2.Compose([v2.CenterCrop((10, 20)), v2.SanitizeBoundingBoxes()])
    else:
        crop = from_albumentations(A.Compose([A.CenterCrop(10, 20)], **PASCAL_VOC))
    image, target = crop(*_corner_pair())
    assert image.shape == (3, 10, 20) and not target["mask"].any()
    assert isinstance(target["boxes"], tv_tensors.BoundingBoxes)
    assert target["boxes"].shape == (0, 4) and target["boxes"].canvas_size == (10, 20)
    assert target["labels"].shape == (0,) and target["labels"].dtype == torch.int64
    kept = crop(*_pair_of_mask(np.ones((40, 60), bool), "whole"))
    images, targets = collate([(image, target), kept])
    assert images.shape == (2, 3, 10, 20)
    assert [tuple(b.shape) for b in targets["boxes"]] == [(0, 4), (1, 4)]
    assert [tuple(t.shape) for t in targets["labels"]] == [(0,), (1,)]
