"""``kvasir-seg info``, ``--help`` of every command, and how user errors look."""

from __future__ import annotations

import pytest

from kvasir_seg.app.cli import build_parser, main
from kvasir_seg.catalog import DATASETS

COMMANDS = ["info", "download", "prepare", "evaluate", "compare", "report", "show", "export"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    assert f"usage: kvasir-seg {command}" in text
    assert f"examples:\n  kvasir-seg {command}" in text


def test_top_level_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    text = capsys.readouterr().out
    for command in COMMANDS:
        assert command in text


def test_info_text_json_and_bibtex(kvasir_seg_cli) -> None:
    text = kvasir_seg_cli("info").stdout
    for spec in DATASETS.values():
        assert f"{spec.title} ({spec.name})" in text and spec.homepage in text
    assert "official: train 880, validation 120" in text
    assert "kvasir-sessile.zip, 13.7 MB as its page states" in text
    assert "pranet: train 900, test 100" in text
    assert "Research and educational use only" in text

    facts = kvasir_seg_cli("info", "kvasir-seg", "--json").json()
    assert facts["configs"] == {
        "official": {"train": 880, "validation": 120},
        "pranet": {"train": 900, "test": 100},
    }
    assert facts["checksum_pinned"] is True and facts["size_bytes"] == 46_227_172
    everything = kvasir_seg_cli("info", "--json").json()
    assert [d["name"] for d in everything] == list(DATASETS)
    assert [d["checksum_pinned"] for d in everything] == [
        spec.sha256 is not None for spec in DATASETS.values()
    ]
    assert everything[2]["configs"] == {"default": {"train": 55}}

    bibtex = kvasir_seg_cli("info", "--bibtex").stdout
    # Kvasir-SEG's entry is cited by two datasets but printed once.
    assert bibtex.count("@inproceedings{jha2020kvasir,") == 1
    assert "@article{jha2021comprehensive," in bibtex and "jha2021nanonet" in bibtex
    keys = kvasir_seg_cli("info", "kvasir_capsule_seg", "--bibtex", "--json").json()
    assert len(keys) == 1 and keys[0].startswith("@inproceedings{jha2021nanonet,")


def test_user_errors_are_one_line_without_traceback(kvasir_seg_subprocess, tmp_path) -> None:
    """End to end: ``python -m kvasir_seg``, its exit status and its stderr."""
    kvasir_seg_subprocess("info", "kvasir_foo", ok=False).assert_user_error(
        "unknown dataset 'kvasir_foo'", ", ".join(DATASETS)
    )
    kvasir_seg_subprocess(ok=False).assert_user_error("COMMAND")
    kvasir_seg_subprocess(
        "show", "kvasir_seg", "--config", "nope", "--out", tmp_path / "x.png", ok=False
    ).assert_user_error("no config 'nope'", "official, pranet")
    empty = tmp_path / "empty"
    empty.mkdir()
    result = kvasir_seg_subprocess(
        "evaluate --dataset kvasir_seg --split validation --predictions", empty, ok=False
    )
    assert result.returncode == 2
    result.assert_user_error("holds no .png or .jpg predictions")
    (empty / "some-id.png").write_bytes(b"")
    kvasir_seg_subprocess(
        "evaluate --dataset kvasir_seg --split validation --predictions",
        empty,
        "--data-dir",
        tmp_path / "nowhere",
        ok=False,
    ).assert_user_error(
        "nowhere does not exist", "https://datasets.simula.no/downloads/kvasir-seg.zip"
    )
    # No --data-dir and nothing downloaded yet: the download is tried (here it cannot be),
    # and the message says what to fetch by hand and where to put it.
    kvasir_seg_subprocess(
        "show kvasir_sessile --out", tmp_path / "x.png", ok=False
    ).assert_user_error(
        "Cannot download",
        "open https://datasets.simula.no/downloads/kvasir-sessile.zip in a browser",
        str(tmp_path / "home" / "archives" / "kvasir-sessile.zip"),
    )


def test_unknown_split_names_the_known_ones(capsule_zip, tmp_path, kvasir_seg_cli) -> None:
    kvasir_seg_cli(
        "show kvasir_capsule_seg --split test --data-dir",
        capsule_zip,
        "--out",
        tmp_path / "x.png",
        ok=False,
    ).assert_user_error("config 'default' has no split 'test'; choose one of: train")


def test_info_prints_the_croissant_of_one_dataset(kvasir_seg_cli) -> None:
    from kvasir_seg.app.croissant import croissant_metadata

    printed = kvasir_seg_cli("info kvasir_seg --croissant").json()
    assert printed == croissant_metadata(DATASETS["kvasir_seg"])
    kvasir_seg_cli("info --croissant", ok=False).assert_user_error("describes one dataset")


def test_info_help_names_every_dataset_of_the_catalog(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        main(["info", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "three" not in text and f"all {len(DATASETS)}" in text


def test_info_says_which_copy_a_call_without_a_path_reads(
    make_archive, tmp_path, kvasir_seg_cli
) -> None:
    zipped = make_archive("kvasir_sessile", complete=True)
    folder = make_archive("kvasir_sessile", complete=True, zipped=False, seed=2)
    for copy in (zipped, folder):
        kvasir_seg_cli("show kvasir_sessile -n 1 -q --data-dir", copy, "--out", tmp_path / "x.png")
    status = kvasir_seg_cli("info kvasir_sessile --json").json()["status"]
    assert status["reads"]["path"] == str(zipped) and "matches" in status["reads"]["why"]
    text = kvasir_seg_cli("info kvasir_sessile").stdout
    (line,) = [row for row in text.splitlines() if row.strip().startswith("reads")]
    assert str(zipped) in line
