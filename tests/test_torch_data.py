"""``kvasir_seg.torch.KvasirSegDataset`` and ``collate``, the HF door's ``torch_pairs``, and the
snippets of docs/pytorch.md and of the README's PyTorch quick start.

The dataset reads through the core reader: the same examples, in the same order, as the
Hugging Face builder, item for item array-equal to ``torch_pairs``'s rows, for every
dataset of the catalog; without ``datasets`` or pyarrow installed; in ``DataLoader``
workers. Its masks give the scores the HF and TFDS doors' masks give.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("torchvision")

from torch.utils.data import DataLoader  # noqa: E402
from torchvision import tv_tensors  # noqa: E402
from torchvision.transforms import v2  # noqa: E402

from kvasir_seg.archive import open_archive  # noqa: E402
from kvasir_seg.catalog import get_spec  # noqa: E402
from kvasir_seg.errors import KvasirSegError  # noqa: E402
from kvasir_seg.testing import synthetic_layout  # noqa: E402
from kvasir_seg.torch import KvasirSegDataset, collate  # noqa: E402

from hidden_modules import hiding  # noqa: E402

datasets = pytest.importorskip("datasets")

import kvasir_seg_hf  # noqa: E402
from kvasir_seg_hf import load_dataset, torch_pairs  # noqa: E402

SIZE = (48, 64)  # (height, width): not square, so a swapped axis shows


@pytest.fixture(scope="module")
def archive(dataset_name: str, make_archive) -> Path:
    """Each dataset's extracted synthetic archive (12 examples at most, real sizes)."""
    count = min(synthetic_layout(get_spec(dataset_name)).count, 12)
    return make_archive(dataset_name, count=count, zipped=False)


@pytest.fixture(scope="module")
def hf_splits(dataset_name: str, archive: Path, tmp_path_factory: pytest.TempPathFactory):
    cache = tmp_path_factory.mktemp("hf-cache")
    return load_dataset(dataset_name, data_dir=archive, cache_dir=cache)


def _assert_same_pair(ours: tuple, theirs: tuple) -> None:
    """Two (image, target) pairs hold equal tensors of the same tv_tensor types."""
    (image, target), (other_image, other_target) = ours, theirs
    assert type(image) is type(other_image) is tv_tensors.Image
    assert torch.equal(image, other_image)
    assert list(target) == list(other_target) == ["mask", "boxes", "labels", "image_id"]
    for key in ("mask", "boxes", "labels"):
        assert type(target[key]) is type(other_target[key]), key
        assert target[key].dtype == other_target[key].dtype, key
        assert torch.equal(target[key], other_target[key]), key
    assert target["boxes"].canvas_size == other_target["boxes"].canvas_size
    assert target["image_id"] == other_target["image_id"]


# --------------------------------------------------------------------------- the items


def test_items_are_the_core_reader_s_examples_in_v2_types(dataset_name: str, archive: Path) -> None:
    spec = get_spec(dataset_name)
    with open_archive(spec, archive) as reader:
        for config in spec.configs:
            splits = reader.assign_splits(config.name)
            for split, ids in splits.items():
                if not ids:
                    continue
                dataset = KvasirSegDataset(dataset_name, split, config.name, data_dir=archive)
                assert dataset.ids == ids and len(dataset) == len(ids)
                assert dataset.classes == spec.classes
                for index, example in enumerate(reader.examples(ids)):
                    image, target = dataset[index]
                    assert image.dtype == torch.uint8 and image.shape == (
                        3,
                        example.height,
                        example.width,
                    )
                    mask = target["mask"]
                    assert isinstance(mask, tv_tensors.Mask) and mask.dtype == torch.uint8
                    assert np.array_equal(mask.numpy(), example.mask.astype(np.uint8))
                    boxes = target["boxes"]
                    assert boxes.format == tv_tensors.BoundingBoxFormat.XYXY
                    assert boxes.dtype == torch.float32 and boxes.shape == (len(example.bboxes), 4)
                    assert boxes.canvas_size == (example.height, example.width)
                    assert boxes.tolist() == [list(box[:4]) for box in example.bboxes]
                    assert target["labels"].dtype == torch.int64
                    assert target["labels"].tolist() == [box.label for box in example.bboxes]
                    assert target["image_id"] == example.image_id


def test_the_hf_door_gives_the_same_pairs_in_the_same_order(
    dataset_name: str, archive: Path, hf_splits
) -> None:
    label = hf_splits[next(iter(hf_splits))].features["bboxes"].feature["label"]
    for split, rows in hf_splits.items():
        dataset = KvasirSegDataset(dataset_name, split, data_dir=archive)
        assert dataset.classes == tuple(label.names)
        assert dataset.classes == (("instrument",) if "instrument" in dataset_name else ("polyp",))
        pairs = rows.with_transform(torch_pairs())
        assert dataset.ids == rows["image_id"]
        for index in range(len(dataset)):
            row = pairs[index]
            _assert_same_pair(dataset[index], (row["image"], row["target"]))
        # Transformed alike, batched alike.
        resize = v2.Resize(SIZE)
        ours = KvasirSegDataset(dataset_name, split, data_dir=archive, transforms=resize)
        theirs = rows.with_transform(torch_pairs(resize))
        for mine, other in zip(
            DataLoader(ours, batch_size=4, collate_fn=collate),
            DataLoader(theirs, batch_size=4, collate_fn=collate),
            strict=True,
        ):
            assert torch.equal(mine[0], other[0]) and torch.equal(mine[1]["mask"], other[1]["mask"])
            assert mine[1]["image_id"] == other[1]["image_id"]
            for key in ("boxes", "labels"):
                assert all(map(torch.equal, mine[1][key], other[1][key]))


def test_a_streamed_split_maps_to_the_same_pairs(kvasir_seg_folder: Path) -> None:
    transform = v2.Compose([v2.Resize(SIZE), v2.RandomVerticalFlip(p=1.0)])
    stream = load_dataset("kvasir_seg", split="train", data_dir=kvasir_seg_folder, streaming=True)
    dataset = KvasirSegDataset("kvasir_seg", data_dir=kvasir_seg_folder, transforms=transform)
    rows = list(stream.map(torch_pairs(transform)))
    assert len(rows) == len(dataset) == 9
    for index, row in enumerate(rows):
        _assert_same_pair(dataset[index], (row["image"], row["target"]))


def test_a_v2_pipeline_moves_image_mask_and_boxes_together(kvasir_seg_folder: Path) -> None:
    """ColorJitter works (on the raw HF row it failed: a mode "1" mask is no Mask)."""
    plain = KvasirSegDataset("kvasir_seg", data_dir=kvasir_seg_folder, transforms=v2.Resize(SIZE))
    flipped = KvasirSegDataset(
        "kvasir_seg",
        data_dir=kvasir_seg_folder,
        transforms=v2.Compose(
            [v2.Resize(SIZE), v2.RandomHorizontalFlip(p=1.0), v2.ColorJitter(brightness=0.0)]
        ),
    )
    height, width = SIZE
    for (image, target), (other, flipped_target) in zip(plain, flipped, strict=True):
        assert torch.equal(other, image.flip(-1))
        assert torch.equal(flipped_target["mask"], target["mask"].flip(-1))
        xmin, ymin, xmax, ymax = target["boxes"].unbind(-1)
        mirrored = torch.stack([width - xmax, ymin, width - xmin, ymax], dim=-1)
        assert torch.equal(flipped_target["boxes"], mirrored)
        assert flipped_target["boxes"].canvas_size == SIZE
        assert torch.equal(flipped_target["labels"], target["labels"])


# --------------------------------------------------------------------------- collate


def test_collate_stacks_images_and_masks_and_lists_the_rest(kvasir_seg_folder: Path) -> None:
    dataset = KvasirSegDataset("kvasir_seg", data_dir=kvasir_seg_folder, transforms=v2.Resize(SIZE))
    images, targets = collate([dataset[i] for i in range(4)])
    assert isinstance(images, tv_tensors.Image) and images.shape == (4, 3, *SIZE)
    assert isinstance(targets["mask"], tv_tensors.Mask) and targets["mask"].shape == (4, *SIZE)
    assert list(targets) == ["mask", "boxes", "labels", "image_id"]
    counts = [len(boxes) for boxes in targets["boxes"]]
    assert len(set(counts)) > 1  # box counts differ within the batch
    assert counts == [len(labels) for labels in targets["labels"]]
    assert targets["image_id"] == dataset.ids[:4]
    assert all(isinstance(boxes, tv_tensors.BoundingBoxes) for boxes in targets["boxes"])


def test_collate_refuses_a_batch_of_mixed_sizes_and_says_to_resize(
    kvasir_seg_folder: Path,
) -> None:
    dataset = KvasirSegDataset("kvasir_seg", data_dir=kvasir_seg_folder)
    first, second = dataset[0], dataset[1]
    assert first[0].shape != second[0].shape
    with pytest.raises(KvasirSegError, match=r"images of one batch differ in size .*v2\.Resize"):
        collate([first, second])
    with pytest.raises(KvasirSegError, match="batch is empty"):
        collate([])
    renamed = (second[0], {**second[1], "extra": 1})
    with pytest.raises(KvasirSegError, match="same keys"):
        collate([first, renamed])
    images, targets = collate([first])  # batch_size=1 keeps an image at its own size
    assert images.shape == (1, *first[0].shape)


def test_an_unknown_or_empty_split_is_refused_with_the_splits_there_are(
    kvasir_seg_folder: Path,
) -> None:
    with pytest.raises(KvasirSegError, match=r"'test' is not one of its splits .*train, valid"):
        KvasirSegDataset("kvasir_seg", "test", data_dir=kvasir_seg_folder)
    assert len(KvasirSegDataset("kvasir_seg", "test", "pranet", data_dir=kvasir_seg_folder)) > 0


# --------------------------------------------------------------------------- processes


def test_dataloader_workers_open_the_zip_each_and_read_every_item(kvasir_seg_zip: Path) -> None:
    dataset = KvasirSegDataset(
        "kvasir_seg",
        data_dir=kvasir_seg_zip,
        transforms=v2.Resize(SIZE),
        verification_mode="no_checks",
    )
    expected = collate([dataset[i] for i in range(len(dataset))])  # opened in this process
    assert len(pickle.dumps(dataset)) < 10_000  # no open file, no examples: a path and ids
    loader = DataLoader(dataset, batch_size=3, collate_fn=collate, num_workers=2)
    batches = list(loader)  # forked after this process opened the zip: each worker reopens
    assert [i for batch in batches for i in batch[1]["image_id"]] == dataset.ids
    assert torch.equal(torch.cat([batch[0] for batch in batches]), expected[0])
    assert torch.equal(torch.cat([batch[1]["mask"] for batch in batches]), expected[1]["mask"])
    copy = pickle.loads(pickle.dumps(dataset))
    assert torch.equal(copy[2][0], dataset[2][0]) and copy.ids == dataset.ids


def test_works_without_datasets_or_pyarrow_installed(
    kvasir_seg_folder: Path, fresh_python: Callable[[str], str]
) -> None:
    """The import system is made to find no ``datasets``, pyarrow or pandas at all."""
    script = (
        hiding("datasets", "pyarrow", "pandas")
        + f"""
import sys
HIDDEN = {{"datasets", "pyarrow", "pandas"}}
try:
    import datasets
except ModuleNotFoundError:
    pass
else:
    raise SystemExit("datasets is still importable")
from torch.utils.data import DataLoader
from torchvision.transforms import v2
from kvasir_seg.torch import KvasirSegDataset, collate
dataset = KvasirSegDataset("kvasir_seg", data_dir={str(kvasir_seg_folder)!r},
                           transforms=v2.Resize((32, 32)))
loader = DataLoader(dataset, batch_size=4, collate_fn=collate, num_workers=2)
ids = [i for images, targets in loader for i in targets["image_id"]]
assert ids == dataset.ids, ids
print(len(ids), sorted(m for m in sys.modules if m.split(".")[0] in HIDDEN))
"""
    )
    assert fresh_python(script).split() == ["9", "[]"]


def test_without_torch_the_import_says_what_to_install(
    fresh_python: Callable[[str], str],
) -> None:
    script = (
        hiding("torch", "torchvision", "torchmetrics")
        + """
for module in ("kvasir_seg.torch", "kvasir_seg.scores.torch"):
    try:
        __import__(module)
    except ModuleNotFoundError as error:
        print(error.name, "|", error)
"""
    )
    lines = fresh_python(script).splitlines()
    assert lines == [
        f'torch | {module} needs torch, which is not installed: pip install ".[torch]" '
        "(in a kvasir-seg checkout)."
        for module in ("kvasir_seg.torch", "kvasir_seg.scores.torch")
    ]


# --------------------------------------------------------------------------- seams


def test_every_door_s_masks_give_the_same_scores(
    kvasir_seg_folder: Path, tmp_path: Path, hf_train_and_validation
) -> None:
    """KvasirSegDataset, the HF rows (as they are and through torch_pairs) and TFDS's
    data source give masks that ``compute_scores`` and ``KvasirSegMetric`` score alike."""
    tfds = pytest.importorskip("tensorflow_datasets")
    pytest.importorskip("torchmetrics")
    import kvasir_seg_tfds  # noqa: F401  (registers the builders)
    from kvasir_seg.scores import compute_scores
    from kvasir_seg.scores.torch import KvasirSegMetric

    builder = tfds.builder("kvasir_seg", data_dir=tmp_path / "tfds", file_format="array_record")
    config = tfds.download.DownloadConfig(manual_dir=kvasir_seg_folder)
    builder.download_and_prepare(download_config=config)
    doors: dict[str, dict] = {"torch": {}, "hf": {}, "hf torch_pairs": {}, "tfds": {}}
    for split in ("train", "validation"):
        hf = hf_train_and_validation[split]
        ours = KvasirSegDataset("kvasir_seg", split, data_dir=kvasir_seg_folder)
        doors["torch"].update((t["image_id"], t["mask"]) for _, t in ours)
        doors["hf"].update((row["image_id"], row["mask"]) for row in hf)
        pairs = hf.with_transform(torch_pairs())
        doors["hf torch_pairs"].update(
            (r["target"]["image_id"], r["target"]["mask"]) for r in pairs
        )
        source = builder.as_data_source(split=split)  # TFDS shuffles: keyed by id
        doors["tfds"].update((ex["image_id"].decode(), ex["mask"]) for ex in source)
    ids = list(doors["torch"])
    masks = {door: [found[i] for i in ids] for door, found in doors.items()}
    rng = np.random.default_rng(25)
    shifted = [np.roll(m.numpy(), 40, axis=1) * np.float32(0.6) for m in masks["torch"]]
    noise = [rng.uniform(-0.2, 0.6, m.shape).astype(np.float32) for m in shifted]
    predictions = [np.clip(m + n, 0, 1) for m, n in zip(shifted, noise, strict=True)]
    expected = compute_scores(predictions, [m.numpy() for m in masks["torch"]])
    assert 0.1 < expected["dice"] < 0.95
    for door, references in masks.items():
        assert compute_scores(predictions, references) == expected, door
        metric = KvasirSegMetric()
        for prediction, reference in zip(predictions, references, strict=True):
            reference = torch.as_tensor(np.array(reference)).reshape(prediction.shape)
            metric.update(torch.from_numpy(prediction)[None], reference[None])
        assert {k: v.item() for k, v in metric.compute().items()} == expected, door


@pytest.fixture
def hf_train_and_validation(kvasir_seg_folder: Path, tmp_path: Path):
    return load_dataset("kvasir_seg", data_dir=kvasir_seg_folder, cache_dir=tmp_path / "hf")


# --------------------------------------------------------------------------- the documents


@pytest.fixture
def loads_the_synthetic_folder(
    kvasir_seg_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``load_dataset`` and ``KvasirSegDataset`` read the synthetic folder: the documents'
    calls run verbatim."""
    import kvasir_seg.torch

    def from_synthetic_folder(*args: object, **kwargs: object):
        return load_dataset(*args, data_dir=kvasir_seg_folder, cache_dir=tmp_path, **kwargs)

    class SyntheticKvasirSegDataset(KvasirSegDataset):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, data_dir=kvasir_seg_folder, **kwargs)

    monkeypatch.setattr(kvasir_seg_hf, "load_dataset", from_synthetic_folder)
    monkeypatch.setattr(kvasir_seg.torch, "KvasirSegDataset", SyntheticKvasirSegDataset)


def _run(code: str, where: str, namespace: dict) -> dict:
    exec(compile(code, where, "exec"), namespace)
    return namespace


def test_the_pytorch_guide_snippets_run(
    snippets: Callable[[str, str], list[str]], loads_the_synthetic_folder: None
) -> None:
    """docs/pytorch.md's calls, verbatim, in order, in one namespace (as a reader runs them);
    only the archive comes from the synthetic folder."""
    guide = "docs/pytorch.md"
    namespace: dict = {}
    (dataset_code,) = snippets(guide, "A torchvision dataset: `KvasirSegDataset`")
    _run(dataset_code, f"{guide}: KvasirSegDataset", namespace)
    images, targets = namespace["images"], namespace["targets"]
    assert images.shape == (8, 3, 352, 352) and images.dtype == torch.float32
    assert images.min() >= 0 and images.max() <= 1
    assert targets["mask"].shape == (8, 352, 352) and targets["mask"].dtype == torch.uint8
    assert len(targets["boxes"]) == len(targets["labels"]) == len(targets["image_id"]) == 8

    (hf_code,) = snippets(guide, "The Hugging Face loader: `torch_pairs`")
    _run(hf_code, f"{guide}: torch_pairs", namespace)
    assert namespace["images"].shape == (8, 3, 352, 352)
    streamed = next(iter(namespace["stream"]))
    assert streamed["image"].shape == (3, 352, 352) and streamed["target"]["mask"].shape == (
        352,
        352,
    )

    metric_code, paper_code = snippets(guide, "The scores in a validation loop: `KvasirSegMetric`")
    _run(metric_code, f"{guide}: validation loop", namespace)
    scores = namespace["scores"]
    assert int(scores["num_images"]) == 3  # the synthetic validation split
    assert {"dice", "iou", "f2", "pooled_dice", "two_class_mean_iou"} <= set(scores)
    _run(paper_code, f"{guide}: at each image's own size", namespace)
    assert int(namespace["paper_scores"]["num_images"]) == 3


def test_the_pytorch_guide_albumentations_recipe_runs(
    snippets: Callable[[str, str], list[str]], loads_the_synthetic_folder: None
) -> None:
    """docs/pytorch.md's albumentations section, verbatim, after the guide's first import
    (albumentations is a dev tool, not an extra: where it is missing this test skips)."""
    pytest.importorskip("albumentations")
    guide = "docs/pytorch.md"
    namespace = _run("from kvasir_seg.torch import KvasirSegDataset", guide, {})
    (albumentations_code,) = snippets(guide, "albumentations")
    _run(albumentations_code, f"{guide}: albumentations", namespace)
    image, target = namespace["image"], namespace["target"]
    assert image.shape == (3, 352, 352) and image.dtype == torch.float32 and image.min() < 0
    assert target["mask"].shape == (352, 352) and target["mask"].dtype == torch.uint8


def test_the_training_example_runs(
    snippets: Callable[[str, str], list[str]],
    make_archive,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """docs/pytorch.md's U-Net example, verbatim, on a stand-in archive of 2 small images (one
    to train on, one to validate), so that its 2 epochs take seconds on a CPU."""
    import kvasir_seg.torch

    folder = make_archive("kvasir_seg", count=2, zipped=False, sizes=[(60, 80)])

    class StandIn(KvasirSegDataset):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, data_dir=folder, **kwargs)

    monkeypatch.setattr(kvasir_seg.torch, "KvasirSegDataset", StandIn)
    training_code, lightning_code = snippets("docs/pytorch.md", "Training a U-Net")
    trained = _run(training_code, "docs/pytorch.md: training", {})
    assert isinstance(trained["model"], trained["UNet"]) and trained["EPOCHS"] == 2
    assert len(trained["train"]) == len(trained["validation"]) == 1
    assert torch.isfinite(trained["loss"]) and 0 <= float(trained["scores"]["dice"]) <= 1
    assert int(trained["scores"]["num_images"]) == 1
    # Lightning is not a dependency: its DataModule is only compiled.
    compile(lightning_code, "docs/pytorch.md: LightningDataModule", "exec")


def test_the_readme_pytorch_quick_start_runs(
    snippets: Callable[[str, str], list[str]], loads_the_synthetic_folder: None
) -> None:
    """The README's quick start, verbatim, on the synthetic folder."""
    (code,) = snippets("README.md", "PyTorch")
    namespace = _run(code, "README.md: PyTorch", {})
    images, targets = namespace["images"], namespace["targets"]
    assert images.shape == (8, 3, 352, 352) and images.dtype == torch.uint8
    assert targets["mask"].shape == (8, 352, 352)
    assert set(targets["mask"].unique().tolist()) <= {0, 1}
