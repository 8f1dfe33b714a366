"""The torchmetrics metric against ``compute_scores`` on the same masks, in one run (CPU).

    python benchmarks/bench_torch.py               # 1000 masks of 352x352
    python benchmarks/bench_torch.py --count 100   # a smoke test

The masks are the synthetic polyps of ``bench_scores.py`` (float32 probability maps, uint8
0/255 references) at the network size most polyp models use. For each protocol:

- ``compute_scores`` on the numpy arrays (input checks included);
- ``KvasirSegMetric``: ``update`` with N x 1 x 352 x 352 tensors in batches of 16, as a
  validation loop calls it, then ``compute()``. The tensors are made beforehand (in a loop
  they are the network's output). Both protocols measure each image with the engine,
  reading the tensors in place, so the ratio is the metric's own overhead.

Both give the same numbers (checked equal); the ratio is metric time / engine time.
"""

from __future__ import annotations

import common  # noqa: F401  (first: every cache is isolated before a library reads it)

# isort: split

import argparse
import warnings

import numpy as np
import torch

from kvasir_seg.scores import compute_scores
from kvasir_seg.scores.torch import KvasirSegMetric

from common import report, seconds, synthetic_pair

SIZE = (352, 352)
BATCH = 16


def metric_run(protocol: str, batches: list[tuple[torch.Tensor, torch.Tensor]]) -> dict:
    metric = KvasirSegMetric(protocol)
    for predictions, references in batches:
        metric.update(predictions, references)
    return {name: float(value) for name, value in metric.compute().items()}


def bench(protocol: str, predictions: list, references: list, repeat: int) -> None:
    batches = [
        (
            torch.from_numpy(np.stack(predictions[i : i + BATCH]))[:, None],
            torch.from_numpy(np.stack(references[i : i + BATCH]))[:, None],
        )
        for i in range(0, len(predictions), BATCH)
    ]
    engine_time, engine = seconds(
        lambda: compute_scores(predictions, references, protocol=protocol), repeat=repeat
    )
    metric_time, metric = seconds(lambda: metric_run(protocol, batches), repeat=repeat)
    worst = max(abs(metric[name] - value) for name, value in engine.items())
    assert metric == engine, worst
    label = f"{protocol}: metric vs compute_scores"
    report(label, metric_time, engine_time, f"max |difference| {worst:.1e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="masks (default 1000)")
    count = parser.parse_args().count
    warnings.simplefilter("ignore")
    pairs = [synthetic_pair(seed, SIZE) for seed in range(count)]
    predictions, references = [p for p, _ in pairs], [r for _, r in pairs]
    print(
        f"{count} masks of {SIZE[0]}x{SIZE[1]}, batches of {BATCH}, torch {torch.__version__} "
        f"on {torch.get_num_threads()} CPU threads"
    )
    bench("default", predictions, references, repeat=3)
    bench("pranet", predictions, references, repeat=1)


if __name__ == "__main__":
    main()
