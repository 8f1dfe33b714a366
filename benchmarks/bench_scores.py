"""Speed and memory of kvasir_seg.scores against plain baselines, in one run; prints ratios.

    python benchmarks/bench_scores.py            # full run (a few minutes on 2 cores)
    python benchmarks/bench_scores.py --quick    # 10 + 100 masks, a smoke test

Two data sets of synthetic polyps (a round blob and a blurred, noisy probability map):
100 masks of 1000x1000 and 1000 masks at Kvasir-SEG's real sizes. For each:

1. default protocol: the engine (input checks included) against a plain numpy loop of
   confusion counts (``pred > 0.5``, ``ref > 127``, four ``count_nonzero``); target <= 1.2x;
2. the ``evaluate`` module (``add_batch`` in batches of 16, then ``compute``) against the
   same loop; and, on a few masks, a naive module that declares the masks themselves as
   Arrow features, to show what the per-image-statistics design saves;
3. PraNet protocol: the engine against pysodmetrics' classes stepped the way the PraNet
   toolbox runs them; target >= 2x faster, numbers equal to 1e-6;
4. peak traced memory (tracemalloc) of making and streaming 1000 masks through each
   accumulator, against the same for the largest pair alone, and what the accumulator
   still holds after 1000 images.
"""

from __future__ import annotations

import common  # noqa: F401  (first: every cache is isolated before a library reads it)

# isort: split

import argparse
import shutil
import tempfile
import tracemalloc
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from kvasir_seg.scores import compute_scores, evaluate_module_path, new_accumulator

from common import kvasir_shapes, report, seconds, synthetic_pair
from oracles import pranet_toolbox_scores


def baseline_loop(predictions: list, references: list) -> float:
    """Plain numpy: per-image confusion counts, per-image Dice, mean over images."""
    dice = []
    for prediction, reference in zip(predictions, references, strict=True):
        positive = prediction > 0.5
        polyp = reference > 127
        tp = np.count_nonzero(positive & polyp)
        fp = np.count_nonzero(positive & ~polyp)
        fn = np.count_nonzero(~positive & polyp)
        _tn = np.count_nonzero(~positive & ~polyp)
        dice.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    return float(np.mean(dice))


def load_module(path: str | Path, cache: str, **settings: object):
    import evaluate

    return evaluate.load(str(path), cache_dir=cache, **settings)


def evaluate_module_run(metric, predictions: list, references: list) -> dict:
    """add_batch in batches of 16, then compute, as a training loop would."""
    for start in range(0, len(predictions), 16):
        metric.add_batch(
            predictions=predictions[start : start + 16], references=references[start : start + 16]
        )
    return metric.compute()


_NAIVE_SCRIPT = """
import datasets
import evaluate

from kvasir_seg.scores import compute_scores


class NaiveMasks(evaluate.Metric):
    def _info(self):
        mask = datasets.Sequence(datasets.Sequence(datasets.Value("float32")))
        reference = datasets.Sequence(datasets.Sequence(datasets.Value("uint8")))
        features = datasets.Features({"predictions": mask, "references": reference})
        return evaluate.MetricInfo(description="", citation="", features=features)

    def _compute(self, predictions, references):
        return compute_scores(predictions, references)
"""


def naive_module(cache: str):
    """A module declaring the masks themselves as features (as mean_iou-style modules do)."""
    folder = Path(cache) / "naive_masks"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "naive_masks.py").write_text(_NAIVE_SCRIPT)
    return load_module(folder, cache)


def traced_memory(run: Callable[[], object]) -> tuple[int, int]:
    """(peak, still held at the end) bytes traced by tracemalloc around ``run``.

    numpy reports its buffers to tracemalloc, so this counts the masks and temporaries.
    The value ``run`` returns is kept alive until the end is measured.
    """
    tracemalloc.start()
    try:
        kept = run()
        current, peak = tracemalloc.get_traced_memory()
        del kept
        return peak, current
    finally:
        tracemalloc.stop()


def stream(protocol: str, pairs: Iterator[tuple]) -> object:
    """Score pairs made on the fly; return the accumulator (its state is what is held)."""
    accumulator = new_accumulator(protocol)
    for prediction, reference in pairs:
        accumulator.update(prediction, reference)
        del prediction, reference  # not alive while the next pair is made
    accumulator.result()
    return accumulator


def bench_set(name: str, shapes: list[tuple[int, int]], cache: str, naive_count: int) -> None:
    pixels = sum(h * w for h, w in shapes)
    mean = pixels / len(shapes)
    print(f"\n{name}: {len(shapes)} masks, {pixels / 1e6:.0f} Mpx, mean {mean:,.0f} px")
    pairs = [synthetic_pair(seed, shape) for seed, shape in enumerate(shapes)]
    predictions = [p for p, _ in pairs]
    references = [r for _, r in pairs]
    maps = [(p * 255).astype(np.uint8) for p in predictions]

    loop_time, loop_dice = seconds(lambda: baseline_loop(predictions, references), repeat=3)
    engine_time, engine = seconds(lambda: compute_scores(predictions, references), repeat=3)
    assert abs(engine["dice"] - loop_dice) < 1e-12, (engine["dice"], loop_dice)
    report("default protocol: engine vs numpy loop", engine_time, loop_time, "target <= 1.2x")

    metric = load_module(evaluate_module_path(), cache)
    module_time, module = seconds(lambda: evaluate_module_run(metric, predictions, references))
    assert abs(module["dice"] - loop_dice) < 1e-12
    report("evaluate module vs numpy loop", module_time, loop_time, "per-image statistics")
    if naive_count:
        few_p, few_r = predictions[:naive_count], references[:naive_count]
        few_loop, _ = seconds(lambda: baseline_loop(few_p, few_r), repeat=3)
        naive = naive_module(cache)
        naive_time, _ = seconds(lambda: naive.compute(predictions=few_p, references=few_r))
        label = f"naive module (masks as Arrow features), {naive_count} masks"
        report(label, naive_time, few_loop, "for comparison")

    theirs_time, theirs = seconds(lambda: pranet_toolbox_scores(maps, references))
    ours_time, ours = seconds(lambda: compute_scores(maps, references, protocol="pranet"))
    worst = max(abs(ours[key] - float(value)) for key, value in theirs.items())
    report("PraNet protocol: engine vs pysodmetrics", ours_time, theirs_time, "target <= 0.5x")
    print(f"  {'':<48} speed-up {theirs_time / ours_time:.2f}x, max |difference| {worst:.1e}")


def bench_memory(shapes: list[tuple[int, int]]) -> None:
    largest = max(range(len(shapes)), key=lambda i: shapes[i][0] * shapes[i][1])
    size = shapes[largest]
    print(f"\ntraced memory: making and scoring pairs one at a time (largest {size})")
    for protocol in ("default", "pranet"):
        one, _ = traced_memory(lambda p=protocol: stream(p, iter([synthetic_pair(largest, size)])))
        everything, held = traced_memory(
            lambda p=protocol: stream(
                p, (synthetic_pair(seed, shape) for seed, shape in enumerate(shapes))
            )
        )
        print(
            f"  {protocol:<8} peak, 1 mask {one / 2**20:6.1f} MiB; {len(shapes)} masks "
            f"{everything / 2**20:6.1f} MiB (ratio {everything / one:4.2f}x); held after "
            f"{len(shapes)} masks {held / 2**10:6.1f} KiB ({held / len(shapes):.0f} B/image)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 + 100 masks only")
    args = parser.parse_args()
    large, kvasir = (10, 100) if args.quick else (100, 1000)
    warnings.simplefilter("ignore")
    cache = tempfile.mkdtemp(prefix="bench-scores-")
    try:
        bench_set("1000x1000", [(1000, 1000)] * large, cache, naive_count=10)
        shapes = kvasir_shapes(kvasir)
        bench_set("Kvasir-SEG sizes", shapes, cache, naive_count=50)
        bench_memory(shapes)
    finally:
        shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
