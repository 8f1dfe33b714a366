"""``kvasir_seg.scores.torch.KvasirSegMetric`` against ``compute_scores``, seam by seam."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import datasets
import numpy as np
import pytest
from PIL import Image

torch = pytest.importorskip("torch")
pytest.importorskip("torchmetrics")

from torch.utils.data import DataLoader  # noqa: E402
from torchmetrics.utilities.data import dim_zero_cat  # noqa: E402

from kvasir_seg.errors import MetricInputError  # noqa: E402
from kvasir_seg.scores import PROTOCOLS, compute_scores, new_accumulator  # noqa: E402
from kvasir_seg.scores import torch as metric_module  # noqa: E402
from kvasir_seg.scores.confusion import DefaultAccumulator  # noqa: E402
from kvasir_seg.scores.inputs import check_same_shape  # noqa: E402
from kvasir_seg.scores.torch import KvasirSegMetric  # noqa: E402
from kvasir_seg.torch import collate  # noqa: E402
from kvasir_seg_hf import load_dataset, torch_pairs  # noqa: E402

TOLERANCE = 1e-6


@pytest.fixture(params=PROTOCOLS)
def protocol(request: pytest.FixtureRequest) -> str:
    """The protocol to give ``KvasirSegMetric`` (both measure with the engine)."""
    return request.param


def _assert_same_scores(result: dict[str, Any], expected: dict[str, Any]) -> None:
    assert set(result) == set(expected)
    for name, value in expected.items():
        assert result[name].item() == value, name  # the engine measured every image
    assert all(isinstance(v, torch.Tensor) and v.ndim == 0 for v in result.values())


def _probabilities(mask: np.ndarray, seed: int) -> np.ndarray:
    """A float32 map in [0, 1] that misses part of ``mask`` and adds noise around it."""
    rng = np.random.default_rng(seed)
    shifted = np.roll(mask, (3, -4), axis=(0, 1)).astype(np.float32)
    noise = rng.uniform(-0.3, 0.3, mask.shape).astype(np.float32)
    return np.clip(np.float32(0.75) * shifted + noise, 0, 1)


@pytest.fixture(scope="module")
def dataset(kvasir_seg_folder: Path, tmp_path_factory: pytest.TempPathFactory):
    """Both splits of the synthetic archive (12 images in 10 sizes), as load_dataset gives them."""
    cache = tmp_path_factory.mktemp("hf-cache")
    splits = load_dataset("kvasir_seg", data_dir=kvasir_seg_folder, cache_dir=cache)
    return datasets.concatenate_datasets([splits["train"], splits["validation"]])


@pytest.fixture(scope="module")
def pairs(dataset) -> list[tuple[np.ndarray, Image.Image]]:
    """(float32 prediction, the row's PIL mode "1" mask) per image."""
    return [
        (_probabilities(np.asarray(row["mask"]), seed), row["mask"])
        for seed, row in enumerate(dataset)
    ]


def _batch(array: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.array(array))[None, None]


# --------------------------------------------------------------------------- equal to the engine


def test_equals_compute_scores_on_masks_as_the_loaders_give_them(
    protocol: str, dataset, pairs: list
) -> None:
    """One update per image (the sizes differ), the reference in a rotating format."""
    torch_rows = dataset.with_format("torch")
    numpy_rows = dataset.with_format("numpy")
    metric = KvasirSegMetric(protocol=protocol)
    for index, (prediction, mask) in enumerate(pairs):
        if index % 3 == 0:
            target = [mask]  # a list of PIL mode "1" images
        elif index % 3 == 1:
            target = torch_rows[index]["mask"][None]  # 1 x 1 x H x W bool tensor
        else:  # numpy's bools of a mode "1" image store 255: canonicalised
            array = numpy_rows[index]["mask"]
            assert array.view(np.uint8).max() == 255
            target = torch.from_numpy(array.copy())[None]
        metric.update(_batch(prediction), target)
    predictions, masks = zip(*pairs, strict=True)
    _assert_same_scores(metric.compute(), compute_scores(predictions, masks, protocol=protocol))


def test_equals_compute_scores_over_batches_of_torch_pairs(protocol: str, dataset) -> None:
    from torchvision.transforms import v2

    pairs = dataset.with_transform(torch_pairs(v2.Resize((40, 56))))
    loader = DataLoader(pairs, batch_size=4, collate_fn=collate)
    metric = KvasirSegMetric(protocol=protocol)
    predictions, masks = [], []
    for step, (_, targets) in enumerate(loader):
        generator = torch.Generator().manual_seed(step)
        noise = torch.rand(targets["mask"].shape, generator=generator) * 0.6
        probabilities = (targets["mask"].roll(2, dims=2) * 0.5 + noise).clamp(0, 1)
        metric.update(probabilities, targets["mask"])  # N x H x W, uint8 0/1 masks
        predictions += [p.numpy() for p in probabilities]
        masks += [m.numpy() for m in targets["mask"]]
    assert len(masks) == 12 and len(metric.prediction_columns) == 3  # one record per update
    _assert_same_scores(metric.compute(), compute_scores(predictions, masks, protocol=protocol))


# Per image: an empty reference, an empty prediction, and ordinary ones.
_REFERENCES = np.zeros((4, 12, 10), dtype=bool)
_REFERENCES[1, 2:8, 3:9] = _REFERENCES[2, 5:, :4] = _REFERENCES[3, :6, 6:] = True
_PROBABILITIES = np.stack([_probabilities(m, seed) for seed, m in enumerate(_REFERENCES)])
_PROBABILITIES[2] = 0.0

_PREDICTION_KINDS = {
    "float32": lambda p: p,
    "float64": lambda p: p.astype(np.float64),
    "float16": lambda p: p.astype(np.float16),
    "bool": lambda p: p > 0.5,
    "uint8 0/1": lambda p: (p > 0.5).astype(np.uint8),
    "uint8 map": lambda p: np.rint(p * 255).astype(np.uint8),
    "int64 map": lambda p: np.rint(p * 255).astype(np.int64),
    # image 0 is a 0/1 mask, the others 8-bit maps: decided image by image
    "int32 mixed": lambda p: np.concatenate([(p[:1] > 0.5), np.rint(p[1:] * 255)]).astype(np.int32),
}
_REFERENCE_KINDS = {
    "bool": lambda r: r,
    "bool of PIL mode 1": lambda r: np.stack([np.asarray(Image.fromarray(m)) for m in r]),
    "uint8 0/1": lambda r: r.astype(np.uint8),
    "uint8 0/255": lambda r: r.astype(np.uint8) * np.uint8(255),
    "float32 0/1": lambda r: r.astype(np.float32),
    "int64 0/255": lambda r: r.astype(np.int64) * 255,
}
_LAYOUTS = {
    "N x 1 x H x W": lambda a: torch.from_numpy(np.array(a))[:, None],
    "N x H x W": lambda a: torch.from_numpy(np.array(a)),
    "N x H x W x 1 (TFDS)": lambda a: torch.from_numpy(np.array(a))[..., None],
    "list of arrays": list,
    "numpy N x H x W": np.array,
}
_CASES = (
    [(kind, "bool", "N x 1 x H x W") for kind in _PREDICTION_KINDS]
    + [("float32", kind, "N x 1 x H x W") for kind in _REFERENCE_KINDS]
    + [("uint8 map", "uint8 0/255", layout) for layout in _LAYOUTS]
)


@pytest.mark.parametrize(
    ("protocol", "threshold"),
    [(protocol, 0.5) for protocol in PROTOCOLS] + [("default", 0.3)],  # PraNet: no threshold
)
@pytest.mark.parametrize(("prediction_kind", "reference_kind", "layout"), _CASES)
def test_input_kinds_and_layouts_are_read_as_the_engine_reads_them(
    protocol: str, threshold: float, prediction_kind: str, reference_kind: str, layout: str
) -> None:
    predictions = _PREDICTION_KINDS[prediction_kind](_PROBABILITIES)
    references = _REFERENCE_KINDS[reference_kind](_REFERENCES)
    metric = KvasirSegMetric(protocol, threshold)
    metric.update(_LAYOUTS[layout](predictions[:3]), _LAYOUTS[layout](references[:3]))
    metric.update(_LAYOUTS[layout](predictions[3:]), _LAYOUTS[layout](references[3:]))
    expected = compute_scores(
        list(predictions), list(references), protocol=protocol, threshold=threshold
    )
    _assert_same_scores(metric.compute(), expected)


def test_the_state_is_the_engine_s_per_image_records() -> None:
    metric = KvasirSegMetric()
    metric.update(_batch(_PROBABILITIES[0]), _batch(_REFERENCES[0]))
    metric.update(torch.from_numpy(_PROBABILITIES[1:]), torch.from_numpy(_REFERENCES[1:]))
    assert set(metric._reductions.values()) == {dim_zero_cat}
    engine = DefaultAccumulator()
    records = [
        engine.measure(p, r).to_columns() for p, r in zip(_PROBABILITIES, _REFERENCES, strict=True)
    ]
    prediction_side, reference_side = (list(side) for side in zip(*records, strict=True))
    assert dim_zero_cat(metric.prediction_columns).tolist() == prediction_side
    assert dim_zero_cat(metric.reference_columns).tolist() == reference_side
    metric.reset()
    assert metric.prediction_columns == [] and metric.reference_columns == []


def test_on_the_cpu_the_engine_reads_the_tensors_memory_in_place() -> None:
    for batch in (torch.rand(2, 5, 6, requires_grad=True), torch.zeros(2, 5, 6, dtype=torch.bool)):
        image = batch[1]
        assert metric_module._host(image).ctypes.data == image.data_ptr()


def test_forward_gives_the_batch_s_scores_and_keeps_the_total() -> None:
    metric = KvasirSegMetric()
    predictions, references = (torch.from_numpy(a) for a in (_PROBABILITIES, _REFERENCES))
    first = metric(predictions[:2], references[:2])
    metric(predictions[2:], references[2:])
    _assert_same_scores(first, compute_scores(list(_PROBABILITIES[:2]), list(_REFERENCES[:2])))
    _assert_same_scores(metric.compute(), compute_scores(list(_PROBABILITIES), list(_REFERENCES)))


# --------------------------------------------------------------------------- several processes


@pytest.mark.skipif(
    not hasattr(KvasirSegMetric, "merge_state"),
    reason="Metric.merge_state is new in torchmetrics 1.6 (the torch extra allows 1.0)",
)
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_merge_state_gives_one_metric_over_all_images(protocol: str, pairs: list) -> None:
    first, second = KvasirSegMetric(protocol), KvasirSegMetric(protocol)
    for index, (prediction, mask) in enumerate(pairs):
        (first if index < 5 else second).update(_batch(prediction), [mask])
    first.merge_state(second)
    # torchmetrics puts the incoming state first: the images are then in that order.
    predictions, masks = zip(*pairs[5:], *pairs[:5], strict=True)
    _assert_same_scores(first.compute(), compute_scores(predictions, masks, protocol=protocol))


_TWO_PROCESSES = textwrap.dedent(
    """
    import json, multiprocessing, sys
    import numpy as np
    import torch
    import torch.distributed as dist
    from kvasir_seg.scores.torch import KvasirSegMetric

    def run(rank, folder):
        dist.init_process_group(
            "gloo", init_method=f"file://{folder}/rendezvous", rank=rank, world_size=2
        )
        data = np.load(f"{folder}/masks.npz")
        share = slice(0, 3) if rank == 0 else slice(3, None)  # uneven: 3 and 2 images
        results = {}
        for protocol in ("default", "pranet"):
            metric = KvasirSegMetric(protocol)
            for p, r in zip(data["predictions"][share], data["references"][share]):
                metric.update(torch.from_numpy(p)[None], torch.from_numpy(r)[None])
            results[protocol] = {k: float(v) for k, v in metric.compute().items()}
        with open(f"{folder}/rank{rank}.json", "w") as out:
            json.dump(results, out)
        # Both ranks done before either tears down: with torch 2.1 (the extra's floor),
        # destroying the gloo group while the other rank still talks hung 1 run in 8.
        dist.barrier()
        dist.destroy_process_group()

    if __name__ == "__main__":
        # fork: the workers share this process's imports instead of importing torch again
        context = multiprocessing.get_context("fork")
        workers = [context.Process(target=run, args=(rank, sys.argv[1])) for rank in (0, 1)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=120)
        hung = [worker for worker in workers if worker.is_alive()]
        for worker in hung:
            worker.kill()
        if hung:
            sys.exit(f"{len(hung)} rank(s) still running after 120 s: killed")
        sys.exit(max(abs(worker.exitcode) for worker in workers))
    """
)


def test_two_processes_synced_by_torchmetrics_score_the_whole_set(tmp_path: Path) -> None:
    """A real two-process gloo group: torchmetrics' own sync gathers the per-image states."""
    predictions, references = _PROBABILITIES[:, :, :8], _REFERENCES[:, :, :8]
    extra = _REFERENCES[1:2, :, 2:]  # a fifth image
    predictions = np.concatenate([predictions, _probabilities(extra[0], 9)[None]])
    references = np.concatenate([references, extra])
    np.savez(tmp_path / "masks.npz", predictions=predictions, references=references)
    script = tmp_path / "two_processes.py"
    script.write_text(_TWO_PROCESSES)
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for rank in (0, 1):
        results = json.loads((tmp_path / f"rank{rank}.json").read_text())
        for protocol in PROTOCOLS:
            expected = compute_scores(list(predictions), list(references), protocol=protocol)
            assert results[protocol]["num_images"] == 5
            assert results[protocol] == pytest.approx(expected, abs=TOLERANCE)


# --------------------------------------------------------------------------- refusals


def _bad_batch(case: str) -> tuple[np.ndarray, np.ndarray]:
    """Three images whose second one is refused for ``case``."""
    predictions, references = _PROBABILITIES[:3].copy(), _REFERENCES[:3].astype(np.uint8)
    if case == "logits":
        predictions = (predictions - 0.5) * 8
        predictions[0] = predictions[2] = 0.25
    elif case == "NaN":
        predictions[1, 0, 0] = np.nan
    elif case == "integers above 255":
        predictions = np.rint(predictions * 255).astype(np.int64)
        predictions[1, 0, 0] = 300
    elif case == "complex":
        predictions = predictions.astype(np.complex64)
    elif case == "JPEG mask not thresholded":
        references[1, 0, 0], references[1, 5, 5] = 3, 250
    elif case == "soft reference":
        references = references.astype(np.float32)
        references[1, 0, 0] = 0.5
    elif case == "labels 0, 1, 2":
        references[1, 0, 0] = 2
    return predictions, references


@pytest.mark.parametrize(
    "case",
    [
        "logits",
        "NaN",
        "integers above 255",
        "complex",
        "JPEG mask not thresholded",
        "soft reference",
        "labels 0, 1, 2",
    ],
)
def test_refused_inputs_raise_the_engine_s_message(protocol: str, case: str) -> None:
    predictions, references = _bad_batch(case)
    with pytest.raises(MetricInputError) as engine:
        new_accumulator(protocol).measure(predictions[1], references[1])
    metric = KvasirSegMetric(protocol)
    with pytest.raises(MetricInputError) as refused:
        metric.update(torch.from_numpy(predictions), torch.from_numpy(references))
    index = 0 if case == "complex" else 1
    assert str(refused.value) == f"Image {index} of the batch: {engine.value}"
    assert metric.prediction_columns == []  # nothing of the refused batch was kept


def test_logits_are_refused_with_the_sigmoid_hint() -> None:
    with pytest.raises(MetricInputError, match="Logits must go through a sigmoid first"):
        KvasirSegMetric().update(torch.randn(2, 1, 8, 8) * 4, torch.zeros(2, 1, 8, 8))


def test_shape_errors_say_what_to_do() -> None:
    metric = KvasirSegMetric()
    with pytest.raises(MetricInputError) as engine:
        check_same_shape(np.zeros((8, 8)), np.zeros((8, 9)))
    with pytest.raises(MetricInputError) as refused:
        metric.update(torch.rand(2, 1, 8, 8), torch.zeros(2, 1, 8, 9))
    assert str(refused.value) == str(engine.value)
    with pytest.raises(MetricInputError, match="2 predictions and 3 references"):
        metric.update(torch.rand(2, 8, 8), torch.zeros(3, 8, 8))
    with pytest.raises(MetricInputError, match=r"shape \(8, 8\).*mask\[None\]"):
        metric.update(torch.rand(8, 8), torch.zeros(8, 8))
    with pytest.raises(MetricInputError, match="cannot be read as a tensor"):
        metric.update([np.zeros((4, 4)), np.zeros((4, 5))], torch.zeros(2, 4, 4))


def test_bad_protocol_threshold_and_empty_compute_are_the_engine_s_errors() -> None:
    for arguments in (("nanonet",), ("default", 1.5)):
        with pytest.raises(MetricInputError) as engine:
            new_accumulator(*arguments)
        with pytest.raises(MetricInputError) as refused:
            KvasirSegMetric(*arguments)
        assert str(refused.value) == str(engine.value)
    with pytest.warns(UserWarning), pytest.raises(MetricInputError, match="No image was scored"):
        KvasirSegMetric().compute()  # torchmetrics warns: compute before update


# --------------------------------------------------------------------------- imports


def test_the_module_gets_the_real_torch() -> None:
    """``kvasir_seg/scores/torch.py`` imports ``torch`` absolutely: the real one, not itself
    (tests/test_layers.py checks that the rest of the core never imports it)."""
    from kvasir_seg.scores import torch as module

    assert module.torch is torch and module.__name__ == "kvasir_seg.scores.torch"
