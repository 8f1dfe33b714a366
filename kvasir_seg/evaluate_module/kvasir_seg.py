"""Polyp segmentation scores for Kvasir-SEG, Kvasir-Sessile and KvasirCapsule-SEG.

The ``evaluate`` face of :mod:`kvasir_seg.scores`: the engine measures each image as it is
added and only that image's statistics go to ``evaluate``'s cache (a few numbers per image,
not the masks), so adding masks costs what the engine costs and ``compute`` reduces them.
"""

from __future__ import annotations

from typing import Any

import datasets
import evaluate

from kvasir_seg.errors import MetricInputError
from kvasir_seg.scores import PROTOCOLS, ScoreAccumulator, new_accumulator

_CITATION = """\
@inproceedings{jha2020kvasir,
  title={Kvasir-SEG: A Segmented Polyp Dataset},
  author={Jha, Debesh and Smedsrud, Pia H and Riegler, Michael A and Halvorsen, P{\\aa}l and
          de Lange, Thomas and Johansen, Dag and Johansen, H{\\aa}vard D},
  booktitle={MultiMedia Modeling (MMM)},
  pages={451--462},
  year={2020},
  publisher={Springer},
  doi={10.1007/978-3-030-37734-2_37}
}
@inproceedings{jha2021nanonet,
  title={NanoNet: Real-Time Polyp Segmentation in Video Capsule Endoscopy and Colonoscopy},
  author={Jha, Debesh and Tomar, Nikhil Kumar and Ali, Sharib and Riegler, Michael A and
          Johansen, H{\\aa}vard D and Johansen, Dag and de Lange, Thomas and Halvorsen, P{\\aa}l},
  booktitle={IEEE 34th International Symposium on Computer-Based Medical Systems (CBMS)},
  pages={37--43},
  year={2021},
  doi={10.1109/CBMS52027.2021.00014}
}
@inproceedings{fan2020pranet,
  title={PraNet: Parallel Reverse Attention Network for Polyp Segmentation},
  author={Fan, Deng-Ping and Ji, Ge-Peng and Zhou, Tao and Chen, Geng and Fu, Huazhu and
          Shen, Jianbing and Shao, Ling},
  booktitle={Medical Image Computing and Computer Assisted Intervention (MICCAI)},
  pages={263--273},
  year={2020},
  doi={10.1007/978-3-030-59725-2_26}
}
@inproceedings{fan2017structure,
  title={Structure-measure: A New Way to Evaluate Foreground Maps},
  author={Fan, Deng-Ping and Cheng, Ming-Ming and Liu, Yun and Li, Tao and Borji, Ali},
  booktitle={IEEE International Conference on Computer Vision (ICCV)},
  pages={4558--4567},
  year={2017},
  doi={10.1109/ICCV.2017.487}
}
@inproceedings{fan2018enhanced,
  title={Enhanced-alignment Measure for Binary Foreground Map Evaluation},
  author={Fan, Deng-Ping and Gong, Cheng and Cao, Yang and Ren, Bo and Cheng, Ming-Ming and
          Borji, Ali},
  booktitle={International Joint Conference on Artificial Intelligence (IJCAI)},
  pages={698--704},
  year={2018},
  doi={10.24963/ijcai.2018/97}
}
@inproceedings{margolin2014evaluate,
  title={How to Evaluate Foreground Maps?},
  author={Margolin, Ran and Zelnik-Manor, Lihi and Tal, Ayellet},
  booktitle={IEEE Conference on Computer Vision and Pattern Recognition (CVPR)},
  pages={248--255},
  year={2014},
  doi={10.1109/CVPR.2014.39}
}
"""

_DESCRIPTION = """\
Scores of binary polyp masks against reference masks, under two named protocols.
"default" (config name) follows the dataset authors (NanoNet): per image, prediction >
threshold, then Dice, IoU, precision, recall, specificity, accuracy and F2 as scikit-learn
computes them, averaged over images; the same pooled over all pixels; and the two-class
mean IoU of Hugging Face's `mean_iou`. "pranet" follows the benchmark tables (PraNet's
toolbox, pysodmetrics): per-image min-max rescaled 8-bit maps, mDice/mIoU over 256
thresholds, S-measure, E-measure, weighted F-measure and MAE.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions (list of masks): one per image, each a 2-D numpy array (or PIL image, or
        HxWx1 array as the HF/TFDS builders return): bool or 0/1 integers (a binary mask,
        used as is), integers in 0..255 (an 8-bit probability map, value / 255) or floats
        in [0, 1] (probabilities). Integer maps whose values are all 0 or 1 are read as
        binary masks. Sizes may differ between images, never within a pair.
    references (list of masks): same shapes, binary: bool, {0, 1} or {0, 255} (decided by
        the values present); anything else (e.g. raw JPEG masks) is an error: threshold it.
    threshold (float, default 0.5): "default" protocol; a pixel is polyp when its
        probability is > threshold. Must be fixed before masks are added: give it to
        `evaluate.load(..., threshold=...)`, or to `compute()` together with the masks.
    protocol ("default" or "pranet"): the config name given to `evaluate.load`, or
        given to `compute()` together with the masks.
    resize ("none", "nearest", "bilinear" or "bicubic", default "none"): the Pillow filter
        that resizes each prediction to its reference's size before scoring (8-bit maps as
        8-bit images, floats as floats, binary masks as 0/255 maps), e.g. for 352x352
        network outputs; "none" refuses a size mismatch. Fixed when masks are added, like
        the threshold: give it to `evaluate.load(..., resize=...)` or to `compute()`
        together with the masks.
    image_ids (list, optional): one id per image, in the order images were added (process 0's
        first in distributed use); keys the `per_image` output.
    inference_times (list of float, optional): seconds per image; adds `fps`.
    per_image (bool, default False): also return the scores of every image.

Returns (all in [0, 1] but the E-measures, whose maximum on an image of N pixels is
N / (N - 1), as in PraNet's toolbox):
    "default" protocol: `dice`, `iou`, `precision`, `recall`, `specificity`, `accuracy`,
        `f2` (mean over images, NanoNet's convention); `pooled_dice` ... `pooled_f2`
        (counts summed over all pixels); `two_class_mean_iou` (evaluate's `mean_iou` with
        num_labels=2 on 0/1 maps); `num_images`.
    "pranet" protocol: `mdice`, `miou`, `max_dice`, `max_iou`, `s_measure`,
        `mean_e_measure`, `max_e_measure`, `adaptive_e_measure`, `weighted_f_measure`,
        `mae`, `num_images`.
    `fps` (1 / mean inference time) when inference_times are given; `per_image`
    ({image_id or position: {score: value}}) when per_image=True.

Examples:
    >>> import numpy as np
    >>> import evaluate
    >>> from kvasir_seg.scores import evaluate_module_path
    >>> metric = evaluate.load(evaluate_module_path())
    >>> reference = np.zeros((4, 4), dtype=np.uint8); reference[1:3, 1:3] = 255
    >>> prediction = np.zeros((4, 4), dtype=np.float32); prediction[1:3, 1:4] = 0.8
    >>> results = metric.compute(predictions=[prediction], references=[reference])
    >>> round(results["dice"], 4), round(results["iou"], 4)
    (0.8, 0.6667)
"""

#: Settings that decide how masks are measured, so they must be known when masks are added.
_SETTINGS = ("protocol", "threshold", "resize")


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class KvasirSeg(evaluate.Metric):
    """Dice, IoU and the benchmark scores of polyp masks (see the module's docstring)."""

    def __init__(
        self, *args: Any, threshold: float = 0.5, resize: str = "none", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._settings = {"protocol": self.config_name, "threshold": threshold, "resize": resize}
        self._accumulator()  # validates the settings now rather than at the first add

    def _info(self) -> evaluate.MetricInfo:
        if self.config_name not in PROTOCOLS:
            raise MetricInputError(
                f"Unknown config {self.config_name!r}; choose a protocol: {', '.join(PROTOCOLS)}."
            )
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            # What is stored per image: the engine's statistics, never the masks. The
            # prediction side holds its hits and false alarms, the reference side its polyp
            # and total pixel counts (see ConfusionCounts / PraNetImageStatistics).
            features=datasets.Features(
                {
                    "predictions": datasets.Sequence(datasets.Value("float64")),
                    "references": datasets.Sequence(datasets.Value("int64")),
                }
            ),
            homepage="https://datasets.simula.no/kvasir-seg/",
            reference_urls=[
                "https://github.com/DebeshJha/NanoNet",
                "https://github.com/DengPingFan/PraNet",
                "https://github.com/lartpang/PySODMetrics",
            ],
        )

    def _accumulator(self) -> ScoreAccumulator:
        """An empty accumulator of the current settings: it measures the masks as they are
        added, and folds the stored statistics in ``_compute``."""
        return new_accumulator(
            self._settings["protocol"], self._settings["threshold"], self._settings["resize"]
        )

    def _measure(self, predictions: Any, references: Any) -> tuple[list, list]:
        if predictions is None or references is None:
            raise MetricInputError("Give both predictions and references.")
        columns = [
            image.to_columns()
            for image in self._accumulator().measure_batch(predictions, references)
        ]
        return [c[0] for c in columns], [c[1] for c in columns]

    def add_batch(self, *, predictions: Any = None, references: Any = None, **kwargs: Any) -> None:
        """Measure a batch of masks and store their per-image statistics."""
        if predictions is not None and not len(predictions):
            raise MetricInputError("Empty batch: give at least one prediction/reference pair.")
        prediction_columns, reference_columns = self._measure(predictions, references)
        super().add_batch(predictions=prediction_columns, references=reference_columns, **kwargs)

    def add(self, *, prediction: Any = None, reference: Any = None, **kwargs: Any) -> None:
        """Measure one pair of masks and store its statistics."""
        if prediction is None or reference is None:
            raise MetricInputError("Give both a prediction and a reference.")
        prediction_columns, reference_columns = self._measure([prediction], [reference])
        # Stored as a batch of one: datasets before 4.8.5 buffers a single example and
        # writes it after the batches added later, so add() then add_batch() reordered the
        # images against the image_ids given to compute (per-image scores misnamed).
        batch = {name: [value] for name, value in kwargs.items()}
        super().add_batch(predictions=prediction_columns, references=reference_columns, **batch)

    def compute(
        self, *, predictions: Any = None, references: Any = None, **kwargs: Any
    ) -> dict[str, Any] | None:
        """Compute the scores; ``protocol``/``threshold`` here apply to the masks given here."""
        requested = {name: kwargs.pop(name) for name in _SETTINGS if name in kwargs}
        changed = {k: v for k, v in requested.items() if v != self._settings[k]}
        if changed and self.writer is not None:
            raise MetricInputError(
                f"{changed} given to compute() but masks were already added with "
                f"{self._settings}; give these settings to evaluate.load(...) instead."
            )
        saved = dict(self._settings)
        self._settings.update(requested)
        try:
            self._accumulator()  # validates the settings given here
            return super().compute(predictions=predictions, references=references, **kwargs)
        finally:
            self._settings = saved

    def _compute(
        self,
        predictions: list[list[float]],
        references: list[list[int]],
        image_ids: list | None = None,
        inference_times: list[float] | None = None,
        per_image: bool = False,
    ) -> dict[str, Any]:
        count = len(predictions)
        for name, values in (("image_ids", image_ids), ("inference_times", inference_times)):
            if values is not None and len(values) != count:
                raise MetricInputError(
                    f"{len(values)} {name} for {count} images; give one per image."
                )
        accumulator = self._accumulator()
        for index, (prediction, reference) in enumerate(zip(predictions, references, strict=True)):
            accumulator.add_columns(
                prediction,
                reference,
                image_id=None if image_ids is None else image_ids[index],
                inference_time=None if inference_times is None else inference_times[index],
            )
        return accumulator.result(per_image=per_image)
