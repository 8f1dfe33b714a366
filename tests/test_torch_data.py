"""``kvasir_seg_hf.pair_transform``: DataLoader batches over mixed-size archives, and the
snippets of docs/pytorch.md and of the README's PyTorch quick start."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

torch = pytest.importorskip("torch")
pytest.importorskip("torchmetrics")

from torch.utils.data import DataLoader  # noqa: E402

import kvasir_seg_hf  # noqa: E402
from kvasir_seg.errors import KvasirSegError  # noqa: E402
from kvasir_seg_hf import IMAGENET_MEAN, IMAGENET_STD, load_dataset, pair_transform  # noqa: E402

SIZE = (48, 64)  # (height, width): not square, so a swapped axis shows


@pytest.fixture(scope="module")
def train(kvasir_seg_folder: Path, tmp_path_factory: pytest.TempPathFactory):
    """The synthetic archive's train split (9 images in 8 sizes), as load_dataset gives it."""
    cache = tmp_path_factory.mktemp("hf-cache")
    return load_dataset("kvasir_seg", split="train", data_dir=kvasir_seg_folder, cache_dir=cache)


def _expected(row: dict, size: tuple[int, int]) -> dict[str, np.ndarray]:
    """What the transform must give for one row, computed the plain way."""
    height, width = size
    image = np.asarray(row["image"].resize((width, height), Image.Resampling.BILINEAR))
    mask = np.asarray(row["mask"].convert("L").resize((width, height), Image.Resampling.NEAREST))
    scale = np.float32([width / row["width"], height / row["height"]] * 2)
    boxes = np.float32([[b["xmin"], b["ymin"], b["xmax"], b["ymax"]] for b in row["bboxes"]])
    return {
        "image": image.transpose(2, 0, 1).astype(np.float32) / 255,
        "mask": (mask > 0).astype(np.float32)[None],
        "boxes": boxes * scale,
    }


def test_the_plain_torch_format_cannot_batch_mixed_sizes(train) -> None:
    assert len({(row["height"], row["width"]) for row in train}) > 1
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        next(iter(DataLoader(train.with_format("torch"), batch_size=8)))


def test_dataloader_batches_mixed_sizes_with_the_default_collate(train) -> None:
    loader = DataLoader(train.with_transform(pair_transform(SIZE)), batch_size=4)
    batches = list(loader)
    assert [len(b["image_id"]) for b in batches] == [4, 4, 1]
    first = batches[0]
    assert first["image"].shape == (4, 3, *SIZE) and first["image"].dtype == torch.float32
    assert first["mask"].shape == (4, 1, *SIZE) and first["mask"].dtype == torch.float32
    assert first["bboxes"].shape == (4, 16, 4) and first["num_boxes"].dtype == torch.int64
    assert [i for b in batches for i in b["image_id"]] == train["image_id"]
    assert [int(h) for b in batches for h in b["height"]] == train["height"]  # original sizes
    for index, row in enumerate(train.select(range(4))):
        expected = _expected(row, SIZE)
        np.testing.assert_allclose(first["image"][index].numpy(), expected["image"], atol=1e-6)
        np.testing.assert_array_equal(first["mask"][index].numpy(), expected["mask"])
        count = int(first["num_boxes"][index])
        assert count == len(row["bboxes"]) >= 1
        np.testing.assert_allclose(first["bboxes"][index, :count].numpy(), expected["boxes"])
        assert (first["bboxes"][index, count:] == -1).all()
    masks = torch.cat([b["mask"] for b in batches])
    assert set(masks.unique().tolist()) == {0.0, 1.0}
    images = torch.cat([b["image"] for b in batches])
    assert images.min() >= 0 and images.max() <= 1


def test_workers_and_shuffling_work_too(train) -> None:
    loader = DataLoader(
        train.with_transform(pair_transform(SIZE, hflip=0.5)),
        batch_size=3,
        shuffle=True,
        num_workers=2,
    )
    ids = [i for batch in loader for i in batch["image_id"]]
    assert sorted(ids) == sorted(train["image_id"])


def test_a_stream_mapped_per_example_gives_the_same_batches(train, kvasir_seg_folder: Path) -> None:
    transform = pair_transform(SIZE)
    stream = load_dataset("kvasir_seg", split="train", data_dir=kvasir_seg_folder, streaming=True)
    streamed = next(iter(DataLoader(stream.map(transform), batch_size=4)))
    cached = next(iter(DataLoader(train.with_transform(transform), batch_size=4)))
    assert streamed["image_id"] == cached["image_id"]
    for name in ("image", "mask", "bboxes", "num_boxes"):
        torch.testing.assert_close(streamed[name], cached[name], rtol=0, atol=0)


def test_indexing_a_transformed_dataset_gives_one_example_or_a_stacked_batch(train) -> None:
    transformed = train.with_transform(pair_transform(SIZE, "numpy"))
    one, some = transformed[0], transformed[0:3]
    assert isinstance(one["image"], np.ndarray) and one["image"].shape == (3, *SIZE)
    assert one["image_id"] == train[0]["image_id"] and one["bbox_source"] == "official"
    assert some["mask"].shape == (3, 1, *SIZE) and some["image_id"] == train["image_id"][:3]


def test_normalisation_is_applied_per_channel(train) -> None:
    plain = pair_transform(SIZE, "numpy")(train[0:2])
    normalised = pair_transform(SIZE, "numpy", mean=IMAGENET_MEAN, std=IMAGENET_STD)(train[0:2])
    mean, std = (np.float32(v).reshape(1, 3, 1, 1) for v in (IMAGENET_MEAN, IMAGENET_STD))
    np.testing.assert_allclose(normalised["image"], (plain["image"] - mean) / std, rtol=1e-6)
    np.testing.assert_array_equal(normalised["mask"], plain["mask"])


def test_flips_move_image_mask_and_boxes_together(train) -> None:
    row = train[0]
    height, width = SIZE
    plain = pair_transform(SIZE, "numpy").example(row)
    flipped = pair_transform(SIZE, "numpy", hflip=1.0, vflip=1.0).example(row)
    for name in ("image", "mask"):
        np.testing.assert_array_equal(flipped[name], plain[name][:, ::-1, ::-1])
    count = plain["num_boxes"]
    xmin, ymin, xmax, ymax = plain["bboxes"][:count].T
    expected = np.stack([width - xmax, height - ymax, width - xmin, height - ymin], axis=1)
    np.testing.assert_allclose(flipped["bboxes"][:count], expected)
    box = np.round(flipped["bboxes"][0]).astype(int)  # the flipped box still holds the polyp
    assert flipped["mask"][0, box[1] : box[3], box[0] : box[2]].sum() > 0


def test_numpy_arrays_and_tfds_style_masks_are_read_too(train) -> None:
    row = train[0]
    as_arrays = {
        **row,
        "image": np.asarray(row["image"]),
        "mask": np.asarray(row["mask"]).astype(np.uint8)[..., None],  # HxWx1 of 0/1
    }
    transform = pair_transform(SIZE, "numpy")
    for name in ("image", "mask"):
        np.testing.assert_array_equal(transform(as_arrays)[name], transform(row)[name])


def test_too_many_boxes_says_what_to_pass(train) -> None:
    row = train[0]
    row = {**row, "bboxes": row["bboxes"] * 3}
    with pytest.raises(KvasirSegError, match=r"more than max_boxes=2; pass .*max_boxes=3"):
        pair_transform(SIZE, max_boxes=2)(row)
    assert int(pair_transform(SIZE, max_boxes=3)(row)["num_boxes"]) == 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"output": "jax"}, "output must be one of torch, numpy"),
        ({"size": (0, 352)}, "size must be"),
        ({"mean": IMAGENET_MEAN}, "Give both mean and std"),
        ({"mean": (0.5,), "std": (0.2,)}, "one value per RGB channel"),
        ({"max_boxes": -1}, "max_boxes must be"),
        ({"hflip": 2.0}, "probabilities in"),
    ],
)
def test_bad_arguments_are_refused_at_once(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        pair_transform(**kwargs)


def test_numpy_output_never_imports_torch(fresh_python: Callable[[str], str]) -> None:
    script = (
        "import sys\n"
        "import numpy as np\n"
        "from PIL import Image\n"
        "from kvasir_seg_hf import pair_transform\n"
        "row = {'image_id': 'a', 'image': Image.new('RGB', (40, 30)),\n"
        "       'mask': Image.new('1', (40, 30)), 'bboxes': [], 'height': 30, 'width': 40}\n"
        "out = pair_transform((16, 16), 'numpy')(row)\n"
        "assert out['image'].shape == (3, 16, 16), out['image'].shape\n"
        "print('torch' in sys.modules)\n"
    )
    assert fresh_python(script).strip() == "False"


@pytest.fixture
def loads_the_synthetic_folder(
    kvasir_seg_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``kvasir_seg_hf.load_dataset`` reads the synthetic folder: the docs' calls run verbatim."""

    def from_synthetic_folder(*args: object, **kwargs: object):
        return load_dataset(*args, data_dir=kvasir_seg_folder, cache_dir=tmp_path, **kwargs)

    monkeypatch.setattr(kvasir_seg_hf, "load_dataset", from_synthetic_folder)


def test_the_pytorch_guide_snippets_run(
    snippets: Callable[[str, str], list[str]], loads_the_synthetic_folder: None
) -> None:
    """docs/pytorch.md's calls, verbatim; only the archive comes from the synthetic folder."""
    loader_code, metric_code = snippets("docs/pytorch.md", "PyTorch")
    namespace: dict = {}
    exec(compile(loader_code, "docs/pytorch.md: DataLoader", "exec"), namespace)
    batch = namespace["batch"]
    assert batch["image"].shape == (8, 3, 352, 352) and batch["mask"].shape == (8, 1, 352, 352)
    streamed = next(iter(namespace["stream"]))
    assert streamed["image"].shape == (3, 352, 352) and streamed["image"].min() < 0  # normalised

    exec(compile(metric_code, "docs/pytorch.md: validation loop", "exec"), namespace)
    scores = namespace["scores"]
    assert int(scores["num_images"]) == 3  # the synthetic validation split
    assert {"dice", "iou", "f2", "pooled_dice", "two_class_mean_iou"} <= set(scores)


def test_the_readme_pytorch_quick_start_runs(
    snippets: Callable[[str, str], list[str]], loads_the_synthetic_folder: None
) -> None:
    """The README's quick start, verbatim, on the synthetic folder."""
    (code,) = snippets("README.md", "PyTorch")
    namespace: dict = {}
    exec(compile(code, "README.md: PyTorch", "exec"), namespace)
    batch = namespace["batch"]
    assert batch["image"].shape == (8, 3, 352, 352) and batch["mask"].shape == (8, 1, 352, 352)
    assert batch["image"].dtype == torch.float32 and 0 <= batch["image"].min() <= 1
    assert set(batch["mask"].unique().tolist()) <= {0.0, 1.0}
