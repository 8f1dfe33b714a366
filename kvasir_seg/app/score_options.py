"""What a scoring command was asked to do, read from its command line and checked once.

:func:`read_score_options` turns the values :mod:`kvasir_seg.app.score_arguments` parsed
into a :class:`ScoreOptions`: the ground truth (:class:`GroundTruthOptions`), how to score
(:class:`ScoringOptions`) and each model's folder of predictions, opened and listed once.
Every check runs here, before any archive is looked up or downloaded; a command line that
asks for something impossible is a :class:`~kvasir_seg.app.options.UsageError`, a folder
that cannot be used a :class:`~kvasir_seg.app.folders.FolderError`.

    >>> import argparse
    >>> args = argparse.Namespace(
    ...     references="TestDataset/", dataset=None, config=None, split=None, data_dir=None,
    ...     verify=True, ca_bundle=None, progress=False, threshold=None, resize="none", jobs=1,
    ...     allow_missing=False, allow_extra=False, predictions=None)
    >>> read_score_options(args, protocols=("pranet",)).scoring.threshold
    0.5
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kvasir_seg.app.options import ArchiveOptions, UsageError
from kvasir_seg.score_settings import DEFAULT_THRESHOLD, check_threshold

if TYPE_CHECKING:
    from kvasir_seg.app.predictions import PredictionFolder


@dataclass(frozen=True)
class GroundTruthOptions:
    """Where the ground truth is: a folder of references, or a dataset's split."""

    #: ``--references DIR``, or ``None`` for a dataset.
    references: str | None
    #: The dataset, its config and split (``None``: the config's first; the config's last).
    dataset: str | None = None
    config: str | None = None
    split: str | None = None
    #: Where the dataset's archive is.
    archive: ArchiveOptions = ArchiveOptions()


@dataclass(frozen=True)
class ScoringOptions:
    """How the predictions are scored."""

    #: The protocols to score, e.g. ``("default",)``; the first one decides which sets
    #: are left out for having no prediction.
    protocols: tuple[str, ...]
    #: The default protocol's threshold.
    threshold: float = DEFAULT_THRESHOLD
    #: The Pillow filter that brings a prediction to its ground truth's size, or ``"none"``.
    resize: str = "none"
    #: Processes that read and measure the images (``--jobs``).
    num_workers: int = 1
    #: Score the images that have a prediction, skipping the rest / ignoring extra ones.
    allow_missing: bool = False
    allow_extra: bool = False
    #: Show a progress bar.
    progress: bool = False


@dataclass(frozen=True)
class ScoreOptions:
    """Everything a scoring command was asked: ground truth, scoring, folders of predictions."""

    ground_truth: GroundTruthOptions
    scoring: ScoringOptions
    #: Each model's folder of predictions, by the option or argument that named it.
    predictions: dict[str, PredictionFolder]


def read_score_options(
    args: argparse.Namespace,
    *,
    protocols: tuple[str, ...],
    split_required: bool = True,
    predictions: tuple[str, ...] = ("predictions",),
) -> ScoreOptions:
    """Read and check the options of a scoring command, once.

    Args:
        args: The parsed command line (:mod:`kvasir_seg.app.score_arguments`, with
            ``progress`` set by the entry point).
        protocols: The protocols the command scores.
        split_required: Whether ``--dataset`` needs ``--split`` (``show`` defaults to the
            config's last split).
        predictions: The attributes of ``args`` that name folders of predictions (each
            may be ``None`` when optional).

    Returns:
        The options, with each given folder of predictions opened and listed.

    Raises:
        UsageError: If the ground truth is named twice, not at all, or with options of
            the other kind; or ``--threshold`` is given without the default protocol.
        MetricInputError: If the threshold is not in [0, 1].
        FolderError: If a folder of predictions is not a folder, cannot be used, or
            (against a dataset's split) holds no prediction file.

    Example:
        See the module's docstring.
    """
    from kvasir_seg.app.predictions import PredictionFolder

    ground_truth = _ground_truth_options(args, split_required)
    scoring = ScoringOptions(
        protocols=protocols,
        threshold=_threshold(args, protocols),
        resize=args.resize,
        num_workers=args.jobs or _available_cores(),
        allow_missing=getattr(args, "allow_missing", False),
        allow_extra=getattr(args, "allow_extra", False),
        progress=args.progress,
    )
    folders = {name: getattr(args, name) for name in predictions}
    opened = {name: PredictionFolder.open(path) for name, path in folders.items() if path}
    if ground_truth.references is None:  # one set: the files are directly in the folder
        for folder in opened.values():
            folder.require_files()
    return ScoreOptions(ground_truth, scoring, opened)


def _available_cores() -> int:
    from kvasir_seg.scores.parallel import available_cores

    return available_cores()


def _threshold(args: argparse.Namespace, protocols: tuple[str, ...]) -> float:
    """``--threshold`` (checked), or the default; refused without the default protocol."""
    if args.threshold is None:
        return DEFAULT_THRESHOLD
    if "default" not in protocols:
        raise UsageError("--threshold applies to --protocol default only (pranet sweeps 256).")
    return check_threshold(args.threshold)


def _ground_truth_options(args: argparse.Namespace, split_required: bool) -> GroundTruthOptions:
    """Exactly one of ``--references`` and a dataset, nothing of the other kind."""
    named = [value for value in (args.dataset, getattr(args, "dataset_argument", None)) if value]
    if len(named) == 2:
        raise UsageError("the dataset is named twice (NAME and --dataset NAME): give it once.")
    dataset = named[0] if named else None
    # How messages name the dataset: show takes it as its argument too.
    words = "a dataset NAME" if hasattr(args, "dataset_argument") else "--dataset"
    if args.references is not None:
        if dataset is not None:
            raise UsageError(
                f"--references and {words} both name the ground truth: give one of the two."
            )
        given = [
            option
            for option, value in (
                ("--split", args.split),
                ("--config", args.config),
                ("--data-dir", args.data_dir),
            )
            if value is not None
        ]
        if given:
            raise UsageError(
                f"--references names the ground truth; {', '.join(given)} applies to {words} "
                "only: give one of the two."
            )
        return GroundTruthOptions(references=args.references)
    if dataset is None or (args.split is None and split_required):
        raise UsageError(
            "name the ground truth: --references DIR (a folder of masks or of sets), or "
            f"{'--dataset NAME --split S' if split_required else words}."
        )
    return GroundTruthOptions(
        references=None,
        dataset=dataset,
        config=args.config,
        split=args.split,
        archive=ArchiveOptions.from_args(args),
    )
