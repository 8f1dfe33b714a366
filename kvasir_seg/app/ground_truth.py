"""What ``evaluate``, ``compare``, ``report`` and ``show`` share: where the ground truth is,
how to score.

The ground truth is either ``--references DIR`` (a folder of masks, or of sets,
:mod:`kvasir_seg.app.reference_sets`) or ``--dataset NAME --split S`` (an archive's split,
read by the core reader; ``--config``, ``--data-dir`` and ``--no-verify`` as elsewhere);
``show`` names the dataset as its argument, ``NAME``, and defaults to the config's last
split. Scoring options: ``--protocol``, ``--threshold``, ``--resize`` and ``--jobs``.

    >>> import argparse
    >>> parser = argparse.ArgumentParser()
    >>> add_ground_truth_arguments(parser); add_scoring_arguments(parser)
    >>> parser.parse_args(["--references", "TestDataset", "--resize", "bilinear"]).resize
    'bilinear'
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kvasir_seg.app.options import (
    DEFAULT_THRESHOLD,
    UsageError,
    add_archive_arguments,
    add_config_argument,
    add_flag,
    add_predictions_folder,
    add_threshold_argument,
    archive_of,
    positive_jobs,
    single_dataset,
)
from kvasir_seg.catalog import get_spec

#: The engine's ``PROTOCOLS`` and ``RESIZE_METHODS``, spelled here so that building the
#: parser does not import the engine (numpy, scipy); a test checks that they agree.
PROTOCOLS = ("default", "pranet")
RESIZE_METHODS = ("none", "nearest", "bilinear", "bicubic")

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from kvasir_seg.app.reference_sets import ReferenceSet


@dataclass
class GroundTruth:
    """The sets to score against, and what to print about where they come from."""

    sets: list[ReferenceSet]
    #: ``{"dataset", "config", "split"}`` or ``{"references"}``, for reports; the split is
    #: None for every image of an archive.
    source: dict[str, str | None]

    @property
    def title(self) -> str:
        """``kvasir_seg / official / validation`` or the references folder."""
        if "references" in self.source:
            return str(self.source["references"])
        found = (self.source[key] for key in ("dataset", "config", "split"))
        return " / ".join(value for value in found if value is not None)


def add_ground_truth_arguments(parser: argparse.ArgumentParser) -> None:
    """``--references DIR`` or ``--dataset NAME --split S`` (with the archive options)."""
    group = parser.add_argument_group(
        "ground truth", "either --references DIR, or --dataset NAME --split S"
    )
    _add_references_argument(group)
    group.add_argument(
        "--dataset", type=single_dataset, metavar="NAME", help="score against a dataset's split"
    )
    add_config_argument(group, "with --dataset; default: the dataset's first")
    group.add_argument("--split", metavar="S", help="with --dataset: the split to score")
    add_archive_arguments(group)
    parser.set_defaults(dataset_option="--dataset", split_required=True)


def add_dataset_or_references_arguments(parser: argparse.ArgumentParser) -> None:
    """``NAME`` (a dataset, optional ``--split``: the config's last) or ``--references DIR``."""
    parser.add_argument(
        "dataset",
        nargs="?",
        type=single_dataset,
        metavar="NAME",
        help="the dataset (or give --references DIR)",
    )
    group = parser.add_argument_group("ground truth", "either a dataset NAME, or --references DIR")
    _add_references_argument(group)
    add_config_argument(group, "with NAME; default: the dataset's first")
    group.add_argument(
        "--split",
        metavar="S",
        help="with NAME: the split (default: the config's last, e.g. validation or test)",
    )
    add_archive_arguments(group)
    parser.set_defaults(dataset_option="a dataset NAME", split_required=False)


def _add_references_argument(group: Any) -> None:
    group.add_argument(
        "--references",
        metavar="DIR",
        help=(
            "folder of ground-truth masks (PNG/JPEG/BMP/TIFF, any bit depth), a set holding "
            "masks/ (and images/), or a folder of such sets (e.g. PraNet's TestDataset)"
        ),
    )


def add_predictions_argument(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    """``--predictions DIR``: one model's folder, mirroring the ground truth."""
    add_predictions_folder(
        parser,
        required=required,
        help_text="folder of predicted masks <image_id>.png (a folder of sets: "
        "<set>/<image_id>.png)",
    )


def add_allow_arguments(parser: argparse.ArgumentParser) -> None:
    """``--allow-missing`` and ``--allow-extra``: score what matches."""
    add_flag(parser, "--allow-missing", "score the images that have a prediction; skip the rest")
    add_flag(parser, "--allow-extra", "ignore predictions for images that are not in the split")


def add_scoring_arguments(parser: argparse.ArgumentParser, *, protocol: bool = True) -> None:
    """``--protocol`` (unless ``protocol=False``), ``--threshold``, ``--resize`` and ``--jobs``."""
    if protocol:
        parser.add_argument(
            "--protocol", choices=PROTOCOLS, default="default", help="scoring convention"
        )
    add_threshold_argument(parser)
    parser.add_argument(
        "--resize",
        choices=RESIZE_METHODS,
        default="none",
        help=(
            "resize each prediction to its ground truth's size with this Pillow filter "
            "before scoring (e.g. 352x352 network outputs); default none: a size mismatch "
            "is an error"
        ),
    )
    parser.add_argument(
        "--jobs",
        type=positive_jobs,
        default=None,
        metavar="N",
        help=(
            "worker processes that read and measure the images (the same scores as 1); "
            "default: the cores this process may use; 1: no worker processes"
        ),
    )


def jobs_of(args: argparse.Namespace) -> int:
    """``--jobs``, by default the cores this process may use."""
    from kvasir_seg.scores.parallel import available_cores

    return getattr(args, "jobs", None) or available_cores()


def scoring_threshold(args: argparse.Namespace) -> float:
    """The default protocol's threshold; the settings are checked before anything is read."""
    protocol = getattr(args, "protocol", "default")
    if protocol == "pranet" and args.threshold is not None:
        raise UsageError("--threshold applies to --protocol default only (pranet sweeps 256).")
    from kvasir_seg.scores import new_accumulator

    threshold = DEFAULT_THRESHOLD if args.threshold is None else args.threshold
    new_accumulator(protocol, threshold, args.resize)  # checks the threshold and resize
    return threshold


def check_ground_truth_arguments(args: argparse.Namespace) -> None:
    """Exactly one of ``--references`` and ``--dataset NAME --split S`` (``show``: ``NAME``),
    nothing mixed."""
    dataset = args.dataset_option
    if args.references is not None:
        if args.dataset is not None:
            raise UsageError(
                f"--references and {dataset} both name the ground truth: give one of the two."
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
                f"--references names the ground truth; {', '.join(given)} applies to "
                f"{dataset} only: give one of the two."
            )
    elif args.dataset is None or (args.split is None and args.split_required):
        named = f"{dataset} NAME --split S" if args.split_required else dataset
        raise UsageError(
            f"name the ground truth: --references DIR (a folder of masks or of sets), or {named}."
        )


def prediction_folders(args: argparse.Namespace, *folders: str) -> dict[str, Path]:
    """The folders as paths, checked with the ground-truth options before any archive is
    looked up or downloaded: each must be a folder and, against a dataset's split (one
    set), hold prediction files directly.
    """
    from kvasir_seg.app.predictions import find_predictions
    from kvasir_seg.image_files import describe_path

    check_ground_truth_arguments(args)
    paths = {folder: Path(folder).expanduser() for folder in folders}
    for path in paths.values():
        if not path.is_dir():
            raise UsageError(
                f"{describe_path(path)} is not a folder of predictions; give a folder of "
                "<image_id>.png files (or of <set>/<image_id>.png for a folder of sets)."
            )
        if args.references is None:
            find_predictions(path)
    return paths


def split_ids(archive: Any, config: str | None, split: str | None) -> tuple[str, list[str]]:
    """(split name, its ids) in ``archive``; ``split=None`` means the config's last split.

    The last split is the one to look at or score: ``validation`` (official), ``test``
    (pranet), ``train`` for the datasets that have one split only.
    """
    splits = archive.assign_splits(config)
    name = split if split is not None else list(splits)[-1]
    if name not in splits:
        known = ", ".join(splits)
        config_name = archive.spec.config(config).name
        raise UsageError(
            f"{archive.spec.name} config {config_name!r} has no split {name!r}; choose one of: "
            f"{known}."
        )
    return name, splits[name]


@contextmanager
def opened_ground_truth(
    args: argparse.Namespace, *, every_image: bool = False
) -> Iterator[GroundTruth]:
    """The ground truth the command line names, open for the ``with`` body.

    ``every_image``: a dataset's ground truth is every image of its archive, whatever its
    split (one set named after the config).
    """
    from kvasir_seg.app.reference_sets import archive_set, reference_sets

    check_ground_truth_arguments(args)
    if args.references is not None:
        yield GroundTruth(reference_sets(args.references), {"references": args.references})
        return
    from kvasir_seg.archive import open_archive

    spec = get_spec(args.dataset)
    config = spec.config(args.config).name
    archive_path = archive_of(spec, args)
    with open_archive(spec, archive_path) as archive:
        if every_image:
            split, name, ids = None, config, list(archive.ids)
        else:
            split, ids = split_ids(archive, args.config, args.split)
            name = split
        source = {"dataset": spec.name, "config": config, "split": split}
        yield GroundTruth([archive_set(archive, name, ids)], source)


def score_or_explain(
    truth: GroundTruth,
    models: dict[str, Path],
    protocols: Sequence[str],
    args: argparse.Namespace,
    threshold: float,
    **options: Any,
) -> dict[str, Any]:
    """:func:`kvasir_seg.app.scoring.score_models`, with every mismatch listed on stderr."""
    from kvasir_seg.app.scoring import PredictionMismatch, score_models

    try:
        scores = score_models(
            truth.sets,
            models,
            protocols,
            threshold=threshold,
            resize=args.resize,
            progress=args.progress,
            num_workers=jobs_of(args),
            **options,
        )
    except PredictionMismatch as mismatch:
        for line in mismatch.lines():
            print(line, file=sys.stderr)
        raise UsageError(str(mismatch)) from None
    total = sum(len(reference_set.ids) for reference_set in truth.sets)
    for model, found in scores.items():
        if found.missing:
            logger.warning(
                "%s%d of %d images have no prediction and are left out of the scores "
                "(--allow-missing)",
                f"{model}: " if model else "",
                len(found.missing),
                total,
            )
    return scores
