"""What ``evaluate``, ``compare`` and ``report`` share: where the ground truth is, how to score.

The ground truth is either ``--references DIR`` (a folder of masks, or of sets,
:mod:`kvasir_seg.app.reference_sets`) or ``--dataset NAME --split S`` (an archive's split,
read by the core reader; ``--config``, ``--data-dir`` and ``--no-verify`` as elsewhere).
Scoring options: ``--protocol``, ``--threshold`` and ``--resize``.

    >>> import argparse
    >>> parser = argparse.ArgumentParser()
    >>> add_ground_truth_arguments(parser); add_scoring_arguments(parser)
    >>> parser.parse_args(["--references", "TestDataset", "--resize", "bilinear"]).resize
    'bilinear'
"""

from __future__ import annotations

import argparse
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
    add_predictions_folder,
    add_threshold_argument,
    archive_of,
    single_dataset,
)
from kvasir_seg.catalog import get_spec

#: The engine's ``PROTOCOLS`` and ``RESIZE_METHODS``, spelled here so that building the
#: parser does not import the engine (numpy, scipy); a test checks that they agree.
PROTOCOLS = ("default", "pranet")
RESIZE_METHODS = ("none", "nearest", "bilinear", "bicubic")

if TYPE_CHECKING:
    from kvasir_seg.app.reference_sets import ReferenceSet


@dataclass
class GroundTruth:
    """The sets to score against, and what to print about where they come from."""

    sets: list[ReferenceSet]
    #: ``{"dataset", "config", "split"}`` or ``{"references"}``, for reports.
    source: dict[str, str]

    @property
    def title(self) -> str:
        """``kvasir_seg / official / validation`` or the references folder."""
        if "references" in self.source:
            return self.source["references"]
        return " / ".join(self.source[key] for key in ("dataset", "config", "split"))


def add_ground_truth_arguments(parser: argparse.ArgumentParser) -> None:
    """``--references DIR`` or ``--dataset NAME --split S`` (with the archive options)."""
    group = parser.add_argument_group(
        "ground truth", "either --references DIR, or --dataset NAME --split S"
    )
    group.add_argument(
        "--references",
        metavar="DIR",
        help=(
            "folder of ground-truth masks (PNG/JPEG/BMP/TIFF, any bit depth), a set holding "
            "masks/, or a folder of such sets (e.g. PraNet's TestDataset)"
        ),
    )
    group.add_argument(
        "--dataset", type=single_dataset, metavar="NAME", help="score against a dataset's split"
    )
    add_config_argument(group, "with --dataset; default: the dataset's first")
    group.add_argument("--split", metavar="S", help="with --dataset: the split to score")
    add_archive_arguments(group)


def add_predictions_argument(parser: argparse.ArgumentParser) -> None:
    """``--predictions DIR``: one model's folder, mirroring the ground truth."""
    add_predictions_folder(
        parser,
        required=True,
        help_text="folder of predicted masks <image_id>.png (a folder of sets: "
        "<set>/<image_id>.png)",
    )


def add_scoring_arguments(parser: argparse.ArgumentParser, *, protocol: bool = True) -> None:
    """``--protocol`` (unless ``protocol=False``), ``--threshold`` and ``--resize``."""
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
    """Exactly one of ``--references`` and ``--dataset NAME --split S``, nothing mixed."""
    if args.references is not None:
        given = [
            option
            for option, value in (
                ("--dataset", args.dataset),
                ("--split", args.split),
                ("--config", args.config),
                ("--data-dir", args.data_dir),
            )
            if value is not None
        ]
        if given:
            raise UsageError(
                f"--references names the ground truth; {', '.join(given)} applies to "
                "--dataset only: give one of the two."
            )
    elif args.dataset is None or args.split is None:
        raise UsageError(
            "name the ground truth: --references DIR (a folder of masks or of sets), or "
            "--dataset NAME --split S."
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
def opened_ground_truth(args: argparse.Namespace) -> Iterator[GroundTruth]:
    """The ground truth the command line names, open for the ``with`` body."""
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
        split, ids = split_ids(archive, args.config, args.split)
        source = {"dataset": spec.name, "config": config, "split": split}
        yield GroundTruth([archive_set(archive, split, ids)], source)


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
        return score_models(
            truth.sets,
            models,
            protocols,
            threshold=threshold,
            resize=args.resize,
            progress=args.progress,
            **options,
        )
    except PredictionMismatch as mismatch:
        for line in mismatch.lines():
            print(line, file=sys.stderr)
        raise UsageError(str(mismatch)) from None
