"""The options of the commands that score predictions (evaluate, compare, report, show).

This module only builds the parser; :func:`kvasir_seg.app.score_options.read_score_options`
reads what it parsed into typed options and checks them, once.

- the ground truth: ``--references DIR``, or ``--dataset NAME`` with ``--split S`` (and
  ``--config``, ``--data-dir``, ``--no-verify``, ``--ca-bundle``); ``show`` also takes the
  dataset as its argument, ``NAME``;
- ``--predictions DIR``, ``--allow-missing``, ``--allow-extra``;
- ``--protocol``, ``--threshold``, ``--resize`` and ``--jobs``.

    >>> import argparse
    >>> parser = argparse.ArgumentParser()
    >>> add_ground_truth_arguments(parser); add_scoring_arguments(parser)
    >>> parser.parse_args(["--references", "TestDataset", "--resize", "bilinear"]).resize
    'bilinear'
"""

from __future__ import annotations

import argparse

from kvasir_seg.app.options import (
    add_archive_arguments,
    add_config_argument,
    add_flag,
    add_predictions_folder,
    add_threshold_argument,
    positive_jobs,
    single_dataset,
)
from kvasir_seg.score_settings import PROTOCOLS, RESIZE_METHODS


def add_ground_truth_arguments(
    parser: argparse.ArgumentParser, *, dataset_argument: bool = False
) -> None:
    """Add ``--references DIR`` or ``--dataset NAME --split S`` with the archive options.

    Args:
        parser: The command's parser.
        dataset_argument: Also take the dataset as an optional argument ``NAME`` (``show``),
            parsed into ``dataset_argument``.
    """
    if dataset_argument:
        parser.add_argument(
            "dataset_argument",
            nargs="?",
            type=single_dataset,
            metavar="NAME",
            help="the dataset (the same as --dataset NAME)",
        )
    split_help = (
        "with a dataset: the split (default: the config's last, e.g. validation or test)"
        if dataset_argument
        else "with --dataset: the split to score"
    )
    group = parser.add_argument_group(
        "ground truth", "either --references DIR, or --dataset NAME (and its --split S)"
    )
    group.add_argument(
        "--references",
        metavar="DIR",
        help=(
            "folder of ground-truth masks (PNG/JPEG/BMP/TIFF, any bit depth), a set holding "
            "masks/ (and images/), or a folder of such sets (e.g. PraNet's TestDataset)"
        ),
    )
    group.add_argument(
        "--dataset", type=single_dataset, metavar="NAME", help="score against a dataset's split"
    )
    add_config_argument(group, "with a dataset; default: the dataset's first")
    group.add_argument("--split", metavar="S", help=split_help)
    add_archive_arguments(group)


def add_predictions_argument(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    """Add ``--predictions DIR``: one model's folder, mirroring the ground truth.

    Args:
        parser: The command's parser.
        required: Whether the command needs it (``show`` draws examples without it).
    """
    add_predictions_folder(
        parser,
        required=required,
        help_text="folder of predicted masks <image_id>.png (a folder of sets: "
        "<set>/<image_id>.png)",
    )


def add_allow_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--allow-missing`` and ``--allow-extra``: score what matches.

    Args:
        parser: The command's parser.
    """
    add_flag(parser, "--allow-missing", "score the images that have a prediction; skip the rest")
    add_flag(parser, "--allow-extra", "ignore predictions for images that are not in the split")


def add_scoring_arguments(parser: argparse.ArgumentParser, *, protocol: bool = True) -> None:
    """Add ``--protocol`` (unless ``protocol=False``), ``--threshold``, ``--resize``, ``--jobs``.

    Args:
        parser: The command's parser.
        protocol: Whether the command scores one protocol of the user's choice.
    """
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
            "worker processes that read and measure the images (num_workers in Python; the "
            "same scores as 1); default: the cores this process may use, fewer for a few "
            "images; 1: no worker processes"
        ),
    )
