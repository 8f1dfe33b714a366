"""What the commands print reads right: counted nouns agree with their count, an unknown
option points at its command's help, and ``show`` names a dataset as the others do."""

from __future__ import annotations

from pathlib import Path

from kvasir_seg.app.pairing import PredictionProblems


def test_one_of_a_thing_is_printed_in_the_singular(
    kvasir_seg_zip: Path, test_dataset, tmp_path: Path, kvasir_seg_cli
) -> None:
    archive = ["--data-dir", kvasir_seg_zip, "--no-verify", "-q"]
    out = ["--out", tmp_path / "grid.png"]
    one = kvasir_seg_cli("show kvasir_seg --split train -n 1", *out, *archive).stdout
    assert "1 example of " in one and "examples" not in one
    two = kvasir_seg_cli("show kvasir_seg --split train -n 2", *out, *archive).stdout
    assert "2 examples of " in two
    one_set = test_dataset.root / "Kvasir"
    masks = one_set / "masks" if (one_set / "masks").is_dir() else one_set
    single = tmp_path / "single"
    single.mkdir()
    first = sorted(masks.iterdir())[0]
    (single / first.name).write_bytes(first.read_bytes())
    predictions = test_dataset.write_predictions(tmp_path / "results", size=None) / "Kvasir"
    for extra in sorted(predictions.iterdir())[1:]:
        extra.unlink()
    text = kvasir_seg_cli("evaluate --references", single, "--predictions", predictions, "-q")
    assert ": 1 image, protocol default" in text.stdout
    lines = PredictionProblems(missing=["a"], extra=["b", "c"], wrong_size=[("d", (1, 1), (2, 2))])
    assert lines.lines()[:1] == ["1 missing prediction:"]
    assert "2 extra predictions:" in lines.lines() and "1 prediction of the wrong size:" in (
        lines.lines()
    )


def test_an_unknown_option_points_at_its_command_s_help(kvasir_seg_cli) -> None:
    for command in ("evaluate --references R --predictions P", "info", "show kvasir_seg --out x"):
        failed = kvasir_seg_cli(command, "--no-such-option", ok=False)
        name = command.split()[0]
        assert failed.returncode == 2
        assert failed.stderr.strip() == (
            f"kvasir-seg {name}: error: unrecognized arguments: --no-such-option "
            f"(see 'kvasir-seg {name} --help')"
        )


def test_show_takes_dataset_name_as_evaluate_does(
    kvasir_seg_zip: Path, tmp_path: Path, kvasir_seg_cli
) -> None:
    common = ["--split train -n 3 --data-dir", kvasir_seg_zip, "--no-verify --json -q"]
    positional = kvasir_seg_cli("show kvasir_seg --out", tmp_path / "a.png", *common).json()
    option = kvasir_seg_cli("show --dataset kvasir_seg --out", tmp_path / "b.png", *common).json()
    assert {**option, "out": None} == {**positional, "out": None}
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    twice = kvasir_seg_cli(
        "show kvasir_seg --dataset kvasir_seg --out", tmp_path / "c.png", *common, ok=False
    )
    twice.assert_user_error("named twice")
