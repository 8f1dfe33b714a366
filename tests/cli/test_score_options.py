"""The scoring commands' options: parsed into typed options, checked once, each folder of
predictions listed once; one error class per kind of failure."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from kvasir_seg.app import predictions as predictions_module
from kvasir_seg.app.folders import FolderError
from kvasir_seg.app.options import UsageError
from kvasir_seg.app.predictions import PredictionFolder
from kvasir_seg.app.score_arguments import (
    add_allow_arguments,
    add_ground_truth_arguments,
    add_predictions_argument,
    add_scoring_arguments,
)
from kvasir_seg.app.score_options import (
    GroundTruthOptions,
    ScoreOptions,
    ScoringOptions,
    read_score_options,
)
from kvasir_seg.errors import MetricInputError


def _parsed(*argv: str, dataset_argument: bool = False) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_ground_truth_arguments(parser, dataset_argument=dataset_argument)
    add_predictions_argument(parser, required=False)
    add_scoring_arguments(parser)
    add_allow_arguments(parser)
    args = parser.parse_args(list(argv))
    args.progress = False
    return args


def test_a_command_line_becomes_typed_options(test_dataset, tmp_path: Path) -> None:
    folder = test_dataset.write_predictions(tmp_path / "results", size=None)
    args = _parsed(
        "--references", str(test_dataset.root), "--predictions", str(folder),
        "--threshold", "0.3", "--resize", "nearest", "--jobs", "3", "--allow-extra",
    )  # fmt: skip
    options = read_score_options(args, protocols=("default",))
    assert isinstance(options, ScoreOptions)
    assert options.ground_truth == GroundTruthOptions(references=str(test_dataset.root))
    assert options.scoring == ScoringOptions(
        protocols=("default",), threshold=0.3, resize="nearest", num_workers=3, allow_extra=True
    )
    assert options.predictions["predictions"].path == folder
    assert options.predictions["predictions"].listing.folders == sorted(test_dataset.masks)


def test_each_folder_of_predictions_is_listed_once(
    test_dataset, tmp_path: Path, kvasir_seg_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From the check of the command line to the last scored image: one listing of it."""
    one_set = test_dataset.root / "Kvasir"
    folder = tmp_path / "results"
    test_dataset.write_predictions(folder, size=None)
    listed = []
    real = predictions_module.list_folder

    def counting(path: Path, *args: object) -> object:
        listed.append(path)
        return real(path, *args)

    monkeypatch.setattr(predictions_module, "list_folder", counting)
    for references, predictions in ((test_dataset.root, folder), (one_set, folder / "Kvasir")):
        listed.clear()
        kvasir_seg_cli("evaluate --references", references, "--predictions", predictions, "-q")
        assert listed == [predictions]


def test_each_kind_of_failure_has_its_error_class(test_dataset, tmp_path: Path) -> None:
    references = ("--references", str(test_dataset.root))
    split = ("--dataset", "kvasir_seg", "--split", "train")
    nowhere = str(tmp_path / "nothing")
    failures = [
        (UsageError, "both name the ground truth", (*references, "--dataset", "kvasir_seg")),
        (UsageError, "name the ground truth", ()),
        (UsageError, "--split applies to --dataset only", (*references, "--split", "x")),
        (UsageError, "--threshold applies", (*references, "--threshold", "0.4")),
        (MetricInputError, "threshold must be in", (*references, "--threshold", "2")),
        (FolderError, "is not a folder of predictions", (*references, "--predictions", nowhere)),
        (FolderError, "holds no .png", (*split, "--predictions", str(tmp_path))),
    ]
    for error, message, argv in failures:
        protocols = ("pranet",) if "--threshold" in argv and "0.4" in argv else ("default",)
        with pytest.raises(error, match=message):
            read_score_options(_parsed(*argv), protocols=protocols)
    (tmp_path / "a.png").mkdir()
    with pytest.raises(FolderError, match="not a regular file"):
        PredictionFolder.open(tmp_path)


def test_show_takes_the_dataset_as_its_argument_or_as_an_option() -> None:
    for argv in (["kvasir_seg"], ["--dataset", "kvasir_seg"]):
        args = _parsed(*argv, dataset_argument=True)
        options = read_score_options(args, protocols=("default",), split_required=False)
        assert options.ground_truth.dataset == "kvasir_seg" and options.ground_truth.split is None
    twice = _parsed("kvasir_seg", "--dataset", "kvasir_seg", dataset_argument=True)
    with pytest.raises(UsageError, match="named twice"):
        read_score_options(twice, protocols=("default",), split_required=False)
