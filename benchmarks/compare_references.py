"""How this engine's numbers relate to the references users compare against, on the same masks.

    python benchmarks/compare_references.py           # 300 pairs, a few minutes on 2 cores
    python benchmarks/compare_references.py --quick   # 60 pairs

Prints, for every reference that can be imported here, the largest absolute difference
from the engine on the same masks, and how each one scores the empty-mask cases. The metric
card's section "Which number to report" quotes this output. References:

- pysodmetrics (the PraNet toolbox's Python port), stepped as the toolbox runs it;
- NanoNet's ``calculate_metrics``: both masks > 0.5, flattened, scikit-learn's scores with
  NanoNet's arguments, per image, then the mean over images (these two are the tests'
  reference implementations, ``tests/oracles.py``);
- torchmetrics: ``binary_f1_score(multidim_average="samplewise")`` (Dice per image) and
  ``binary_jaccard_index`` per image; ``segmentation.DiceScore`` and ``MeanIoU``;
- MONAI: ``DiceMetric`` / ``MeanIoU`` with ``ignore_empty`` True (default) and False;
- segmentation_models_pytorch: ``get_stats`` then ``f1_score`` / ``iou_score`` with
  ``reduction="micro-imagewise"``, ``zero_division`` 1 (default) and 0. Its package imports
  torchvision on import; when that fails, ``metrics/functional.py`` (torch only) is loaded
  from the installed package's files.

Hugging Face ``evaluate``'s ``mean_iou`` is a Hub script that ``evaluate.load`` downloads:
offline, it is reported as not loadable, and the engine's ``two_class_mean_iou`` (its
formula) is printed next to the per-image IoU instead.
"""

from __future__ import annotations

import common  # noqa: F401  (first: every cache is isolated before a library reads it)

# isort: split

import argparse
import importlib
import importlib.metadata
import importlib.util
import warnings
from collections.abc import Callable
from types import ModuleType

import numpy as np

from kvasir_seg.scores import compute_scores

from oracles import mean_over_images, nanonet_calculate_metrics, pranet_toolbox_scores

#: Cases of the empty-mask table: (reference, prediction) as (empty?, empty?).
EMPTY_CASES = {
    "empty ref, empty pred": (True, True),
    "empty ref, pred not empty": (True, False),
    "ref not empty, empty pred": (False, True),
}


def version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def make_pairs(count: int, seed: int = 2024) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """8-bit probability maps and bool references of round polyps, 10 % of references empty,
    5 % of predictions empty, odd and even sizes from 40 to 200 pixels."""
    rng = np.random.default_rng(seed)
    maps, references = [], []
    for index in range(count):
        height, width = (int(v) for v in rng.integers(40, 200, 2))
        rows, columns = np.mgrid[:height, :width]
        centre = rng.uniform(0.25, 0.75, 2) * (height, width)
        radius = rng.uniform(0.08, 0.3) * min(height, width)
        distance = np.hypot(rows - centre[0], columns - centre[1])
        reference = distance < radius
        moved = np.hypot(rows - centre[0] - rng.normal(0, 4), columns - centre[1])
        soft = 1 / (1 + np.exp((moved - radius * rng.uniform(0.8, 1.2)) / rng.uniform(1, 5)))
        probabilities = np.clip(soft + rng.normal(0, 0.05, soft.shape), 0, 1)
        if index % 10 == 3:
            reference = np.zeros_like(reference)
        if index % 20 == 7 or index % 20 == 13:
            probabilities = probabilities * 0.3  # nothing above 0.5: an empty prediction
        maps.append(np.rint(probabilities * 255).astype(np.uint8))
        references.append(reference)
    return maps, references


def worst(ours: dict[str, float], theirs: dict[str, float]) -> float:
    return max(abs(ours[name] - float(value)) for name, value in theirs.items())


def smp_functional() -> ModuleType:
    """segmentation_models_pytorch's metric functions (torch only), however it installs."""
    try:
        return importlib.import_module("segmentation_models_pytorch.metrics.functional")
    except ImportError:
        spec = importlib.util.find_spec("segmentation_models_pytorch")
        if spec is None or not spec.submodule_search_locations:
            raise
        path = f"{spec.submodule_search_locations[0]}/metrics/functional.py"
        loader = importlib.util.spec_from_file_location("smp_metrics_functional", path)
        module = importlib.util.module_from_spec(loader)
        loader.loader.exec_module(module)
        return module


def torch_references() -> dict[str, Callable[[list, list], dict[str, float]]]:
    """Each torch library's per-image-mean Dice and IoU, under its named settings."""
    import torch

    # Counts are exact either way; float64 keeps the ratios from float32 rounding (~1e-9).
    torch.set_default_dtype(torch.float64)
    found: dict[str, Callable] = {}

    def tensors(predicted: np.ndarray, reference: np.ndarray):
        return torch.from_numpy(predicted.astype(np.int64)), torch.from_numpy(
            reference.astype(np.int64)
        )

    try:
        from torchmetrics.functional.classification import binary_f1_score, binary_jaccard_index
        from torchmetrics.segmentation import DiceScore, MeanIoU

        def torchmetrics_samplewise(predicted: list, references: list) -> dict[str, float]:
            dice, iou = [], []
            for p, r in zip(predicted, references, strict=True):
                tp, tr = tensors(p, r)
                dice.append(
                    binary_f1_score(
                        tp[None].double(), tr[None], multidim_average="samplewise"
                    ).item()
                )
                iou.append(binary_jaccard_index(tp.double(), tr).item())
            return {"dice": float(np.mean(dice)), "iou": float(np.mean(iou))}

        def torchmetrics_segmentation(predicted: list, references: list) -> dict[str, float]:
            dice = DiceScore(num_classes=2, include_background=False, input_format="index")
            iou = MeanIoU(num_classes=2, include_background=False, input_format="index")
            for p, r in zip(predicted, references, strict=True):
                tp, tr = tensors(p, r)
                dice.update(tp[None], tr[None])
                iou.update(tp[None], tr[None])
            return {"dice": dice.compute().item(), "iou": iou.compute().item()}

        found["torchmetrics binary_f1_score samplewise / binary_jaccard_index"] = (
            torchmetrics_samplewise
        )
        found["torchmetrics segmentation.DiceScore / MeanIoU"] = torchmetrics_segmentation
    except ImportError as error:
        print(f"  torchmetrics: not importable ({error})")

    try:
        from monai.metrics import compute_dice, compute_iou

        def monai(ignore_empty: bool) -> Callable:
            def run(predicted: list, references: list) -> dict[str, float]:
                dice, iou = [], []
                for p, r in zip(predicted, references, strict=True):
                    tp, tr = (t[None, None].double() for t in tensors(p, r))
                    dice.append(compute_dice(tp, tr, ignore_empty=ignore_empty).item())
                    iou.append(compute_iou(tp, tr, ignore_empty=ignore_empty).item())
                # MONAI's "mean" reduction leaves NaN (skipped images) out.
                return {"dice": float(np.nanmean(dice)), "iou": float(np.nanmean(iou))}

            return run

        found["MONAI compute_dice / compute_iou, ignore_empty=True (default)"] = monai(True)
        found["MONAI compute_dice / compute_iou, ignore_empty=False"] = monai(False)
    except ImportError as error:
        print(f"  MONAI: not importable ({error})")

    try:
        functional = smp_functional()

        def smp(zero_division: float) -> Callable:
            def run(predicted: list, references: list) -> dict[str, float]:
                dice, iou = [], []
                for p, r in zip(predicted, references, strict=True):
                    tp, tr = (t[None, None] for t in tensors(p, r))
                    stats = functional.get_stats(tp, tr, mode="binary")
                    options = {"reduction": "micro-imagewise", "zero_division": zero_division}
                    dice.append(functional.f1_score(*stats, **options).item())
                    iou.append(functional.iou_score(*stats, **options).item())
                return {"dice": float(np.mean(dice)), "iou": float(np.mean(iou))}

            return run

        found["smp f1_score / iou_score micro-imagewise, zero_division=1 (default)"] = smp(1.0)
        found["smp f1_score / iou_score micro-imagewise, zero_division=0"] = smp(0.0)
    except ImportError as error:
        print(f"  segmentation_models_pytorch: not importable ({error})")
    return found


def empty_case(case: tuple[bool, bool]) -> tuple[np.ndarray, np.ndarray]:
    """(binary prediction, reference) of one empty-mask case, 16x16."""
    polyp = np.zeros((16, 16), bool)
    polyp[4:10, 5:12] = True
    empty = np.zeros_like(polyp)
    reference_empty, prediction_empty = case
    return (empty if prediction_empty else polyp), (empty if reference_empty else polyp)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="60 pairs only")
    args = parser.parse_args()
    count = 60 if args.quick else 300
    maps, references = make_pairs(count)
    binary = [m / 255 > 0.5 for m in maps]
    non_empty = [i for i, r in enumerate(references) if r.any()]
    print(
        f"{count} pairs, {count - len(non_empty)} empty references, "
        f"{sum(not b.any() for b in binary)} empty predictions (prediction > 0.5)\n"
    )

    print(f"PraNet protocol vs pysodmetrics {version('pysodmetrics')} (8-bit maps):")
    grey = [r.astype(np.uint8) * 255 for r in references]
    theirs = pranet_toolbox_scores(maps, grey)
    ours = compute_scores(maps, references, protocol="pranet")
    if np.isnan(theirs["s_measure"]):
        theirs.pop("s_measure")
        print("  (pysodmetrics' S-measure is NaN on this set: a centroid on the last row/column)")
    print(f"  max |difference| over {', '.join(theirs)}: {worst(ours, theirs):.1e}")

    sklearn = version("scikit-learn")
    print(f"\nDefault protocol vs NanoNet's calculate_metrics (scikit-learn {sklearn}):")
    nanonet = mean_over_images(
        [nanonet_calculate_metrics(r, p) for p, r in zip(binary, references, strict=True)]
    )
    default = compute_scores(binary, references)
    print(f"  max |difference| over {', '.join(nanonet)}: {worst(default, nanonet):.1e}")
    print(
        f"  two_class_mean_iou (evaluate's mean_iou formula) {default['two_class_mean_iou']:.4f}"
        f" vs per-image IoU {default['iou']:.4f} and pooled IoU {default['pooled_iou']:.4f}"
    )
    try:
        import evaluate

        evaluate.load("mean_iou")
        print("  evaluate.load('mean_iou') loaded: compare it with two_class_mean_iou")
    except Exception as error:  # offline: the Hub script cannot be fetched
        reason = type(error).__name__
        print(f"  evaluate.load('mean_iou') {version('evaluate')}: not loadable here ({reason})")

    print(
        f"\nTorch libraries (torch {version('torch')}, torchmetrics {version('torchmetrics')}, "
        f"monai {version('monai')}, segmentation_models_pytorch "
        f"{version('segmentation_models_pytorch')}):"
    )
    subsets = {
        "all images": range(count),
        "no empty/empty pair": [i for i in range(count) if references[i].any() or binary[i].any()],
        "non-empty refs": non_empty,
    }
    cases = {name: empty_case(case) for name, case in EMPTY_CASES.items()}
    print("  max |difference| of the mean Dice and IoU over images from the engine's, on:")
    print(f"  {'':<68}" + "".join(f"{name:>20}" for name in subsets))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, run in torch_references().items():
            cells = []
            for chosen in subsets.values():
                theirs = run([binary[i] for i in chosen], [references[i] for i in chosen])
                engine = compute_scores(
                    [binary[i] for i in chosen], [references[i] for i in chosen]
                )
                cells.append(max(abs(engine[k] - v) for k, v in theirs.items()))
            print(f"  {name:<68}" + "".join(f"{cell:>20.1e}" for cell in cells))
        print("\n  Dice of one image in each empty-mask case (" + "; ".join(cases) + "):")
        engine = ", ".join(f"{compute_scores([p], [r])['dice']:g}" for p, r in cases.values())
        print(f"  {'this engine (default protocol), NanoNet, scikit-learn':<68}  {engine}")
        for name, run in torch_references().items():
            empties = ", ".join(f"{run([p], [r])['dice']:g}" for p, r in cases.values())
            print(f"  {name:<68}  {empties}")


if __name__ == "__main__":
    main()
