"""``num_proc``: the same cache with any number of processes, example for example and byte
for byte; a worker's error is ours, with the message one process gives; no warnings."""

from __future__ import annotations

import logging
import pickle
import warnings
from pathlib import Path

import datasets
import pytest

from kvasir_seg.catalog import KVASIR_SEG
from kvasir_seg.errors import ArchiveError
from kvasir_seg.plan import plan_build
from kvasir_seg_hf import builder as hf_builder
from kvasir_seg_hf import load_dataset

NO_CHECKS = {"verification_mode": "no_checks"}  # synthetic zips never match the pinned checksum


@pytest.fixture
def shared_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """Splits of 4 examples or more are shared out among the workers (the fixtures' splits
    are smaller than the real threshold)."""
    monkeypatch.setattr(hf_builder, "MIN_SHARED_EXAMPLES", 4)


def _load(data_dir: Path, cache: Path, *args: str, **kwargs: object):
    return load_dataset(*args, data_dir=data_dir, cache_dir=cache, **{**NO_CHECKS, **kwargs})


def _stored(ds: datasets.Dataset) -> list[dict]:
    """Every row as stored: the image and mask as their file bytes."""
    raw = datasets.Image(decode=False)
    return ds.cast_column("image", raw).cast_column("mask", raw).to_list()


def _arrow_files(cache: Path, split: str) -> list[Path]:
    return sorted(cache.rglob(f"*-{split}*.arrow"))


@pytest.mark.parametrize("config", ["official", "pranet"])
def test_num_proc_two_gives_the_same_dataset(
    shared_out: None, kvasir_seg_zip: Path, tmp_path: Path, config: str
) -> None:
    one = _load(kvasir_seg_zip, tmp_path / "one", "kvasir_seg", config)
    two = _load(kvasir_seg_zip, tmp_path / "two", "kvasir_seg", config, num_proc=2)
    assert list(one) == list(two)
    for split in one:
        assert _stored(one[split]) == _stored(two[split]), split  # same order, same bytes
    # The train split was written by two workers (one Arrow file each), not in this process.
    assert len(_arrow_files(tmp_path / "two", "train")) == 2


def test_a_split_of_one_shard_is_built_here_without_a_warning(
    kvasir_seg_zip: Path, tmp_path: Path
) -> None:
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append  # type: ignore[method-assign]
    library = logging.getLogger("datasets")  # datasets' loggers do not propagate to the root
    library.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ds = _load(kvasir_seg_zip, tmp_path, "kvasir_seg", num_proc=2)
    finally:
        library.removeHandler(handler)
    assert [r.getMessage() for r in records] == [] and [str(w.message) for w in caught] == []
    assert all(len(_arrow_files(tmp_path, split)) == 1 for split in ds)


def test_more_processes_than_shards_builds_with_one_per_shard(
    shared_out: None, kvasir_seg_zip: Path, tmp_path: Path
) -> None:
    ds = _load(kvasir_seg_zip, tmp_path, "kvasir_seg", "pranet", split="train", num_proc=16)
    assert len(_arrow_files(tmp_path, "train")) == len(hf_builder._shards(ds["image_id"]))


def test_a_workers_error_is_ours_with_the_message_of_one_process(
    shared_out: None, make_archive, tmp_path: Path
) -> None:
    root = make_archive("kvasir_sessile", count=8, zipped=False)
    victim = sorted((root / "sessile-main-Kvasir-SEG" / "masks").iterdir())[5]
    victim.write_bytes(b"\xff\xd8 broken")
    raised = []
    for num_proc in (None, 2):
        with pytest.raises(ArchiveError, match=f"{victim.name}: cannot decode the image") as info:
            load_dataset("kvasir_sessile", data_dir=root, cache_dir=tmp_path, num_proc=num_proc)
        raised.append((type(info.value), str(info.value)))
    assert raised[0] == raised[1]
    assert not list(tmp_path.rglob("dataset_info.json"))


def test_a_pickled_plan_leaves_what_it_found_behind_and_finds_it_again(
    kvasir_seg_zip: Path,
) -> None:
    plan = plan_build(KVASIR_SEG, kvasir_seg_zip, verify=False)
    splits = plan.splits
    copy = pickle.loads(pickle.dumps(plan))
    # Neither the open archive nor the split lists (most of its bytes) travel with it.
    assert copy._reader is None and copy._splits is None
    assert copy.splits == splits and copy.layout == plan.layout
    plan.close()
    copy.close()
