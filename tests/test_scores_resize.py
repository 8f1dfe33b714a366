"""``resize=``: Pillow's filter on the stored map, the same in the engine, the accumulators and
the evaluate module; and the PraNet accumulator's 256-threshold curves."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from kvasir_seg import MetricInputError
from kvasir_seg.image_files import read_mask_file
from kvasir_seg.score_settings import check_resize
from kvasir_seg.scores import (
    PROTOCOLS,
    RESIZE_METHODS,
    PraNetAccumulator,
    compute_scores,
    new_accumulator,
)
from kvasir_seg.scores.pranet import THRESHOLDS
from kvasir_seg.scores.resize import resize_prediction

from oracles import pranet_toolbox_curves

FILTERS = {
    "nearest": Image.Resampling.NEAREST,
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
}
SMALL, LARGE = (44, 44), (61, 83)  # (height, width): a network's output, a real image's


def _pair(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A float map at SMALL and a bool reference at LARGE of the same round polyp."""
    rng = np.random.default_rng(seed)
    rows, columns = np.mgrid[: LARGE[0], : LARGE[1]]
    centre = rng.uniform(0.3, 0.7, 2) * LARGE
    radius = rng.uniform(8, 20)
    reference = np.hypot(rows - centre[0], columns - centre[1]) < radius
    small = np.mgrid[: SMALL[0], : SMALL[1]] * (np.array(LARGE) / SMALL)[:, None, None]
    distance = np.hypot(small[0] - centre[0] - 2, small[1] - centre[1])
    return (1 / (1 + np.exp((distance - radius) / 2))).astype(np.float32), reference


def _pillow(values: np.ndarray, mode: str | None, method: str) -> np.ndarray:
    """``values`` as a Pillow image of ``mode`` (None: Pillow's choice), resized to LARGE."""
    image = Image.fromarray(values, mode).resize(LARGE[::-1], FILTERS[method])
    return np.asarray(image)


@pytest.mark.parametrize("method", list(FILTERS))
def test_each_kind_of_map_is_resized_by_pillow_as_it_is_stored(method: str) -> None:
    probabilities, _ = _pair(0)
    eight_bit = np.rint(probabilities * 255).astype(np.uint8)
    resized = resize_prediction(eight_bit, LARGE, method)
    assert resized.dtype == np.uint8 and np.array_equal(resized, _pillow(eight_bit, "L", method))

    floats = resize_prediction(probabilities, LARGE, method)
    expected = np.clip(_pillow(probabilities, "F", method), 0, 1)
    assert floats.dtype == np.float32 and np.array_equal(floats, expected)
    assert floats.min() >= 0 and floats.max() <= 1  # bicubic overshoot clipped

    binary = probabilities > 0.5
    as_mask = resize_prediction(binary, LARGE, method)
    grey = _pillow(binary.astype(np.uint8) * 255, "L", method)
    if method == "nearest":
        assert as_mask.dtype == np.bool_ and np.array_equal(as_mask, grey > 127)
    else:  # soft edges, as a saved 0/255 PNG resized
        assert as_mask.dtype == np.uint8 and np.array_equal(as_mask, grey)
    # 0/1 integers are the same binary mask.
    assert np.array_equal(resize_prediction(binary.astype(np.int64), LARGE, method), as_mask)


def test_16_bit_files_keep_their_precision_when_resized() -> None:
    probabilities, _ = _pair(1)
    values = np.rint(probabilities * 65535).astype(np.uint16)
    buffer = io.BytesIO()
    Image.fromarray(values).save(buffer, format="PNG")
    read = read_mask_file(buffer.getvalue(), "map.png", role="prediction")
    assert read.dtype == np.float32
    resized = resize_prediction(read, LARGE, "bilinear")
    # The 16-bit values resized as floats (Pillow 9 cannot resize an I;16 image bilinearly).
    as_16_bit = _pillow(values.astype(np.float32), "F", "bilinear").astype(np.float64) / 65535
    assert np.abs(resized - as_16_bit).max() <= 1 / 65535  # not quantised to 8 bits


def test_none_and_same_size_leave_the_prediction_unchanged() -> None:
    probabilities, _ = _pair(2)
    for method in RESIZE_METHODS:
        assert resize_prediction(probabilities, SMALL, method) is probabilities
    assert resize_prediction(probabilities, LARGE, "none") is probabilities
    assert check_resize(" Bicubic ") == "bicubic"
    with pytest.raises(MetricInputError, match="resize must be one of none, nearest"):
        check_resize("lanczos")
    with pytest.raises(MetricInputError, match="resize must be one of"):
        new_accumulator("default", resize="area")


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("method", list(FILTERS))
def test_compute_scores_and_accumulators_equal_scoring_pillow_resized_maps(
    protocol: str, method: str
) -> None:
    pairs = [_pair(seed) for seed in range(5)]
    maps = [np.rint(p * 255).astype(np.uint8) for p, _ in pairs]
    references = [r for _, r in pairs]
    expected = compute_scores(
        [_pillow(m, "L", method) for m in maps], references, protocol=protocol
    )
    assert compute_scores(maps, references, protocol=protocol, resize=method) == expected
    accumulator = new_accumulator(protocol, resize=method)
    for prediction, reference in zip(maps, references, strict=True):
        accumulator.update(prediction, reference)
    assert accumulator.result() == expected


def test_a_size_mismatch_without_resize_says_how_to_resize() -> None:
    probabilities, reference = _pair(3)
    with pytest.raises(MetricInputError, match="pass resize='bilinear'"):
        compute_scores([probabilities], [reference])
    # The prediction's values are checked before it is resized.
    with pytest.raises(MetricInputError, match="Logits must go through a sigmoid"):
        compute_scores([probabilities * 3], [reference], resize="bilinear")


def test_the_evaluate_module_takes_resize_at_load_or_with_the_masks(tmp_path) -> None:
    import evaluate

    from kvasir_seg.scores import evaluate_module_path

    pairs = [_pair(seed) for seed in range(3)]
    predictions, references = [p for p, _ in pairs], [r for _, r in pairs]
    expected = compute_scores(predictions, references, resize="bicubic", protocol="pranet")
    cache = str(tmp_path / "cache")
    at_load = evaluate.load(evaluate_module_path(), "pranet", resize="bicubic", cache_dir=cache)
    at_load.add_batch(predictions=predictions, references=references)
    assert at_load.compute() == expected
    metric = evaluate.load(evaluate_module_path(), "pranet", cache_dir=cache)
    assert metric.compute(predictions=predictions, references=references, resize="bicubic") == (
        expected
    )
    with pytest.raises(MetricInputError, match="resize must be one of"):
        evaluate.load(evaluate_module_path(), resize="lanczos", cache_dir=cache)


def test_the_command_line_offers_the_engines_protocols_and_filters() -> None:
    from kvasir_seg.app.cli import build_parser

    evaluate = build_parser()._subparsers._group_actions[0].choices["evaluate"]
    choices = {action.dest: action.choices for action in evaluate._actions}
    assert choices["protocol"] is PROTOCOLS and choices["resize"] is RESIZE_METHODS


def test_pranet_curves_are_the_toolbox_dice_curve() -> None:
    pairs = [_pair(seed) for seed in range(6)]
    maps = [np.rint(p * 255).astype(np.uint8) for p, _ in pairs]
    references = [r for _, r in pairs]
    accumulator = PraNetAccumulator(resize="bilinear")
    for prediction, reference in zip(maps, references, strict=True):
        accumulator.update(prediction, reference)
    curves = accumulator.curves()
    toolbox = pranet_toolbox_curves(
        [_pillow(prediction, "L", "bilinear") for prediction in maps],
        [reference * np.uint8(255) for reference in references],
    )
    # pysodmetrics orders its curves from threshold 255 down to 0, as the accumulator does.
    np.testing.assert_allclose(curves["dice"], toolbox["dice"], atol=1e-12)
    np.testing.assert_allclose(curves["iou"], toolbox["iou"], atol=1e-12)
    result = accumulator.result()
    assert result["mdice"] == curves["dice"].mean() and result["max_dice"] == curves["dice"].max()
    assert THRESHOLDS.shape == (256,) and THRESHOLDS[0] == 1.0 and THRESHOLDS[-1] == 0.0
    with pytest.raises(MetricInputError, match="at least one image"):
        PraNetAccumulator().curves()


def test_references_as_the_loaders_return_them_take_resized_predictions() -> None:
    """HF gives masks as PIL mode "1" images, TFDS as HxWx1 uint8 0/1: both read the same."""
    pairs = [_pair(seed) for seed in range(3)]
    maps = [np.rint(p * 255).astype(np.uint8) for p, _ in pairs]
    as_bool = [r for _, r in pairs]
    hugging_face = [Image.fromarray(r) for r in as_bool]
    assert hugging_face[0].mode == "1"
    tfds = [r.astype(np.uint8)[..., None] for r in as_bool]
    for protocol in PROTOCOLS:
        expected = compute_scores(maps, as_bool, protocol=protocol, resize="bilinear")
        for references in (hugging_face, tfds):
            found = compute_scores(maps, references, protocol=protocol, resize="bilinear")
            assert found == expected, protocol
