"""The metric card's measured claims, checked with the references installed for the tests.

The card quotes ``benchmarks/compare_references.py``; this runs its comparisons on a
smaller set of the same masks (empty references and empty predictions included) against
the references it uses, the tests' oracles (pysodmetrics and NanoNet's scikit-learn code),
and checks the empty-mask conventions the card states.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from kvasir_seg.scores import compute_scores

from oracles import mean_over_images, nanonet_calculate_metrics, pranet_toolbox_scores

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def script():
    """benchmarks/compare_references.py, imported with its folder on the path."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        spec = importlib.util.spec_from_file_location(
            "compare_references", BENCHMARKS / "compare_references.py"
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(BENCHMARKS))


@pytest.fixture(scope="module")
def masks(script) -> tuple[list[np.ndarray], list[np.ndarray]]:
    return script.make_pairs(40)


def test_the_masks_hold_every_empty_case(masks) -> None:
    maps, references = masks
    binary = [m / 255 > 0.5 for m in maps]
    assert sum(not r.any() for r in references) == 4
    assert any(not r.any() and not b.any() for r, b in zip(references, binary, strict=True))
    assert any(not r.any() and b.any() for r, b in zip(references, binary, strict=True))
    assert any(r.any() and not b.any() for r, b in zip(references, binary, strict=True))


def test_pranet_protocol_equals_pysodmetrics_to_rounding(script, masks) -> None:
    maps, references = masks
    theirs = pranet_toolbox_scores(maps, [r.astype(np.uint8) * 255 for r in references])
    if np.isnan(theirs["s_measure"]):  # the card's documented deviation
        theirs.pop("s_measure")
    assert len(theirs) >= 9
    assert script.worst(compute_scores(maps, references, protocol="pranet"), theirs) <= 1e-15


def test_default_protocol_equals_nanonet_calculate_metrics(script, masks) -> None:
    maps, references = masks
    binary = [m / 255 > 0.5 for m in maps]
    nanonet = mean_over_images(
        [nanonet_calculate_metrics(r, p) for p, r in zip(binary, references, strict=True)]
    )
    assert script.worst(compute_scores(binary, references), nanonet) <= 1e-15


def test_empty_mask_conventions_of_the_card(script) -> None:
    for name, case in script.EMPTY_CASES.items():
        prediction, reference = script.empty_case(case)
        assert compute_scores([prediction], [reference])["dice"] == 0.0, name
        row = nanonet_calculate_metrics(reference, prediction)
        assert row["dice"] == 0.0 and row["iou"] == 0.0, name


def test_two_class_mean_iou_is_another_number_than_the_polyp_iou(masks) -> None:
    maps, references = masks
    scores = compute_scores([m / 255 > 0.5 for m in maps], references)
    assert scores["two_class_mean_iou"] > scores["pooled_iou"] > scores["iou"]


def test_the_e_measures_reach_n_over_n_minus_1_as_the_card_says() -> None:
    reference = np.zeros((50, 60), bool)
    reference[10:30, 20:40] = True
    scores = compute_scores([reference.astype(np.float32)], [reference], protocol="pranet")
    pixels = reference.size
    for name in ("max_e_measure", "adaptive_e_measure"):
        assert scores[name] == pytest.approx(pixels / (pixels - 1), abs=1e-12), name
        assert scores[name] > 1.0
    others = {k: v for k, v in scores.items() if "e_measure" not in k and k != "num_images"}
    assert all(0.0 <= value <= 1.0 for value in others.values()), others
    card = (
        Path(__file__).resolve().parents[1] / "kvasir_seg" / "evaluate_module" / "README.md"
    ).read_text()
    assert "All scores lie in [0, 1]" not in card
    assert "N / (N - 1)" in card and "1.000333 on a 50 x 60 image" in card
