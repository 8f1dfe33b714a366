"""Polyp segmentation scores as a Hugging Face ``evaluate`` metric (Kvasir-SEG and its kin).

For Kvasir-SEG, Kvasir-Sessile, KvasirCapsule-SEG and Kvasir-Instrument, or any binary
segmentation. Load it with ``evaluate.load(kvasir_seg.scores.evaluate_module_path())``.
:mod:`kvasir_seg.scores` measures each image as it is added and only that image's
statistics go to ``evaluate``'s cache (a few numbers per image, not the masks), so adding
masks costs what :func:`kvasir_seg.scores.compute_scores` costs, and ``compute`` reduces
the statistics to the same numbers.
"""

from __future__ import annotations

from typing import Any

import datasets
import evaluate

from kvasir_seg.errors import MetricInputError
from kvasir_seg.score_settings import DEFAULT_THRESHOLD
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
Dice, IoU and the benchmark scores of predicted polyp masks against reference masks.

Two protocols (the config name), each the convention of the papers that report it.
"default" follows the dataset authors (NanoNet): per image, prediction > threshold, then
Dice, IoU, precision, recall, specificity, accuracy and F2 as scikit-learn computes them,
averaged over images; the same pooled over all pixels; and the two-class mean IoU of
Hugging Face's `mean_iou`. "pranet" follows the benchmark tables (PraNet's toolbox,
pysodmetrics): per-image min-max rescaled 8-bit maps, mDice/mIoU over 256 thresholds,
S-measure, E-measure, weighted F-measure and MAE. Only per-image statistics are stored,
never the masks.
"""

_KWARGS_DESCRIPTION = """
Args:
    predictions (`list` of masks): one per image, each H x W: a 2-D numpy array (or
        anything `numpy.asarray` reads, e.g. a CPU tensor), a PIL image, or an H x W x 1 /
        1 x H x W array as the Hugging Face and TFDS builders return. The values decide
        how it is read: bool, or integers all 0 or 1, is a binary mask used as it is;
        other integers in 0..255 an 8-bit probability map (value / 255); floats in [0, 1]
        probabilities. Logits (values outside [0, 1]), NaN and infinity are refused. Sizes
        may differ between images, never within a pair (unless `resize`).
    references (`list` of masks): one per prediction, binary: bool, {0, 1} or {0, 255}
        (integers or floats; decided by the values present). Anything else (e.g. the
        archives' raw JPEG masks, values 0..10 and 245..255) is refused: threshold it
        first (`kvasir_seg.masks.threshold_mask`).
    threshold (`float`, *optional*, defaults to 0.5): "default" protocol only; in [0, 1].
        A pixel is polyp when its probability is > threshold (an 8-bit map: value / 255 >
        threshold). Masks are measured when they are added, so give it to
        `evaluate.load(..., threshold=...)`, or to `compute()` together with the masks.
    protocol (`str`, "default" or "pranet"): the config name given to `evaluate.load`, or
        given to `compute()` together with the masks.
    resize (`str`, *optional*, defaults to "none"): "nearest", "bilinear" or "bicubic":
        the Pillow filter that resizes each prediction to its reference's size before
        scoring (8-bit maps as 8-bit images, floats as floats clipped to [0, 1], binary
        masks as 0/255 maps), e.g. for 352x352 network outputs; "none" refuses a size
        mismatch. Fixed when masks are added, like the threshold: give it to
        `evaluate.load(..., resize=...)` or to `compute()` together with the masks.
    image_ids (`list`, *optional*, to `compute`): one unique id per image, in the order the
        images were added (process 0's first in distributed use); keys the `per_image`
        output.
    inference_times (`list` of `float`, *optional*, to `compute`): seconds per image,
        finite and positive; adds `fps`.
    per_image (`bool`, *optional*, defaults to `False`, to `compute`): also return the
        scores of every image.
    *args: passed to `evaluate.Metric` as they are.
    **kwargs: the rest of `evaluate.load`'s arguments (`config_name`, `cache_dir`,
        `num_process`, `process_id`, `experiment_id`, ...), passed to `evaluate.Metric`.

Returns:
    `dict`: the protocol's scores as floats, higher is better except for `mae`. Every
    score lies in [0, 1] but the E-measures, whose maximum on an image of N pixels is
    N / (N - 1), as in PraNet's toolbox.
    "default" protocol:
    - *dice*, *iou*, *precision*, *recall*, *specificity*, *accuracy*, *f2* (`float`):
        the mean over images of each image's score (NanoNet's DSC, mIoU, ...). When a
        denominator is 0: 0 for dice, iou, recall, specificity; 1 for precision and f2
        (an empty prediction of an empty reference scores dice 0).
    - *pooled_dice* ... *pooled_f2* (`float`): the same formulas on the counts summed over
        all pixels of all images.
    - *two_class_mean_iou* (`float`): `evaluate`'s `mean_iou` with num_labels=2 on 0/1
        maps: pooled counts, the mean of the background and polyp IoU.
    "pranet" protocol:
    - *mdice*, *miou* (`float`): Dice and IoU of the mean over images, averaged over the
        256 thresholds (the tables' mDice and mIoU); *max_dice*, *max_iou*: at the best
        threshold.
    - *mean_e_measure*, *max_e_measure* (`float`): the E-measure over the thresholds, mean
        and max; *adaptive_e_measure*: at the threshold 2 * mean(p) of each image.
    - *s_measure* (alpha 0.5), *weighted_f_measure* (beta 1), *mae* (`float`): means over
        images.
    Both protocols:
    - *num_images* (`int`): the images scored.
    - *fps* (`float`): 1 / mean inference time, when `inference_times` are given.
    - *per_image* (`dict`): {image_id, else position from 0: {score: value}} when
        `per_image=True`; the "default" protocol adds each image's `tp`, `fp`, `fn`, `tn`
        counts, and `inference_time` when times are given.

Raises:
    MetricInputError (a `ValueError`): an unknown config, threshold or resize filter; a
    mask that is refused (the message names the image's place in the batch); lists of
    unequal length; an empty batch; a setting given to `compute()` that differs from the
    one the masks were added with.

Examples:
    >>> import numpy as np
    >>> import evaluate
    >>> from kvasir_seg.scores import evaluate_module_path
    >>> metric = evaluate.load(evaluate_module_path())  # "default" protocol
    >>> reference = np.zeros((4, 4), dtype=np.uint8); reference[1:3, 1:3] = 255
    >>> prediction = np.zeros((4, 4), dtype=np.float32); prediction[1:3, 1:4] = 0.8
    >>> results = metric.compute(predictions=[prediction, reference],
    ...                          references=[reference, reference], image_ids=["a", "b"],
    ...                          inference_times=[0.02, 0.03], per_image=True)
    >>> rounded = {name: round(value, 4) for name, value in results.items() if name != "per_image"}
    >>> rounded  # doctest: +NORMALIZE_WHITESPACE
    {'dice': 0.9, 'iou': 0.8333, 'precision': 0.8333, 'recall': 1.0, 'specificity': 0.9167,
     'accuracy': 0.9375, 'f2': 0.9545, 'pooled_dice': 0.8889, 'pooled_iou': 0.8,
     'pooled_precision': 0.8, 'pooled_recall': 1.0, 'pooled_specificity': 0.9167,
     'pooled_accuracy': 0.9375, 'pooled_f2': 0.9524, 'two_class_mean_iou': 0.8583,
     'num_images': 2, 'fps': 40.0}
    >>> results["per_image"]["a"]["dice"], results["per_image"]["a"]["fp"]
    (0.8, 2)
    >>> benchmark = evaluate.load(evaluate_module_path(), "pranet")
    >>> results = benchmark.compute(predictions=[prediction], references=[reference])
    >>> {name: round(value, 4) for name, value in results.items()}  # doctest: +NORMALIZE_WHITESPACE
    {'mdice': 0.7984, 'miou': 0.665, 'max_dice': 0.8, 'max_iou': 0.6667, 's_measure': 0.8312,
     'mean_e_measure': 0.8795, 'max_e_measure': 0.8819, 'adaptive_e_measure': 0.8819,
     'weighted_f_measure': 0.7798, 'mae': 0.125, 'num_images': 1}
"""

#: Settings that decide how masks are measured, so they must be known when masks are added.
_SETTINGS = ("protocol", "threshold", "resize")


# The class's docstring is _DESCRIPTION and _KWARGS_DESCRIPTION (add_start_docstrings).
@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class KvasirSeg(evaluate.Metric):
    def __init__(
        self, *args: Any, threshold: float = DEFAULT_THRESHOLD, resize: str = "none", **kwargs: Any
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
            # What is stored per image: the accumulator's statistics, never the masks. The
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
        """Measure a batch of masks now and store their per-image statistics in the cache.

        Args:
            predictions: The batch's predicted masks (see the class docstring).
            references: Their reference masks, as many.
            **kwargs: Other columns, passed to ``evaluate.Metric.add_batch``.

        Raises:
            MetricInputError: If the batch is empty, a list is missing or the lengths
                differ, or a mask is refused (the message names its place in the batch);
                nothing of the batch is stored then.

        Example:
            >>> import numpy as np
            >>> from kvasir_seg.scores import evaluate_module_path
            >>> metric = evaluate.load(evaluate_module_path())
            >>> metric.add_batch(predictions=[np.eye(3)] * 2, references=[np.eye(3)] * 2)
            >>> metric.compute()["num_images"]
            2
        """
        if predictions is not None and not len(predictions):
            raise MetricInputError("Empty batch: give at least one prediction/reference pair.")
        prediction_columns, reference_columns = self._measure(predictions, references)
        super().add_batch(predictions=prediction_columns, references=reference_columns, **kwargs)

    def add(self, *, prediction: Any = None, reference: Any = None, **kwargs: Any) -> None:
        """Measure one pair of masks now and store its statistics in the cache.

        Args:
            prediction: One predicted mask (see the class docstring).
            reference: Its reference mask.
            **kwargs: Other columns, passed to ``evaluate.Metric.add_batch``.

        Raises:
            MetricInputError: If a mask is missing or refused; nothing is stored then.

        Example:
            >>> import numpy as np
            >>> from kvasir_seg.scores import evaluate_module_path
            >>> metric = evaluate.load(evaluate_module_path())
            >>> metric.add(prediction=np.array([[0.9, 0.2]]), reference=np.array([[1, 1]]))
            >>> metric.compute()["recall"]
            0.5
        """
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
        """Compute the scores of the masks added, or of the masks given here.

        Args:
            predictions: Masks to add first, as :meth:`add_batch` takes them.
            references: Their reference masks.
            **kwargs: ``image_ids``, ``inference_times``, ``per_image`` (see the class
                docstring); and ``protocol``, ``threshold``, ``resize``, which apply to the
                masks given here (masks added before were measured with the settings of
                ``evaluate.load``).

        Returns:
            The scores (see the class docstring); ``None`` in a process other than the
            first in distributed use, as ``evaluate`` does.

        Raises:
            MetricInputError: If a setting differs from the one the masks already added
                were measured with, a setting is refused, or ``image_ids`` /
                ``inference_times`` are not one per image.

        Example:
            >>> import numpy as np
            >>> from kvasir_seg.scores import evaluate_module_path
            >>> metric = evaluate.load(evaluate_module_path())
            >>> masks = {"predictions": [np.array([[0.6, 0.2]])], "references": [[[1, 0]]]}
            >>> metric.compute(**masks)["dice"], metric.compute(**masks, threshold=0.7)["dice"]
            (1.0, 0.0)
        """
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
