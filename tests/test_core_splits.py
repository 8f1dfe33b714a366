"""The official split lists shipped as package data, and how they are applied."""

from __future__ import annotations

import logging

import pytest

from kvasir_seg.catalog import DATASETS, KVASIR_SEG, check_spec, get_spec
from kvasir_seg.errors import KvasirSegError, LayoutError
from kvasir_seg.fields import SplitIn
from kvasir_seg.splits import (
    ArchiveList,
    ConfigSpec,
    IdList,
    SplitSpec,
    assign_splits,
    read_id_list,
)

TRAIN = read_id_list("kvasir_seg/official/train.txt")
VAL = read_id_list("kvasir_seg/official/val.txt")
PRANET = read_id_list("kvasir_seg/pranet/test.txt")


def test_official_lists_are_complete_and_disjoint() -> None:
    assert (len(TRAIN), len(VAL), len(PRANET)) == (880, 120, 100)
    assert not set(TRAIN) & set(VAL)
    assert set(PRANET) <= set(TRAIN) | set(VAL)
    assert len(set(PRANET) & set(TRAIN)) == 91
    assert all(len(i) == 25 and i.isalnum() and i.islower() for i in TRAIN + VAL)


def test_full_archive_gets_exact_splits() -> None:
    official = assign_splits(KVASIR_SEG.config("official"), TRAIN + VAL, "kvasir_seg")
    assert official == {"train": sorted(TRAIN), "validation": sorted(VAL)}
    pranet = assign_splits(KVASIR_SEG.config("pranet"), TRAIN + VAL, "kvasir_seg")
    assert pranet["test"] == sorted(PRANET)
    assert len(pranet["train"]) == 900 and not set(pranet["train"]) & set(PRANET)


def test_partial_archive_is_partial_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        splits = assign_splits(KVASIR_SEG.config("official"), TRAIN[:5] + VAL[:2], "kvasir_seg")
    assert splits == {"train": sorted(TRAIN[:5]), "validation": sorted(VAL[:2])}
    assert "875 of the 880 ids" in caplog.text


def test_ids_in_no_split_are_an_error() -> None:
    with pytest.raises(LayoutError, match="in no split"):
        assign_splits(
            KVASIR_SEG.config("official"), [*TRAIN, "cjnotanofficialid000000000"], "kvasir_seg"
        )


def test_sessile_examples_know_their_kvasir_seg_split() -> None:
    official, pranet = KVASIR_SEG.config("official"), KVASIR_SEG.config("pranet")
    official_split = SplitIn(official, everyone=official)
    pranet_split = SplitIn(pranet, everyone=official)
    assert official_split(TRAIN[0]) == "train"
    assert official_split(VAL[0]) == "validation"
    assert pranet_split(PRANET[0]) == "test"
    assert pranet_split(next(i for i in TRAIN if i not in PRANET)) == "train"
    assert official_split("unknown") == "none"
    fields = {extra.name: extra.derive for extra in get_spec("kvasir_sessile").extra_fields}
    assert fields == {
        "kvasir_seg_official_split": official_split,
        "kvasir_seg_pranet_split": pranet_split,
    }


def test_an_archive_list_must_name_only_images_of_the_archive() -> None:
    config = ConfigSpec(
        "official",
        "lists in the archive",
        (SplitSpec("train", ArchiveList("train.txt")), SplitSpec("test", ArchiveList("test.txt"))),
    )
    lists = {"train.txt": b"a\nb\n", "test.txt": b"\xef\xbb\xbfc\r\n\n"}
    assert assign_splits(config, ["a", "b", "c"], "demo", lists.__getitem__) == {
        "train": ["a", "b"],
        "test": ["c"],
    }
    with pytest.raises(LayoutError, match="have no image"):
        assign_splits(config, ["a", "c"], "demo", lists.__getitem__)
    with pytest.raises(LayoutError, match="in no split"):
        assign_splits(config, ["a", "b", "c", "d"], "demo", lists.__getitem__)
    with pytest.raises(LayoutError, match="two splits"):
        assign_splits(config, ["a", "b", "c"], "demo", {**lists, "test.txt": b"a\nc"}.__getitem__)


def test_a_package_list_is_read_from_any_package() -> None:
    listed = IdList("kvasir_seg.splits", "kvasir_seg/pranet/test.txt").read()
    assert listed == PRANET


def test_a_split_source_that_is_no_list_is_refused() -> None:
    from dataclasses import replace

    bad = ConfigSpec("x", "x", (SplitSpec("train", "kvasir_seg/official/train.txt"),))
    with pytest.raises(KvasirSegError, match="IdList"):
        check_spec(replace(KVASIR_SEG, name="kvasir_bad", configs=(bad,)))


def test_catalog_names_configs_and_errors() -> None:
    assert set(DATASETS) == {
        "kvasir_seg",
        "kvasir_sessile",
        "kvasir_capsule_seg",
        "kvasir_instrument",
    }
    assert get_spec("Kvasir-SEG") is KVASIR_SEG
    assert KVASIR_SEG.config(None).name == "official"
    with pytest.raises(KvasirSegError, match="choose one of: official, pranet"):
        KVASIR_SEG.config("random")
    with pytest.raises(KvasirSegError, match="Unknown dataset"):
        get_spec("cvc_clinicdb")
    for spec in DATASETS.values():
        assert spec.url.startswith("https://datasets.simula.no/downloads/")
        assert "Research and educational use only" in spec.terms_of_use
        assert spec.citation.lstrip().startswith("@")
